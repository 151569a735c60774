package dev.notify.internal;

import dev.notify.InvalidRequestException;
import dev.notify.Limits;
import dev.notify.outbox.Delivery;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.outbox.DeliveryOutcome;
import dev.notify.outbox.Outbox;
import dev.notify.outbox.OutboxEntry;
import dev.notify.outbox.OutboxSettings;
import dev.notify.outbox.OutboxStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outbox workers and the admin view. Each worker loops: claim a batch of due rows (a lease),
 * hand each channel its part, record one outcome per row. Idle workers wait for a local wake-up
 * or the poll interval, whichever comes first.
 */
public final class OutboxService implements Outbox, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutboxService.class);

    private final OutboxStore store;
    private final Map<String, DeliveryChannel> channels;
    private final OutboxSettings settings;
    private final Clock clock;
    private final String node = UUID.randomUUID().toString().substring(0, 8);
    private final AtomicLong claims = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wakeUp = lock.newCondition();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean running;
    /** Set by {@link #drain}: workers finish what they are delivering and give back the rest. */
    private volatile boolean draining;
    private boolean signalled;
    private volatile Metrics metrics = Metrics.NONE;

    /**
     * Decides, when a row comes due, whether it should still go out.
     */
    @FunctionalInterface
    public interface Gate {
        /** Lets everything through unchanged. */
        Gate NONE = (d, rules) -> Decision.deliver(d);

        /** Deliver (possibly a delivery with content filled in, e.g. a digest), or drop with a reason. */
        Decision decide(Delivery delivery, OutboxStore.Rules rules);
    }

    /** What {@link Gate#decide} chose: a delivery to make, or the reason to close the row. */
    public record Decision(Delivery delivery, String dropReason) {
        public static Decision deliver(Delivery d) {
            return new Decision(d, null);
        }

        public static Decision drop(String reason) {
            return new Decision(null, reason);
        }
    }

    private final Gate gate;

    public OutboxService(OutboxStore store, Map<String, DeliveryChannel> channels, OutboxSettings settings, Clock clock) {
        this(store, channels, settings, clock, Gate.NONE);
    }

    public OutboxService(OutboxStore store, Map<String, DeliveryChannel> channels, OutboxSettings settings, Clock clock,
                         Gate gate) {
        this.gate = gate;
        this.store = store;
        this.channels = Map.copyOf(channels);
        this.settings = settings;
        this.clock = clock;
    }

    /** Starts the configured number of worker threads (none when no channel is configured). */
    public void start() {
        if (channels.isEmpty()) {
            return;
        }
        running = true;
        for (int i = 1; i <= settings.workers(); i++) {
            Thread t = new Thread(this::loop, "notify-outbox-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
    }

    /** Where outcomes and channel times are reported; default {@link Metrics#NONE}. */
    public void metrics(Metrics metrics) {
        this.metrics = metrics;
    }

    public boolean hasChannels() {
        return !channels.isEmpty();
    }

    private void loop() {
        while (running) {
            try {
                if (runBatch() == 0) {
                    awaitWake(settings.pollInterval());
                }
            } catch (RuntimeException e) {
                // The database may be down: back off one poll interval and try again.
                log.warn("outbox worker failed; retrying in {}", settings.pollInterval(), e);
                awaitWake(settings.pollInterval());
            }
        }
    }

    private void awaitWake(Duration max) {
        lock.lock();
        try {
            long nanos = max.toNanos();
            while (!signalled && running && nanos > 0) {
                nanos = wakeUp.awaitNanos(nanos);
            }
            signalled = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void wake() {
        lock.lock();
        try {
            signalled = true;
            wakeUp.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Claims one batch and delivers it. @return rows claimed */
    int runBatch() {
        String owner = node + "-" + claims.incrementAndGet();
        List<OutboxStore.Claimed> batch = store.claimRows(owner, channels.keySet(), settings.batchSize(),
                clock.instant(), settings.lease());
        if (batch.isEmpty()) {
            return 0;
        }
        Map<String, List<Delivery>> byChannel = new LinkedHashMap<>();
        for (OutboxStore.Claimed c : batch) {
            Delivery d = c.delivery();
            Decision decision;
            try {
                decision = gate.decide(d, c.rules());
            } catch (RuntimeException e) {
                log.warn("preparing {} delivery {} failed; will retry", d.channel(), d.outboxId(), e);
                record(d, DeliveryOutcome.retry("preparing the delivery failed: " + e), owner);
                continue;
            }
            if (decision.dropReason() != null) {
                log.debug("{} delivery {} dropped: {}", d.channel(), d.outboxId(), decision.dropReason());
                store.closed(d.outboxId(), owner, decision.dropReason(), clock.instant());
                metrics.delivery(d.channel(), "dropped");
                continue;
            }
            d = decision.delivery();
            byChannel.computeIfAbsent(d.channel(), ch -> new ArrayList<>()).add(d);
        }
        byChannel.forEach((name, deliveries) -> {
            if (draining) {
                // Shutting down: what no channel has started on goes back at once, for any node to take.
                int released = store.release(owner, deliveries.stream().map(Delivery::outboxId).toList());
                log.info("released {} {} deliveries on shutdown", released, name);
                return;
            }
            deliver(channels.get(name), deliveries, owner);
        });
        return batch.size();
    }

    private void deliver(DeliveryChannel channel, List<Delivery> deliveries, String owner) {
        List<DeliveryOutcome> outcomes;
        long started = System.nanoTime();
        try {
            outcomes = channel.deliver(List.copyOf(deliveries));
            metrics.channelTime(channel.name(), System.nanoTime() - started);
            if (outcomes == null || outcomes.size() != deliveries.size()) {
                throw new IllegalStateException("channel " + channel.name() + " returned "
                        + (outcomes == null ? "null" : outcomes.size() + " outcomes") + " for " + deliveries.size()
                        + " deliveries");
            }
        } catch (RuntimeException e) {
            log.warn("channel {} failed on a batch of {}; scheduling retries", channel.name(), deliveries.size(), e);
            String reason = "channel error: " + e;
            outcomes = deliveries.stream().map(d -> DeliveryOutcome.retry(reason)).toList();
        }
        // One transaction for the batch's outcomes (Jdbi hands the nested calls the same handle).
        List<DeliveryOutcome> results = outcomes;
        store.inTransaction(() -> {
            for (int i = 0; i < deliveries.size(); i++) {
                record(deliveries.get(i), results.get(i), owner);
            }
        });
    }

    private void record(Delivery d, DeliveryOutcome outcome, String owner) {
        Instant now = clock.instant();
        boolean recorded;
        String counted;
        if (outcome instanceof DeliveryOutcome.Delivered) {
            counted = "delivered";
            recorded = store.delivered(d.outboxId(), owner, now);
        } else if (outcome instanceof DeliveryOutcome.Failed f) {
            log.warn("{} delivery {} to {} failed for good: {}", d.channel(), d.outboxId(), d.notification().recipient(),
                    f.reason());
            counted = "dead";
            recorded = store.dead(d.outboxId(), owner, f.reason(), now);
        } else if (outcome instanceof DeliveryOutcome.Gone g) {
            counted = "gone";
            recorded = store.closed(d.outboxId(), owner, g.reason(), now);
        } else {
            DeliveryOutcome.Retry r = (DeliveryOutcome.Retry) outcome;
            if (settings.retry().allowsAnotherAfter(d.attempt())) {
                Duration wait = r.after() != null ? r.after() : settings.retry().delayAfter(d.attempt());
                counted = "retry";
                recorded = store.retryAt(d.outboxId(), owner, r.reason(), now.plus(wait), now);
            } else {
                String reason = r.reason() + " (gave up after " + d.attempt() + " attempts)";
                log.warn("{} delivery {} is dead: {}", d.channel(), d.outboxId(), reason);
                counted = "dead";
                recorded = store.dead(d.outboxId(), owner, reason, now);
            }
        }
        if (recorded) {
            metrics.delivery(d.channel(), counted);
        } else {
            log.warn("{} delivery {}: lease expired before the outcome was recorded; another worker owns it now",
                    d.channel(), d.outboxId());
        }
    }

    @Override
    public int deliverDue() {
        int total = 0;
        for (int n; (n = runBatch()) > 0; ) {
            total += n;
        }
        return total;
    }

    @Override
    public List<OutboxEntry> list(OutboxStatus status, String channel, long beforeId, int limit) {
        if (limit < 1 || limit > Limits.PAGE_MAX) {
            throw InvalidRequestException.field("limit", "must be between 1 and " + Limits.PAGE_MAX + " but was " + limit);
        }
        return store.list(status, channel, beforeId, limit);
    }

    @Override
    public Map<String, Map<OutboxStatus, Long>> counts() {
        return store.counts();
    }

    @Override
    public OutboxEntry retry(long id) {
        OutboxEntry entry = store.revive(id, clock.instant());
        wake();
        return entry;
    }

    /** Deletes finished rows past their retention. @return rows deleted */
    public int deleteExpired(Instant now) {
        return store.deleteFinishedBefore(now.minus(settings.deliveredRetention()), now.minus(settings.deadRetention()));
    }

    /** The first step of {@link #drain}, without waiting: no new claims, the rest of a batch goes back. */
    public void stopClaiming() {
        draining = true;
        running = false;
        wake();
    }

    /**
     * Stops the workers for a shutdown: no new claims; a batch a channel is delivering is finished
     * and recorded; the rest of a claimed batch is released at once, so another node takes it
     * without waiting for the lease to expire. Waits up to {@code timeout} for the workers.
     *
     * @return true if every worker stopped within {@code timeout}
     */
    public boolean drain(Duration timeout) {
        stopClaiming();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : workers) {
            try {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left > 0) {
                    t.join(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return workers.stream().noneMatch(Thread::isAlive);
    }

    @Override
    public void close() {
        draining = true;
        running = false;
        wake();
        for (Thread t : workers) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
