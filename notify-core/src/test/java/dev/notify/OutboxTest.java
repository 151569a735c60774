package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.notify.internal.OutboxStore;
import dev.notify.outbox.Delivery;
import dev.notify.outbox.DeliveryOutcome;
import dev.notify.outbox.OutboxEntry;
import dev.notify.outbox.OutboxSettings;
import dev.notify.outbox.OutboxStatus;
import dev.notify.outbox.RetryPolicy;
import dev.notify.testing.TestClock;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The outbox through the public API, on every supported database. */
@ParameterizedClass(name = "{0}")
@EnumSource(TestDatabases.Kind.class)
class OutboxTest {
    private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");
    /** No jitter, so due times are exact: waits of 10 s, 20 s, 40 s; 4 attempts in all. */
    private static final RetryPolicy FOUR_TRIES = new RetryPolicy(4, Duration.ofSeconds(10), 2.0,
            Duration.ofMinutes(10), 0);

    @Parameter
    TestDatabases.Kind kind;

    private TestDatabases.TestDatabase db;
    private TestClock clock;
    private RecordingChannel channel;
    private Notify notify;

    @BeforeEach
    void setUp() {
        db = TestDatabases.create(kind);
        clock = new TestClock(START);
        channel = new RecordingChannel("test");
    }

    private Notify start(OutboxSettings settings) {
        notify = db.notifyBuilder().clock(clock).channel(channel).outbox(settings).build();
        return notify;
    }

    /** Workers off: the test drives delivery with deliverDue(). */
    private Notify manual() {
        return start(OutboxSettings.ofDefaults().withWorkers(0).withRetry(FOUR_TRIES));
    }

    @AfterEach
    void tearDown() {
        if (notify != null) {
            notify.close();
        }
        db.close();
    }

    private Notification send(String recipient) {
        return notify.send(SendRequest.to(recipient).type("order").title("Order shipped").build()).first();
    }

    private OutboxEntry only() {
        List<OutboxEntry> rows = notify.outbox().list(null, null, 0, 100);
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }

    @Test
    void workersDeliverANewRowAtOnce() {
        start(OutboxSettings.ofDefaults().withPollInterval(Duration.ofMinutes(5)));
        Notification n = send("alice");

        // The poll interval is long: only the local wake-up can make this prompt.
        await().atMost(Duration.ofSeconds(5)).until(() -> channel.delivered.size() == 1);
        Delivery d = channel.delivered.peek();
        assertThat(d.destination()).isEqualTo("box:alice");
        assertThat(d.notification()).isEqualTo(n);
        assertThat(d.attempt()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> only().status() == OutboxStatus.DELIVERED);
        assertThat(only().deliveredAt()).isEqualTo(START);
    }

    @Test
    void temporaryFailureIsRetriedAfterTheBackoffAndDeliveredOnce() {
        manual();
        AtomicInteger calls = new AtomicInteger();
        channel.answer = d -> calls.incrementAndGet() == 1 ? DeliveryOutcome.retry("421 try later")
                : DeliveryOutcome.delivered();
        send("alice");

        assertThat(notify.outbox().deliverDue()).isEqualTo(1);
        OutboxEntry waiting = only();
        assertThat(waiting.status()).isEqualTo(OutboxStatus.RETRYING);
        assertThat(waiting.lastError()).isEqualTo("421 try later");
        assertThat(waiting.dueAt()).isEqualTo(START.plusSeconds(10));

        clock.advance(Duration.ofSeconds(9));
        assertThat(notify.outbox().deliverDue()).as("not due yet").isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(notify.outbox().deliverDue()).isEqualTo(1);
        assertThat(only().status()).isEqualTo(OutboxStatus.DELIVERED);
        assertThat(channel.delivered).hasSize(1);
        assertThat(notify.outbox().deliverDue()).isZero();
    }

    @Test
    void retryAfterFromTheChannelOverridesTheBackoff() {
        manual();
        AtomicInteger calls = new AtomicInteger();
        channel.answer = d -> calls.incrementAndGet() == 1
                ? DeliveryOutcome.retryAfter("429", Duration.ofMinutes(3)) : DeliveryOutcome.delivered();
        send("alice");
        notify.outbox().deliverDue();
        assertThat(only().dueAt()).isEqualTo(START.plus(Duration.ofMinutes(3)));
    }

    @Test
    void rowGoesDeadAfterTheLastAttemptAndAdminRetryDeliversIt() {
        manual();
        channel.answer = d -> DeliveryOutcome.retry("connection refused");
        send("alice");
        for (Duration wait : List.of(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(40))) {
            assertThat(notify.outbox().deliverDue()).isEqualTo(1);
            assertThat(only().status()).isEqualTo(OutboxStatus.RETRYING);
            clock.advance(wait);
        }
        assertThat(notify.outbox().deliverDue()).isEqualTo(1);
        OutboxEntry dead = only();
        assertThat(dead.status()).isEqualTo(OutboxStatus.DEAD);
        assertThat(dead.attempts()).isEqualTo(4);
        assertThat(dead.lastError()).contains("connection refused").contains("4 attempts");
        assertThat(notify.outbox().counts()).containsEntry("test", java.util.Map.of(OutboxStatus.DEAD, 1L));
        clock.advance(Duration.ofDays(1));
        assertThat(notify.outbox().deliverDue()).as("dead rows are never claimed").isZero();

        channel.answer = d -> DeliveryOutcome.delivered();
        OutboxEntry revived = notify.outbox().retry(dead.id());
        assertThat(revived.status()).isEqualTo(OutboxStatus.PENDING);
        assertThat(revived.attempts()).isZero();
        assertThat(notify.outbox().deliverDue()).isEqualTo(1);
        assertThat(only().status()).isEqualTo(OutboxStatus.DELIVERED);
        assertThatThrownBy(() -> notify.outbox().retry(dead.id())).isInstanceOf(NotifyException.class)
                .hasMessageContaining("is delivered").extracting(e -> ((NotifyException) e).code())
                .isEqualTo("not_waiting");
    }

    @Test
    void permanentFailureGoesDeadAtOnceAndGoneDestinationIsClosed() {
        manual();
        channel.answer = d -> d.notification().recipient().equals("alice")
                ? DeliveryOutcome.failed("550 no such mailbox") : DeliveryOutcome.gone("410 subscription expired");
        send("alice");
        send("bob");
        notify.outbox().deliverDue();
        List<OutboxEntry> rows = notify.outbox().list(null, null, 0, 10);
        assertThat(rows).extracting(OutboxEntry::recipient, OutboxEntry::status, OutboxEntry::lastError)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("alice", OutboxStatus.DEAD, "550 no such mailbox"),
                        org.assertj.core.groups.Tuple.tuple("bob", OutboxStatus.CLOSED, "410 subscription expired"));
        assertThat(notify.outbox().list(OutboxStatus.DEAD, "test", 0, 10)).extracting(OutboxEntry::recipient)
                .containsExactly("alice");
    }

    @Test
    void oneFailedDestinationNeverResendsTheOthers() {
        manual();
        channel.answer = d -> d.notification().recipient().equals("bob") ? DeliveryOutcome.retry("busy")
                : DeliveryOutcome.delivered();
        notify.send(SendRequest.to("alice", "bob", "carol").title("Team meeting").build());
        notify.outbox().deliverDue();
        clock.advance(Duration.ofSeconds(10));
        channel.answer = d -> DeliveryOutcome.delivered();
        notify.outbox().deliverDue();
        assertThat(channel.delivered).extracting(d -> d.notification().recipient())
                .containsExactlyInAnyOrder("alice", "carol", "bob");
    }

    @Test
    void rowsOfACrashedWorkerAreDeliveredAfterTheLeaseExpiresAndNoneTwice() {
        manual();
        for (int i = 0; i < 10; i++) {
            send("user" + i);
        }
        OutboxStore store = new OutboxStore(Jdbi.create(db.jdbcUrl()));
        // A worker claims all ten, delivers three and records them, then dies.
        Duration lease = OutboxSettings.DEFAULT_LEASE;
        List<Delivery> claimed = store.claim("crashed", Set.of("test"), 10, clock.instant(), lease);
        assertThat(claimed).hasSize(10);
        for (Delivery d : claimed.subList(0, 3)) {
            channel.deliver(List.of(d));
            assertThat(store.delivered(d.outboxId(), "crashed", clock.instant())).isTrue();
        }
        assertThat(notify.outbox().deliverDue()).as("leased rows are not claimable").isZero();

        clock.advance(lease);
        assertThat(notify.outbox().deliverDue()).isEqualTo(7);
        assertThat(channel.deliveredIds()).hasSize(10).doesNotHaveDuplicates();
        assertThat(notify.outbox().counts().get("test")).containsEntry(OutboxStatus.DELIVERED, 10L);
        // The dead worker's late outcome cannot overwrite the new owner's.
        assertThat(store.retryAt(claimed.get(5).outboxId(), "crashed", "late", clock.instant(), clock.instant()))
                .isFalse();
    }

    @Test
    void concurrentWorkersNeverTakeTheSameRow() throws Exception {
        manual();
        for (int i = 0; i < 120; i++) {
            send("user" + (i % 7));
        }
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> notify.outbox().deliverDue());
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join(30_000);
        }
        assertThat(channel.deliveredIds()).hasSize(120).doesNotHaveDuplicates();
        assertThat(new HashSet<>(channel.batchSizes)).allMatch(size -> size <= OutboxSettings.DEFAULT_BATCH_SIZE);
    }

    @Test
    void hostTransactionCommitsOrRollsBackWithItsNotifications() throws Exception {
        manual();
        try (var c = java.sql.DriverManager.getConnection(db.jdbcUrl()); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(50))");
        }
        long id = notify.inTransaction(tx -> {
            try (Statement s = tx.connection().createStatement()) {
                s.executeUpdate("INSERT INTO orders VALUES (1, 'lamp')");
            }
            return tx.send(SendRequest.to("manager").type("new_order").title("Order 1").build()).first().id();
        });
        assertThat(notify.inbox("manager").get(id).title()).isEqualTo("Order 1");
        assertThat(notify.outbox().list(null, null, 0, 10)).hasSize(1);

        assertThatThrownBy(() -> notify.useTransaction(tx -> {
            try (Statement s = tx.connection().createStatement()) {
                s.executeUpdate("INSERT INTO orders VALUES (2, 'desk')");
            }
            tx.send(SendRequest.to("manager").type("new_order").title("Order 2").build());
            throw new IllegalStateException("payment declined");
        })).hasMessage("payment declined");

        assertThat(notify.inbox("manager").list().items()).extracting(Notification::title).containsExactly("Order 1");
        assertThat(notify.outbox().list(null, null, 0, 10)).hasSize(1);
        try (var c = java.sql.DriverManager.getConnection(db.jdbcUrl()); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT COUNT(*) FROM orders")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
        // The rolled-back send left no gap in the recipient's sequence.
        assertThat(notify.send(SendRequest.to("manager").title("Order 3").build()).first().seq()).isEqualTo(2);
    }

    @Test
    void optedOutRecipientsGetNoOutboxRows() {
        manual();
        notify.preferences().optOut("alice", "test", "order");
        notify.preferences().optOut("bob", "test", Preferences.ALL_TYPES);
        send("alice");
        send("bob");
        send("carol");
        notify.send(SendRequest.to("alice").type("invoice").title("Invoice").build());
        assertThat(notify.outbox().list(null, null, 0, 10)).extracting(OutboxEntry::recipient)
                .containsExactlyInAnyOrder("carol", "alice");
        notify.preferences().optIn("alice", "test", "order");
        send("alice");
        assertThat(notify.outbox().list(null, null, 0, 10)).hasSize(3);
    }

    @Test
    void housekeepingDeletesWhatRetentionAllows() {
        start(OutboxSettings.ofDefaults().withWorkers(0)
                .withRetention(Duration.ofDays(1), Duration.ofDays(2), Duration.ofDays(3)));
        Notification read = send("alice");
        Notification unread = send("alice");
        notify.inbox("alice").markRead(read.id());
        notify.outbox().deliverDue();
        clock.advance(Duration.ofHours(25));
        assertThat(notify.housekeep()).isEqualTo(new Notify.Housekeeping(2, 0));
        assertThat(notify.outbox().list(null, null, 0, 10)).isEmpty();
        clock.advance(Duration.ofDays(2));
        assertThat(notify.housekeep()).isEqualTo(new Notify.Housekeeping(0, 1));
        assertThat(notify.inbox("alice").list().items()).extracting(Notification::id).containsExactly(unread.id());
    }
}
