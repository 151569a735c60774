package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.notify.email.EmailChannel;
import dev.notify.email.SmtpSettings;
import dev.notify.internal.OutboxService;
import dev.notify.outbox.ChannelContext;
import dev.notify.outbox.Delivery;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.outbox.DeliveryOutcome;
import dev.notify.outbox.DeliveryTarget;
import dev.notify.outbox.OutboxSettings;
import dev.notify.outbox.OutboxStatus;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Outbox workers on three nodes sharing one PostgreSQL schema, one of which dies halfway through:
 * leased {@code SKIP LOCKED} claims deliver every row, and never let two nodes deliver one row at
 * the same time.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MultiNodeOutboxTest {
    private static final int ROWS = 1000;
    /** Short, so rows leased by the dead node are taken over within the test's time. */
    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final Pattern OUTBOX_ID = Pattern.compile("^<notify\\.outbox\\.(\\d+)\\.");

    @RegisterExtension
    static final GreenMailExtension greenMail = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    /** What all three nodes' channels did, per outbox row. */
    private final Map<Long, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final Map<Long, List<String>> deliveredBy = new ConcurrentHashMap<>();
    private final AtomicInteger deliveries = new AtomicInteger();
    private final AtomicInteger overlaps = new AtomicInteger();
    private final List<String> unexpected = new CopyOnWriteArrayList<>();

    private TestDatabases.TestDatabase db;
    private final List<Notify> nodes = new ArrayList<>();
    private final List<NodeChannel> channels = new ArrayList<>();

    @BeforeEach
    void setUp() {
        db = TestDatabases.create(TestDatabases.Kind.POSTGRES);
    }

    @AfterEach
    void tearDown() {
        channels.forEach(NodeChannel::thaw);
        nodes.forEach(Notify::close);
        db.close();
    }

    @Test
    void everyRowIsDeliveredAndNoRowByTwoNodesAtOnceWhenANodeDiesHalfway() {
        Notify a = startThreeNodes(() -> null);

        queue(a, i -> SendRequest.to("user-" + i).type("order").title("Order " + i + " shipped").build());

        awaitAllDelivered(a, "test");
        assertLedger();
    }

    @Test
    void everyEmailArrivesAtTheSmtpServerWhenANodeDiesHalfway() throws MessagingException {
        SmtpSettings smtp = SmtpSettings.builder().host(greenMail.getSmtp().getBindTo())
                .port(greenMail.getSmtp().getPort()).from("notify@example.com").build();
        Notify a = startThreeNodes(() -> EmailChannel.builder(smtp).build());

        queue(a, i -> SendRequest.to("user-" + i).email("user-" + i + "@example.com").type("order")
                .title("Order " + i + " shipped").build());

        awaitAllDelivered(a, EmailChannel.NAME);
        assertLedger();
        // What the SMTP server got: every row's email, and a second copy only of those the dead
        // node sent but could not record (the same Message-ID, so mail clients can tell).
        Map<Long, Integer> copies = new HashMap<>();
        for (MimeMessage m : greenMail.getReceivedMessages()) {
            Matcher id = OUTBOX_ID.matcher(m.getMessageID());
            assertThat(id.find()).as(m.getMessageID()).isTrue();
            copies.merge(Long.parseLong(id.group(1)), 1, Integer::sum);
        }
        assertThat(copies.keySet()).isEqualTo(deliveredBy.keySet());
        copies.forEach((row, n) -> assertThat(n).as("copies of row %d", row).isEqualTo(deliveredBy.get(row).size()));
    }

    /** Nodes a, b and c, each with its channel wrapped for the ledger; c is the one that dies. */
    private Notify startThreeNodes(Supplier<DeliveryChannel> channel) {
        Notify a = node(new NodeChannel("a", false, channel.get()));
        node(new NodeChannel("b", false, channel.get()));
        node(new NodeChannel("c", true, channel.get()));
        return a;
    }

    private Notify node(NodeChannel channel) {
        OutboxSettings settings = OutboxSettings.ofDefaults().withWorkers(2).withBatchSize(20).withLease(LEASE)
                .withPollInterval(Duration.ofMillis(100));
        Notify n = db.notifyBuilder().poolSize(4).channel(channel).outbox(settings).build();
        channel.outbox = (OutboxService) n.outbox();
        channels.add(channel);
        nodes.add(n);
        return n;
    }

    /** 1,000 rows committed at once, so every node's workers compete for them from the start. */
    private static void queue(Notify node, IntFunction<SendRequest> request) {
        node.useTransaction(tx -> {
            for (int i = 0; i < ROWS; i++) {
                tx.send(request.apply(i));
            }
        });
    }

    private static void awaitAllDelivered(Notify node, String channel) {
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                assertThat(node.outbox().counts().getOrDefault(channel, Map.of()).get(OutboxStatus.DELIVERED))
                        .isEqualTo((long) ROWS));
    }

    private void assertLedger() {
        NodeChannel victim = channels.get(2);
        assertThat(unexpected).as("outcomes other than delivered").isEmpty();
        assertThat(victim.died).as("node c died halfway").isNotNull();
        assertThat(overlaps).as("rows delivered by two nodes at the same time").hasValue(0);
        assertThat(deliveredBy).hasSize(ROWS);
        for (NodeChannel c : channels) {
            assertThat(c.delivered.get()).as("rows delivered by node " + c.node).isPositive();
        }
        // At least once: a row the dead node delivered but could not record is delivered again,
        // after its lease, by one survivor. Every other row exactly once.
        deliveredBy.forEach((id, by) -> {
            List<String> survivors = by.stream().filter(n -> !n.equals("c")).toList();
            if (by.size() > 1) {
                assertThat(victim.deliveredUnrecorded).as("row %d delivered by %s", id, by).contains(id);
                assertThat(by).as("row %d", id).containsExactlyInAnyOrder("c", survivors.get(0));
            }
            assertThat(survivors.size()).as("row %d delivered by %s", id, by).isLessThanOrEqualTo(1);
        });
        assertThat(deliveries.get()).isEqualTo(ROWS + victim.deliveredUnrecorded.size());
    }

    /**
     * One node's channel: delivers through the real channel (or records only), one row at a time,
     * and writes the shared ledger. The victim, once half the rows are delivered, delivers half of
     * its current batch and then freezes, as a killed process would: it never returns, so it never
     * records an outcome, and its node's outbox stops (no more lease renewals), so its leases run
     * out.
     */
    private final class NodeChannel implements DeliveryChannel {
        final String node;
        final boolean victim;
        final DeliveryChannel delegate;
        final Set<Long> deliveredUnrecorded = ConcurrentHashMap.newKeySet();
        final CountDownLatch thawed = new CountDownLatch(1);
        final AtomicInteger delivered = new AtomicInteger();
        volatile Thread died;
        volatile OutboxService outbox;

        NodeChannel(String node, boolean victim, DeliveryChannel delegate) {
            this.node = node;
            this.victim = victim;
            this.delegate = delegate;
        }

        @Override
        public String name() {
            return delegate == null ? "test" : delegate.name();
        }

        @Override
        public void start(ChannelContext context) {
            if (delegate != null) {
                delegate.start(context);
            }
        }

        @Override
        public List<String> destinations(DeliveryTarget target) {
            return delegate == null ? List.of("box:" + target.recipient()) : delegate.destinations(target);
        }

        @Override
        public List<DeliveryOutcome> deliver(List<Delivery> batch) {
            if (died != null) {
                return freeze(batch);
            }
            boolean dying = victim && deliveries.get() >= ROWS / 2;
            List<DeliveryOutcome> outcomes = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                if (dying && i == batch.size() / 2) {
                    died = Thread.currentThread();
                    Thread stop = new Thread(outbox::close, "stop-node-" + node);
                    stop.setDaemon(true);
                    stop.start();
                    return freeze(batch);
                }
                Delivery d = batch.get(i);
                long id = d.outboxId();
                if (inFlight.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet() > 1) {
                    overlaps.incrementAndGet();
                }
                DeliveryOutcome outcome;
                if (delegate == null) {
                    LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200)); // as an SMTP round trip
                    outcome = DeliveryOutcome.delivered();
                } else {
                    outcome = delegate.deliver(List.of(d)).get(0);
                }
                if (!(outcome instanceof DeliveryOutcome.Delivered)) {
                    unexpected.add("row " + id + " on node " + node + ": " + outcome);
                    inFlight.get(id).decrementAndGet();
                    outcomes.add(outcome);
                    continue;
                }
                deliveredBy.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(node);
                deliveries.incrementAndGet();
                delivered.incrementAndGet();
                if (dying) {
                    deliveredUnrecorded.add(id);
                }
                inFlight.get(id).decrementAndGet();
                outcomes.add(outcome);
            }
            return outcomes;
        }

        /** Blocks until the test ends; the outcomes it then returns are fenced off by lease owner. */
        private List<DeliveryOutcome> freeze(List<Delivery> batch) {
            try {
                thawed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return batch.stream().map(d -> DeliveryOutcome.retry("node " + node + " is dead")).toList();
        }

        void thaw() {
            thawed.countDown();
        }

        @Override
        public void close() {
            if (delegate != null) {
                delegate.close();
            }
        }
    }
}
