package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.notify.outbox.Delivery;
import dev.notify.outbox.DeliveryOutcome;
import dev.notify.outbox.OutboxEntry;
import dev.notify.outbox.OutboxSettings;
import dev.notify.outbox.OutboxStatus;
import dev.notify.outbox.RetryPolicy;
import dev.notify.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Digest emails: one per recipient per period, boundaries, retries, nothing in two digests. */
@ParameterizedClass(name = "{0}")
@EnumSource(TestDatabases.Kind.class)
class DigestTest {
    private static final Instant MORNING = Instant.parse("2026-03-02T10:00:00Z");
    private static final Instant MIDNIGHT = Instant.parse("2026-03-03T00:00:00Z");
    private static final RetryPolicy NO_JITTER = new RetryPolicy(4, Duration.ofSeconds(10), 2.0,
            Duration.ofMinutes(10), 0);

    @Parameter
    TestDatabases.Kind kind;

    private TestDatabases.TestDatabase db;
    private TestClock clock;
    private RecordingChannel email;
    private RecordingChannel push;
    private Notify notify;

    @BeforeEach
    void setUp() {
        db = TestDatabases.create(kind);
        clock = new TestClock(MORNING);
        email = RecordingChannel.likeEmail();
        push = new RecordingChannel("push");
        notify = db.notifyBuilder().clock(clock).channel(email).channel(push)
                .templates(TemplatedSendTest.templates())
                .outbox(OutboxSettings.ofDefaults().withWorkers(0).withRetry(NO_JITTER)).build();
        notify.preferences().digest("alice", "inventory", DigestFrequency.DAILY);
    }

    @AfterEach
    void tearDown() {
        notify.close();
        db.close();
    }

    private Notification lowStock(String item) {
        return notify.send(SendRequest.to("alice").template("low_stock_alert",
                Map.of("item_name", item, "current_stock", 3, "unit", "kg", "reorder_level", 10)).build()).first();
    }

    private void at(Instant t) {
        clock.advance(Duration.between(clock.instant(), t));
    }

    @Test
    void notificationsOfADigestCategoryAreStoredAtOnceAndEmailedTogetherAtThePeriodsEnd() {
        lowStock("Coffee");
        at(MORNING.plus(Duration.ofHours(5)));
        lowStock("Milk");
        assertThat(notify.inbox("alice").unreadCount()).isEqualTo(2);
        assertThat(notify.outbox().deliverDue()).as("push goes at once").isEqualTo(2);
        assertThat(email.delivered).isEmpty();

        at(MIDNIGHT.minusMillis(1));
        assertThat(notify.outbox().deliverDue()).isZero();
        at(MIDNIGHT);
        assertThat(notify.outbox().deliverDue()).isEqualTo(1);
        assertThat(email.delivered).hasSize(1);
        Delivery digest = email.delivered.peek();
        assertThat(digest.notification().type()).isEqualTo("digest");
        assertThat(digest.part().title()).isEqualTo("Your daily inventory digest: 2 new");
        assertThat(digest.part().body()).isEqualTo("- Low stock: Coffee: Only 3 kg left (reorder at 10).\n"
                + "- Low stock: Milk: Only 3 kg left (reorder at 10).\n");
        assertThat(notify.outbox().deliverDue()).isZero();
    }

    @Test
    void otherRecipientsAndCategoriesAreEmailedImmediately() {
        notify.send(SendRequest.to("bob").template("low_stock_alert",
                Map.of("item_name", "Tea", "current_stock", 3, "unit", "kg", "reorder_level", 10)).build());
        notify.send(SendRequest.to("alice").type("new_order").title("Order 7").build());
        notify.outbox().deliverDue();
        assertThat(email.delivered).extracting(d -> d.notification().recipient()).containsExactlyInAnyOrder("bob", "alice");
    }

    @Test
    void anEventOnTheBoundaryStartsTheNextPeriodAndNothingIsInTwoDigests() {
        at(MIDNIGHT.minusNanos(1000));
        lowStock("Before");
        at(MIDNIGHT);
        lowStock("OnTheBoundary");
        assertThat(notify.outbox().deliverDue()).isEqualTo(3); // two pushes, the first digest
        assertThat(email.delivered).hasSize(1);
        assertThat(email.delivered.peek().part().body()).contains("Before").doesNotContain("OnTheBoundary");

        at(MIDNIGHT.plus(Duration.ofDays(1)));
        assertThat(notify.outbox().deliverDue()).isEqualTo(1);
        List<Delivery> mails = List.copyOf(email.delivered);
        assertThat(mails).hasSize(2);
        assertThat(mails.get(1).part().body()).contains("OnTheBoundary").doesNotContain("Before");
    }

    @Test
    void aRetriedDigestCarriesTheSameNotificationsAndLaterOnesWaitForTheNext() {
        lowStock("Coffee");
        at(MIDNIGHT);
        email.answer = d -> DeliveryOutcome.retry("421 try later");
        assertThat(notify.outbox().deliverDue()).isEqualTo(2); // push, digest attempt 1
        at(MIDNIGHT.plusSeconds(5));
        lowStock("Milk"); // its period's digest (tomorrow's) is a new one

        email.answer = d -> DeliveryOutcome.delivered();
        at(MIDNIGHT.plusSeconds(10));
        notify.outbox().deliverDue();
        assertThat(email.delivered).hasSize(1);
        assertThat(email.delivered.peek().part().body()).contains("Coffee").doesNotContain("Milk");

        at(MIDNIGHT.plus(Duration.ofDays(1)));
        notify.outbox().deliverDue();
        assertThat(List.copyOf(email.delivered).get(1).part().body()).contains("Milk").doesNotContain("Coffee");
    }

    @Test
    void aLateSendFromANodeWhoseClockLagsJoinsTheNextDigestInsteadOfOneAlreadySent() {
        lowStock("Coffee");
        at(MIDNIGHT);
        notify.outbox().deliverDue();
        assertThat(email.delivered).hasSize(1);

        // Another node, 30 s behind, sends into the period whose digest already went out.
        try (Notify lagging = db.notifyBuilder().clock(new TestClock(MIDNIGHT.minusSeconds(30)))
                .channel(RecordingChannel.likeEmail()).channel(new RecordingChannel("push"))
                .templates(TemplatedSendTest.templates()).outbox(OutboxSettings.ofDefaults().withWorkers(0)).build()) {
            lagging.send(SendRequest.to("alice").template("low_stock_alert",
                    Map.of("item_name", "Milk", "current_stock", 3, "unit", "kg", "reorder_level", 10)).build());
        }
        at(MIDNIGHT.plus(Duration.ofDays(1)));
        notify.outbox().deliverDue();
        List<Delivery> mails = List.copyOf(email.delivered);
        assertThat(mails).hasSize(2);
        assertThat(mails.get(0).part().body()).contains("Coffee").doesNotContain("Milk");
        assertThat(mails.get(1).part().body()).contains("Milk").doesNotContain("Coffee");
    }

    @Test
    void periodsFollowTheRecipientsTimeZoneAndDeletedNotificationsAreLeftOut() {
        notify.recipients().put(new Recipient("alice", null, null, null, ZoneId.of("America/New_York")));
        Notification n = lowStock("Coffee"); // 05:00 in New York: the period ends at local midnight, 05:00 UTC
        OutboxEntry row = notify.outbox().list(null, "email", 0, 10).get(0);
        assertThat(row.dueAt()).isEqualTo(Instant.parse("2026-03-03T05:00:00Z"));

        notify.inbox("alice").delete(n.id());
        at(Instant.parse("2026-03-03T05:00:00Z"));
        notify.outbox().deliverDue();
        assertThat(email.delivered).isEmpty();
        OutboxEntry closed = notify.outbox().list(null, "email", 0, 10).get(0);
        assertThat(closed.status()).isEqualTo(OutboxStatus.CLOSED);
        assertThat(closed.lastError()).startsWith("empty digest");
    }

    @Test
    void hourlyAndWeeklyPeriods() {
        ZoneId utc = ZoneId.of("UTC");
        assertThat(DigestFrequency.HOURLY.periodEnd(Instant.parse("2026-03-02T10:59:59Z"), utc))
                .isEqualTo(Instant.parse("2026-03-02T11:00:00Z"));
        assertThat(DigestFrequency.HOURLY.periodEnd(Instant.parse("2026-03-02T11:00:00Z"), utc))
                .isEqualTo(Instant.parse("2026-03-02T12:00:00Z"));
        // 2 March 2026 is a Monday: the week ends next Monday, and a Monday 00:00 starts a new week.
        assertThat(DigestFrequency.WEEKLY.periodEnd(Instant.parse("2026-03-02T00:00:00Z"), utc))
                .isEqualTo(Instant.parse("2026-03-09T00:00:00Z"));
        assertThat(DigestFrequency.WEEKLY.periodEnd(Instant.parse("2026-03-08T23:59:59Z"), utc))
                .isEqualTo(Instant.parse("2026-03-09T00:00:00Z"));
    }
}
