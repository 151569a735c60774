package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.notify.outbox.OutboxEntry;
import dev.notify.outbox.OutboxSettings;
import dev.notify.outbox.OutboxStatus;
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

/** Each preference rule, at send time and again when a delayed delivery comes due. */
@ParameterizedClass(name = "{0}")
@EnumSource(TestDatabases.Kind.class)
class PreferencesTest {
    /** 23:30 in Paris (UTC+1 in winter). */
    private static final Instant LATE_EVENING_PARIS = Instant.parse("2026-01-15T22:30:00Z");

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
        clock = new TestClock(LATE_EVENING_PARIS);
        email = RecordingChannel.likeEmail();
        push = new RecordingChannel("push");
        notify = db.notifyBuilder().clock(clock).channel(email).channel(push)
                .templates(TemplatedSendTest.templates())
                .outbox(OutboxSettings.ofDefaults().withWorkers(0)).build();
    }

    @AfterEach
    void tearDown() {
        notify.close();
        db.close();
    }

    private Notification order(String recipient) {
        return notify.send(SendRequest.to(recipient).type("new_order").title("Order 7").build()).first();
    }

    private List<String> channelsQueuedFor(String recipient) {
        return notify.outbox().list(null, null, 0, 100).stream().filter(e -> e.recipient().equals(recipient))
                .map(OutboxEntry::channel).sorted().toList();
    }

    @Test
    void aChannelSwitchedOffGetsNothingButTheInboxStillDoes() {
        notify.preferences().optOut("alice", "email", Preferences.ALL_TYPES);
        order("alice");
        assertThat(channelsQueuedFor("alice")).containsExactly("push");
        assertThat(notify.inbox("alice").unreadCount()).isEqualTo(1);
    }

    @Test
    void aTypeSwitchedOffOnOneChannelOnly() {
        notify.preferences().optOut("alice", "push", "new_order");
        order("alice");
        notify.send(SendRequest.to("alice").type("other").title("Other").build());
        assertThat(channelsQueuedFor("alice")).containsExactly("email", "email", "push");
        assertThat(notify.preferences().typeOptOuts("alice")).isEqualTo(Map.of("push", List.of("new_order")));
    }

    @Test
    void aCategorySwitchedOffAppliesToItsTemplates() {
        notify.preferences().optOutCategory("alice", "email", "inventory");
        notify.send(SendRequest.to("alice").template("low_stock_alert", TemplatedSendTest.PAPER).build());
        assertThat(channelsQueuedFor("alice")).containsExactly("push");
        assertThat(notify.preferences().categoryOptOuts("alice")).isEqualTo(Map.of("email", List.of("inventory")));
        notify.preferences().optInCategory("alice", "email", "inventory");
        assertThat(notify.preferences().allows("alice", "email", "low_stock", "inventory")).isTrue();
    }

    @Test
    void quietHoursAcrossMidnightDelayEmailAndPushToTheWindowsEnd() {
        notify.preferences().quietHours("alice", QuietHours.parse("22:00", "07:00", "Europe/Paris"));
        order("alice");
        // 07:00 Paris the next morning is 06:00 UTC.
        assertThat(notify.outbox().list(null, null, 0, 10)).extracting(OutboxEntry::dueAt)
                .containsOnly(Instant.parse("2026-01-16T06:00:00Z"));
        assertThat(notify.inbox("alice").unreadCount()).isEqualTo(1);
        assertThat(notify.outbox().deliverDue()).isZero();
        clock.advance(Duration.between(LATE_EVENING_PARIS, Instant.parse("2026-01-16T06:00:00Z")));
        assertThat(notify.outbox().deliverDue()).isEqualTo(2);
    }

    @Test
    void quietHoursOverTheSpringForwardNightEndAtSevenSummerTime() {
        clock.advance(Duration.between(clock.instant(), Instant.parse("2026-03-28T21:30:00Z"))); // 22:30 CET
        notify.preferences().quietHours("alice", QuietHours.parse("22:00", "07:00", "Europe/Paris"));
        order("alice");
        // Clocks go forward at 02:00 on 29 March: 07:00 CEST is 05:00 UTC, not 06:00.
        assertThat(notify.outbox().list(null, null, 0, 10)).extracting(OutboxEntry::dueAt)
                .containsOnly(Instant.parse("2026-03-29T05:00:00Z"));
    }

    @Test
    void quietHoursUseTheProfilesTimeZoneWhenTheyNameNone() {
        notify.recipients().put(new Recipient("alice", null, null, null, ZoneId.of("Europe/Paris")));
        notify.preferences().quietHours("alice", QuietHours.parse("23:00", "23:45", null));
        order("alice");
        assertThat(notify.outbox().list(null, null, 0, 10)).extracting(OutboxEntry::dueAt)
                .containsOnly(Instant.parse("2026-01-15T22:45:00Z"));
    }

    @Test
    void outsideQuietHoursDeliveriesAreDueAtOnce() {
        notify.preferences().quietHours("alice", QuietHours.parse("08:00", "12:00", "Europe/Paris"));
        order("alice");
        assertThat(notify.outbox().deliverDue()).isEqualTo(2);
    }

    @Test
    void switchingAChannelOffAfterQueueingDropsThePendingDelivery() {
        notify.preferences().quietHours("alice", QuietHours.parse("22:00", "07:00", "Europe/Paris"));
        order("alice");
        notify.preferences().optOut("alice", "email", "new_order");
        clock.advance(Duration.ofHours(8));

        assertThat(notify.outbox().deliverDue()).isEqualTo(2);
        assertThat(email.delivered).isEmpty();
        assertThat(push.delivered).hasSize(1);
        OutboxEntry dropped = notify.outbox().list(null, "email", 0, 10).get(0);
        assertThat(dropped.status()).isEqualTo(OutboxStatus.CLOSED);
        assertThat(dropped.lastError()).isEqualTo("recipient turned off email for new_order");
    }

    @Test
    void switchingACategoryOffAfterQueueingDropsThePendingDelivery() {
        notify.preferences().quietHours("alice", QuietHours.parse("22:00", "07:00", "Europe/Paris"));
        notify.send(SendRequest.to("alice").template("low_stock_alert", TemplatedSendTest.PAPER).build());
        notify.preferences().optOutCategory("alice", "push", "inventory");
        clock.advance(Duration.ofHours(8));
        notify.outbox().deliverDue();
        assertThat(email.delivered).hasSize(1);
        assertThat(push.delivered).isEmpty();
    }

    @Test
    void settingsRoundTrip() {
        notify.preferences().quietHours("alice", QuietHours.parse("22:00", "07:00", "Europe/Paris"));
        notify.preferences().digest("alice", "inventory", DigestFrequency.DAILY);
        notify.preferences().digest("alice", "orders", DigestFrequency.WEEKLY);
        notify.preferences().digest("alice", "orders", DigestFrequency.IMMEDIATE);
        assertThat(notify.preferences().quietHours("alice"))
                .contains(QuietHours.parse("22:00", "07:00", "Europe/Paris"));
        assertThat(notify.preferences().digests("alice")).isEqualTo(Map.of("inventory", DigestFrequency.DAILY));
        notify.preferences().quietHours("alice", null);
        assertThat(notify.preferences().quietHours("alice")).isEmpty();
    }

    @Test
    void badSettingsAreRejected() {
        assertThatThrownBy(() -> QuietHours.parse("22:00", "22:00", null)).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("must differ");
        assertThatThrownBy(() -> QuietHours.parse("25:00", "07:00", null)).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("HH:MM");
        assertThatThrownBy(() -> QuietHours.parse("22:00", "07:00", "Mars/Olympus"))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("not a known time zone");
        assertThatThrownBy(() -> DigestFrequency.parse("monthly")).isInstanceOf(InvalidRequestException.class);
    }
}
