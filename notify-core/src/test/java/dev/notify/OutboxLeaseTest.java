package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.notify.internal.OutboxService;
import dev.notify.outbox.Delivery;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.outbox.DeliveryOutcome;
import dev.notify.outbox.DeliveryTarget;
import dev.notify.outbox.OutboxEntry;
import dev.notify.outbox.OutboxSettings;
import dev.notify.outbox.OutboxStatus;
import dev.notify.outbox.RetryPolicy;
import dev.notify.testing.TestClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * How few deliveries a crash repeats, and how an unavailable destination is waited for: outcomes
 * recorded one by one, leases renewed while a batch is worked on, a restarted node taking back
 * its own rows at once, and circuit breakers that spend no attempts while a destination is down.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(TestDatabases.Kind.class)
class OutboxLeaseTest {
    private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");
    private static final RetryPolicy FOUR_TRIES = new RetryPolicy(4, Duration.ofSeconds(10), 2.0,
            Duration.ofMinutes(10), 0);

    @Parameter
    TestDatabases.Kind kind;

    private TestDatabases.TestDatabase db;
    private final List<Notify> nodes = new ArrayList<>();
    private final List<Thread> frozenWorkers = new ArrayList<>();
    private final CountDownLatch thaw = new CountDownLatch(1);

    @BeforeEach
    void setUp() {
        db = TestDatabases.create(kind);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        thaw.countDown();
        for (Thread t : frozenWorkers) {
            t.join(10_000);
        }
        nodes.forEach(Notify::close);
        db.close();
    }

    /**
     * A channel that reports each outcome as it goes ({@link DeliveryChannel#deliver(List,
     * OutcomeSink)}); after {@link #freezeAfter} deliveries it hangs, as a process killed in the
     * middle of a batch, until the test ends.
     */
    private final class SteppingChannel implements DeliveryChannel {
        final ConcurrentLinkedQueue<Long> delivered = new ConcurrentLinkedQueue<>();
        final AtomicInteger handed = new AtomicInteger();
        final AtomicBoolean down = new AtomicBoolean();
        volatile int freezeAfter = Integer.MAX_VALUE;
        final CountDownLatch frozen = new CountDownLatch(1);

        @Override
        public String name() {
            return "test";
        }

        @Override
        public List<String> destinations(DeliveryTarget target) {
            return List.of("box:" + target.recipient());
        }

        @Override
        public List<DeliveryOutcome> deliver(List<Delivery> batch) {
            throw new AssertionError("the outbox reports outcomes one by one");
        }

        @Override
        public void deliver(List<Delivery> batch, OutcomeSink sink) {
            for (Delivery d : batch) {
                if (delivered.size() >= freezeAfter) {
                    frozen.countDown();
                    try {
                        thaw.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return; // the rest of the batch is never reported
                }
                handed.incrementAndGet();
                if (down.get()) {
                    sink.report(d, DeliveryOutcome.unavailable("connection refused"));
                } else {
                    delivered.add(d.outboxId());
                    sink.report(d, DeliveryOutcome.delivered());
                }
            }
        }
    }

    private Notify node(String nodeId, Clock clock, DeliveryChannel channel, OutboxSettings settings) {
        Notify n = db.notifyBuilder().clock(clock).channel(channel).outbox(settings.withNodeId(nodeId)).build();
        nodes.add(n);
        return n;
    }

    private static OutboxSettings manual() {
        return OutboxSettings.ofDefaults().withWorkers(0).withRetry(FOUR_TRIES);
    }

    private static void send(Notify n, int count) {
        for (int i = 0; i < count; i++) {
            n.send(SendRequest.to("user" + i).type("order").title("Order " + i + " shipped").build());
        }
    }

    /** Runs {@code deliverDue()} on a thread of its own, which the test may leave hanging. */
    private void deliverInBackground(Notify n) {
        Thread t = new Thread(() -> n.outbox().deliverDue(), "frozen-worker");
        t.setDaemon(true);
        frozenWorkers.add(t);
        t.start();
    }

    private Map<OutboxStatus, Long> counts(Notify n) {
        return n.outbox().counts().getOrDefault("test", Map.of());
    }

    @Test
    void eachOutcomeIsRecordedAsSoonAsTheChannelReportsIt() throws InterruptedException {
        TestClock clock = new TestClock(START);
        SteppingChannel channel = new SteppingChannel();
        channel.freezeAfter = 3;
        Notify a = node("node-a", clock, channel, manual());
        send(a, 10);

        deliverInBackground(a);
        channel.frozen.await();

        // The worker hangs in the middle of its batch of ten: the three it delivered are recorded.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(counts(a)).containsEntry(OutboxStatus.DELIVERED, 3L));
        assertThat(counts(a).getOrDefault(OutboxStatus.PENDING, 0L)).isEqualTo(7L);
    }

    @Test
    void aRestartedNodeTakesBackItsLeasedRowsAtOnceWhileAnotherNodeWaitsForTheLease() throws InterruptedException {
        TestClock clock = new TestClock(START);
        SteppingChannel first = new SteppingChannel();
        first.freezeAfter = 3;
        Notify a = node("node-a", clock, first, manual());
        send(a, 10);
        deliverInBackground(a);
        first.frozen.await();
        await().atMost(Duration.ofSeconds(20)).until(() -> counts(a).getOrDefault(OutboxStatus.DELIVERED, 0L) == 3L);

        SteppingChannel other = new SteppingChannel();
        Notify b = node("node-b", clock, other, manual());
        assertThat(b.outbox().deliverDue()).as("another node waits for the leases").isZero();

        // node-a starts again (its first run is frozen, as if killed): its leased rows are free at once.
        SteppingChannel again = new SteppingChannel();
        Notify a2 = node("node-a", clock, again, manual());
        assertThat(a2.outbox().deliverDue()).isEqualTo(7);
        assertThat(again.delivered).hasSize(7).doesNotContainAnyElementsOf(first.delivered);
        assertThat(counts(a2)).isEqualTo(Map.of(OutboxStatus.DELIVERED, 10L));
        assertThat(other.handed).hasValue(0);
    }

    @Test
    void aNodeRestartedOnTheSameDataDirectoryKeepsItsNodeIdAndTakesBackItsRows(@TempDir Path dir)
            throws InterruptedException {
        TestClock clock = new TestClock(START);
        SteppingChannel first = new SteppingChannel();
        first.freezeAfter = 4;
        Notify a = db.notifyBuilder().dataDirectory(dir).clock(clock).channel(first).outbox(manual()).build();
        nodes.add(a);
        String nodeId = ((OutboxService) a.outbox()).nodeId();
        assertThat(dir.resolve("node-id")).content().isEqualToIgnoringWhitespace(nodeId);
        send(a, 10);
        deliverInBackground(a);
        first.frozen.await();
        await().atMost(Duration.ofSeconds(20)).until(() -> counts(a).getOrDefault(OutboxStatus.DELIVERED, 0L) == 4L);

        // While the first process lives, a second one on the same directory is another node.
        Notify twin = db.notifyBuilder().dataDirectory(dir).clock(clock).channel(new SteppingChannel())
                .outbox(manual()).build();
        nodes.add(twin);
        assertThat(((OutboxService) twin.outbox()).nodeId()).isNotEqualTo(nodeId);
        assertThat(twin.outbox().deliverDue()).isZero();

        // The first process dies (its outbox stops, its lock on node-id goes) and starts again.
        ((OutboxService) a.outbox()).close();
        SteppingChannel again = new SteppingChannel();
        Notify restarted = db.notifyBuilder().dataDirectory(dir).clock(clock).channel(again).outbox(manual()).build();
        nodes.add(restarted);
        assertThat(((OutboxService) restarted.outbox()).nodeId()).isEqualTo(nodeId);
        assertThat(restarted.outbox().deliverDue()).isEqualTo(6);
        assertThat(again.delivered).doesNotContainAnyElementsOf(first.delivered);
        assertThat(counts(restarted)).isEqualTo(Map.of(OutboxStatus.DELIVERED, 10L));
    }

    @Test
    void leaseRenewalKeepsASlowBatchFromBeingTakenByAnotherNode() throws InterruptedException {
        Clock clock = Clock.systemUTC();
        Duration lease = Duration.ofMillis(600);
        SteppingChannel slow = new SteppingChannel();
        slow.freezeAfter = 2;
        Notify a = node("node-a", clock, slow, manual().withLease(lease));
        send(a, 5);
        Instant claimed = Instant.now();
        deliverInBackground(a);
        slow.frozen.await();

        // The batch is still being worked on four leases later: its leases have been renewed.
        Instant fourLeases = claimed.plus(lease.multipliedBy(4));
        await().atMost(Duration.ofSeconds(30)).until(() -> leasedUntil().stream().allMatch(u -> u.isAfter(fourLeases))
                && !leasedUntil().isEmpty());
        SteppingChannel other = new SteppingChannel();
        Notify b = node("node-b", clock, other, manual().withLease(lease));
        assertThat(b.outbox().deliverDue()).isZero();
        assertThat(other.handed).hasValue(0);

        // Once node-a stops renewing (its process is gone), its leases run out and node-b takes over.
        ((OutboxService) a.outbox()).close();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            b.outbox().deliverDue();
            assertThat(other.delivered).hasSize(3);
        });
        assertThat(other.delivered).doesNotContainAnyElementsOf(slow.delivered);
    }

    private List<Instant> leasedUntil() {
        return Jdbi.create(db.jdbcUrl()).withHandle(h -> h.createQuery(
                        "SELECT lease_until FROM notify_outbox WHERE lease_owner IS NOT NULL")
                .map((rs, ctx) -> rs.getObject(1, OffsetDateTime.class).toInstant())
                .list());
    }

    @Test
    void aDestinationThatIsDownCostsNoAttemptsAndItsRowsGoOutAtOnceWhenItAnswers() {
        TestClock clock = new TestClock(START);
        SteppingChannel channel = new SteppingChannel();
        Duration probe = Duration.ofSeconds(30);
        Notify a = node("node-a", clock, channel, manual().withBreaker(2, probe));
        channel.down.set(true);
        send(a, 6);

        assertThat(a.outbox().deliverDue()).isEqualTo(6);
        // The first row met the outage (one attempt); the breaker opened at the second.
        assertThat(channel.handed).hasValue(6);
        assertThat(rows(a)).allSatisfy(r -> assertThat(r.status()).isEqualTo(OutboxStatus.RETRYING));
        assertThat(rows(a)).extracting(OutboxEntry::attempts).containsExactlyInAnyOrder(1, 0, 0, 0, 0, 0);

        // Ten probe intervals of outage (the retry policy would have given up after four attempts):
        // one row probes each time, and none goes dead.
        for (int i = 0; i < 10; i++) {
            channel.handed.set(0);
            clock.advance(probe.plusMillis(1));
            a.outbox().deliverDue();
            assertThat(channel.handed).as("probe %d", i).hasValue(1);
        }
        assertThat(rows(a)).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(OutboxStatus.RETRYING);
            assertThat(r.attempts()).isLessThanOrEqualTo(1);
            assertThat(r.lastError()).contains("connection refused").doesNotContain("gave up");
        });

        // The destination answers again: the next probe succeeds and every waiting row goes at once.
        channel.down.set(false);
        clock.advance(probe.plusMillis(1));
        a.outbox().deliverDue();
        assertThat(counts(a)).isEqualTo(Map.of(OutboxStatus.DELIVERED, 6L));
        assertThat(channel.delivered).hasSize(6).doesNotHaveDuplicates();
    }

    @Test
    void adminRetryMakesAPendingRowDueNow() {
        TestClock clock = new TestClock(START);
        SteppingChannel channel = new SteppingChannel();
        Notify a = node("node-a", clock, channel, manual());
        Instant tomorrow = START.plus(Duration.ofDays(1));
        a.send(SendRequest.to("alice").type("order").title("Order shipped").build());
        Jdbi.create(db.jdbcUrl()).useHandle(h -> h.createUpdate("UPDATE notify_outbox SET due_at = :t")
                .bind("t", tomorrow.atOffset(java.time.ZoneOffset.UTC)).execute());
        assertThat(a.outbox().deliverDue()).as("due tomorrow").isZero();

        OutboxEntry row = a.outbox().retry(rows(a).get(0).id());
        assertThat(row.status()).isEqualTo(OutboxStatus.PENDING);
        assertThat(row.dueAt()).isEqualTo(START);
        assertThat(a.outbox().deliverDue()).isEqualTo(1);
        assertThat(counts(a)).isEqualTo(Map.of(OutboxStatus.DELIVERED, 1L));
    }

    private static List<OutboxEntry> rows(Notify n) {
        return n.outbox().list(null, null, 0, 100);
    }
}
