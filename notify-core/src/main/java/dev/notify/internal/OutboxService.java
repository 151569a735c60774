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
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outbox workers and the admin view. Each worker loops: claim a batch of due rows (a lease), hand
 * each channel its part, and record each outcome as the channel reports it. Idle workers wait for
 * a local wake-up or the poll interval, whichever comes first.
 *
 * <p><b>Duplicates after a crash.</b> Outcomes are written by a recorder as they arrive, each write
 * taking whatever arrived meanwhile (a group commit), so a crash loses at most the outcomes
 * reported during the last write plus the deliveries in flight: about one message per SMTP
 * connection and one per push request. While a batch is worked on, its leases are renewed every
 * third of {@link OutboxSettings#lease()}; a node that starts again under the same node id
 * ({@link NodeIdentity}) takes back its previous run's leased rows at once.
 *
 * <p><b>Outages.</b> Each channel route ({@link DeliveryChannel#routes}: an SMTP server, a push
 * service origin) has a resilience4j circuit breaker that opens after
 * {@link OutboxSettings#breakerFailures()} consecutive {@link DeliveryOutcome.Unavailable}
 * outcomes. While it is open, rows of that route are set aside without an attempt counted, due at
 * the next probe; every {@link OutboxSettings#probeInterval()} one row goes through as a probe,
 * and when a delivery succeeds every row waiting for the route is made due at once.
 */
public final class OutboxService implements Outbox, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OutboxService.class);

    private final OutboxStore store;
    private final Map<String, DeliveryChannel> channels;
    private final OutboxSettings settings;
    private final Clock clock;
    private final NodeIdentity identity;
    private final AtomicLong claims = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wakeUp = lock.newCondition();
    private final List<Thread> workers = new ArrayList<>();
    /** Lease owners whose batches are being worked on: their leases are renewed. */
    private final Set<String> activeOwners = ConcurrentHashMap.newKeySet();
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final CircuitBreakerConfig breakerConfig;
    private final ExecutorService recorders;
    private ScheduledExecutorService renewer;
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

    /** One route's breaker, and whether this node set rows aside for it since it last answered. */
    private record Route(String key, CircuitBreaker breaker, AtomicBoolean parked,
                         java.util.concurrent.atomic.AtomicReference<String> lastFailure) {
    }

    private final Gate gate;

    public OutboxService(OutboxStore store, Map<String, DeliveryChannel> channels, OutboxSettings settings, Clock clock) {
        this(store, channels, settings, clock, Gate.NONE, NodeIdentity.choose(settings.nodeId(), null));
    }

    public OutboxService(OutboxStore store, Map<String, DeliveryChannel> channels, OutboxSettings settings, Clock clock,
                         Gate gate, NodeIdentity identity) {
        this.gate = gate;
        this.store = store;
        this.channels = Map.copyOf(channels);
        this.settings = settings;
        this.clock = clock;
        this.identity = identity;
        int failures = settings.breakerFailures();
        this.breakerConfig = CircuitBreakerConfig.custom()
                .slidingWindow(failures, failures, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(100)
                .waitDurationInOpenState(settings.probeInterval())
                .permittedNumberOfCallsInHalfOpenState(1)
                // A probe whose outcome never comes (its worker died) must not hold the breaker half-open.
                .maxWaitDurationInHalfOpenState(settings.probeInterval().plus(settings.lease()))
                .clock(clock)
                .build();
        AtomicInteger threads = new AtomicInteger();
        this.recorders = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "notify-outbox-record-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** This node's id (see {@link NodeIdentity}). */
    public String nodeId() {
        return identity.nodeId();
    }

    /** Starts the configured number of worker threads (none when no channel is configured). */
    public void start() {
        if (channels.isEmpty()) {
            return;
        }
        try {
            int taken = store.reclaim(identity.nodeId());
            if (taken > 0) {
                log.info("outbox: took back {} rows leased by this node's ({}) previous run", taken, identity.nodeId());
            }
        } catch (RuntimeException e) {
            log.warn("outbox: could not take back the rows of this node's previous run; they wait for their leases"
                    + " to expire", e);
        }
        log.info("outbox: node {}, {} workers, leases of {} ms renewed every third, breaker probes every {} ms",
                identity.nodeId(), settings.workers(), settings.lease().toMillis(), settings.probeInterval().toMillis());
        long every = Math.max(1, settings.lease().toMillis() / 3);
        renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "notify-outbox-lease");
            t.setDaemon(true);
            return t;
        });
        renewer.scheduleWithFixedDelay(this::renewLeases, every, every, TimeUnit.MILLISECONDS);
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

    private void renewLeases() {
        if (activeOwners.isEmpty()) {
            return;
        }
        try {
            Instant now = clock.instant();
            store.renew(Set.copyOf(activeOwners), now.plus(settings.lease()), now);
        } catch (RuntimeException e) {
            log.warn("outbox: renewing leases failed; retrying in a third of the lease", e);
        }
    }

    /** Claims one batch and delivers it. @return rows claimed */
    int runBatch() {
        String owner = identity.ownerPrefix() + Long.toString(claims.incrementAndGet(), 36);
        activeOwners.add(owner);
        try {
            List<OutboxStore.Claimed> batch = store.claimRows(owner, channels.keySet(), settings.batchSize(),
                    clock.instant(), settings.lease());
            if (batch.isEmpty()) {
                return 0;
            }
            Map<String, List<Delivery>> byChannel = new LinkedHashMap<>();
            Set<String> recipients = new java.util.HashSet<>();
            batch.forEach(c -> recipients.add(c.delivery().notification().recipient()));
            // The gate's preference checks for the whole batch in one read, not one query per row.
            try (JdbiPreferences.Scope scope = JdbiPreferences.batch(recipients)) {
                decideAll(batch, owner, byChannel);
            }
            byChannel.forEach((name, deliveries) -> {
                if (draining) {
                    // Shutting down: what no channel has started on goes back at once, for any node to take.
                    int released = store.releaseClaims(owner, deliveries.stream().map(Delivery::outboxId).toList());
                    log.info("released {} {} deliveries on shutdown", released, name);
                    return;
                }
                deliver(channels.get(name), deliveries, owner);
            });
            return batch.size();
        } finally {
            activeOwners.remove(owner);
        }
    }

    /** Asks the gate about each claimed row: to deliver (grouped by channel), or closed with a reason. */
    private void decideAll(List<OutboxStore.Claimed> batch, String owner, Map<String, List<Delivery>> byChannel) {
        for (OutboxStore.Claimed c : batch) {
            Delivery d = c.delivery();
            Decision decision;
            try {
                decision = gate.decide(d, c.rules());
            } catch (RuntimeException e) {
                log.warn("preparing {} delivery {} failed; will retry", d.channel(), d.outboxId(), e);
                record(d, DeliveryOutcome.retry("preparing the delivery failed: " + e), owner, null, false);
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
    }

    private void deliver(DeliveryChannel channel, List<Delivery> deliveries, String owner) {
        List<String> routeNames;
        try {
            routeNames = channel.routes(List.copyOf(deliveries));
            if (routeNames == null || routeNames.size() != deliveries.size()) {
                throw new IllegalStateException("channel " + channel.name() + " returned "
                        + (routeNames == null ? "null" : routeNames.size() + " routes") + " for "
                        + deliveries.size() + " deliveries");
            }
        } catch (RuntimeException e) {
            log.warn("channel {} could not name the routes of {} deliveries; one breaker for the channel",
                    channel.name(), deliveries.size(), e);
            routeNames = java.util.Collections.nCopies(deliveries.size(), channel.name());
        }
        Recorder recorder = new Recorder(owner);
        List<Delivery> permitted = new ArrayList<>(deliveries.size());
        Instant now = clock.instant();
        for (int i = 0; i < deliveries.size(); i++) {
            Delivery d = deliveries.get(i);
            Route route = routeNames.get(i).isEmpty() ? null : route(channel.name(), routeNames.get(i));
            if (route != null && !route.breaker().tryAcquirePermission()) {
                recorder.expect(d, route);
                recorder.setAside(d, "waiting for " + route.key() + " (unavailable: " + route.lastFailure().get()
                        + "); next probe within " + settings.probeInterval().toMillis() + " ms", now.plus(nextProbe()));
                continue;
            }
            recorder.expect(d, route);
            permitted.add(d);
        }
        if (!permitted.isEmpty()) {
            long started = System.nanoTime();
            try {
                channel.deliver(List.copyOf(permitted), recorder);
                metrics.channelTime(channel.name(), System.nanoTime() - started);
            } catch (RuntimeException e) {
                log.warn("channel {} failed on a batch of {}; scheduling retries", channel.name(), permitted.size(), e);
                String reason = "channel error: " + e;
                for (Delivery d : permitted) {
                    recorder.report(d, DeliveryOutcome.retry(reason));
                }
            }
            for (Delivery d : recorder.unreported()) {
                recorder.report(d, DeliveryOutcome.retry("channel " + channel.name() + " reported no outcome"));
            }
        }
        recorder.awaitWritten();
    }

    /** How long after now a set-aside row comes due: just after its breaker lets a probe through. */
    private Duration nextProbe() {
        // resilience4j lets the probe through strictly after the wait, hence the millisecond.
        return settings.probeInterval().plusMillis(1);
    }

    private Route route(String channel, String name) {
        String key = name.equals(channel) ? channel : channel + " " + name;
        return routes.computeIfAbsent(key, k -> {
            CircuitBreaker breaker = CircuitBreaker.of(k, breakerConfig);
            breaker.getEventPublisher().onStateTransition(e -> log.info("outbox: {} {}", k,
                    switch (e.getStateTransition().getToState()) {
                        case OPEN -> "is unavailable: deliveries to it wait, probed every "
                                + settings.probeInterval().toMillis() + " ms";
                        case HALF_OPEN -> "is probed";
                        case CLOSED -> "answers again: waiting deliveries are due now";
                        default -> "breaker " + e.getStateTransition();
                    }));
            AtomicBoolean parked = new AtomicBoolean();
            // Rows this node did not set aside may wait too (another node's, an earlier run's):
            // the write after the transition releases them all.
            breaker.getEventPublisher().onStateTransition(e -> {
                if (e.getStateTransition().getToState() == CircuitBreaker.State.CLOSED) {
                    parked.set(true);
                }
            });
            return new Route(k, breaker, parked, new java.util.concurrent.atomic.AtomicReference<>("not answering"));
        });
    }

    /**
     * Takes one batch's outcomes as the channel reports them (any thread) and writes them in the
     * background, each write taking every outcome that arrived meanwhile in one transaction.
     */
    private final class Recorder implements DeliveryChannel.OutcomeSink {
        private final String owner;
        private final Map<Long, Route> expected = new ConcurrentHashMap<>();
        private final Map<Long, Delivery> deliveries = new ConcurrentHashMap<>();
        private final Set<String> unavailableRoutes = ConcurrentHashMap.newKeySet();
        private final Map<Long, Boolean> reported = new ConcurrentHashMap<>();
        private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> queue =
                new java.util.concurrent.ConcurrentLinkedQueue<>();
        private final AtomicBoolean writing = new AtomicBoolean();
        private final ReentrantLock done = new ReentrantLock();
        private final Condition written = done.newCondition();
        private int queued;
        private int writtenCount;

        Recorder(String owner) {
            this.owner = owner;
        }

        void expect(Delivery d, Route route) {
            expected.put(d.outboxId(), route == null ? NO_ROUTE : route);
            deliveries.put(d.outboxId(), d);
        }

        List<Delivery> unreported() {
            return deliveries.values().stream().filter(d -> !reported.containsKey(d.outboxId())).toList();
        }

        @Override
        public void report(Delivery d, DeliveryOutcome outcome) {
            Route route = expected.get(d.outboxId());
            if (route == null || reported.putIfAbsent(d.outboxId(), Boolean.TRUE) != null) {
                log.warn("outbox: channel {} reported an outcome for delivery {} twice, or for one not in its batch;"
                        + " ignored", d.channel(), d.outboxId());
                return;
            }
            Route r = route == NO_ROUTE ? null : route;
            boolean setAside = false;
            if (r != null) {
                if (outcome instanceof DeliveryOutcome.Unavailable u) {
                    r.lastFailure().set(u.reason());
                    r.breaker().onError(0, TimeUnit.NANOSECONDS, new IOException(u.reason()));
                    // An outage costs at most one attempt per batch (the first delivery that met it),
                    // and none once the breaker is open.
                    setAside = r.breaker().getState() != CircuitBreaker.State.CLOSED
                            || !unavailableRoutes.add(r.key());
                } else {
                    r.breaker().onSuccess(0, TimeUnit.NANOSECONDS);
                }
            }
            boolean aside = setAside;
            if (outcome instanceof DeliveryOutcome.Delivered) {
                enqueue(new Delivered(d, r)); // written with the others of its drain in one statement batch
                return;
            }
            enqueue(() -> {
                record(d, outcome, owner, r, aside);
                if (r != null && !(outcome instanceof DeliveryOutcome.Unavailable)
                        && r.breaker().getState() == CircuitBreaker.State.CLOSED) {
                    releaseIfParked(r);
                }
            });
        }

        void setAside(Delivery d, String reason, Instant due) {
            reported.put(d.outboxId(), Boolean.TRUE);
            Route r = expected.get(d.outboxId());
            enqueue(() -> park(d, r, reason, due, owner));
        }

        private void enqueue(Runnable write) {
            done.lock();
            try {
                queued++;
            } finally {
                done.unlock();
            }
            queue.add(write);
            if (writing.compareAndSet(false, true)) {
                try {
                    recorders.execute(this::drain);
                } catch (java.util.concurrent.RejectedExecutionException closed) {
                    drain(); // the outbox is closing: write on this thread
                }
            }
        }

        private void drain() {
            while (true) {
                List<Runnable> writes = new ArrayList<>();
                for (Runnable w; (w = queue.poll()) != null; ) {
                    writes.add(w);
                }
                if (writes.isEmpty()) {
                    writing.set(false);
                    // An outcome queued after the poll but before the flag cleared would wait forever.
                    if (queue.isEmpty() || !writing.compareAndSet(false, true)) {
                        return;
                    }
                    continue;
                }
                try {
                    // One transaction for what arrived meanwhile (Jdbi hands the nested calls the same handle).
                    // Successes last: their release of parked rows must follow the parking of rows set aside.
                    store.inTransaction(() -> {
                        for (Runnable w : writes) {
                            if (!(w instanceof Delivered)) {
                                w.run();
                            }
                        }
                        writeDelivered(writes);
                    });
                } catch (RuntimeException e) {
                    log.warn("outbox: recording {} outcomes failed; those rows are delivered again when their"
                            + " leases expire", writes.size(), e);
                } finally {
                    done.lock();
                    try {
                        writtenCount += writes.size();
                        written.signalAll();
                    } finally {
                        done.unlock();
                    }
                }
            }
        }

        /** The successes among {@code writes}, in one statement batch; then their routes' parked rows. */
        private void writeDelivered(List<Runnable> writes) {
            List<Delivered> delivered = new ArrayList<>();
            for (Runnable w : writes) {
                if (w instanceof Delivered ok) {
                    delivered.add(ok);
                }
            }
            if (delivered.isEmpty()) {
                return;
            }
            boolean[] recorded = store.delivered(delivered.stream().map(ok -> ok.delivery().outboxId()).toList(), owner,
                    clock.instant());
            Set<Route> answered = new java.util.HashSet<>();
            for (int i = 0; i < recorded.length; i++) {
                Delivery d = delivered.get(i).delivery();
                if (recorded[i]) {
                    metrics.delivery(d.channel(), "delivered");
                } else {
                    log.warn("{} delivery {}: lease expired before the outcome was recorded; another worker owns it"
                            + " now", d.channel(), d.outboxId());
                }
                if (delivered.get(i).route() != null) {
                    answered.add(delivered.get(i).route());
                }
            }
            for (Route r : answered) {
                if (r.breaker().getState() == CircuitBreaker.State.CLOSED) {
                    releaseIfParked(r);
                }
            }
        }

        /** Waits until everything queued so far is written. */
        void awaitWritten() {
            done.lock();
            try {
                while (writtenCount < queued) {
                    written.awaitUninterruptibly();
                }
            } finally {
                done.unlock();
            }
        }
    }

    private static final Route NO_ROUTE = new Route("", null, null, null);

    /** A success to record; written in batches by the recorder, so {@link #run} is never called. */
    private record Delivered(Delivery delivery, Route route) implements Runnable {
        @Override
        public void run() {
            throw new IllegalStateException("successes are written in batches");
        }
    }

    private void park(Delivery d, Route route, String reason, Instant due, String owner) {
        String key = route == null || route == NO_ROUTE ? null : route.key();
        if (key != null) {
            route.parked().set(true);
        }
        if (!store.park(d.outboxId(), owner, key, reason, due, clock.instant())) {
            log.warn("{} delivery {}: lease expired before it was set aside; another worker owns it now",
                    d.channel(), d.outboxId());
        }
    }

    private void releaseIfParked(Route r) {
        if (r.parked().compareAndSet(true, false)) {
            int released = store.release(r.key(), clock.instant());
            if (released > 0) {
                log.info("outbox: {} answers again; {} waiting deliveries are due now", r.key(), released);
                wake();
            }
        }
    }

    private void record(Delivery d, DeliveryOutcome outcome, String owner, Route route, boolean setAside) {
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
        } else if (outcome instanceof DeliveryOutcome.Unavailable u && route != null && setAside) {
            // The destination is down: the row waits for it without an attempt counted.
            Duration wait = u.after() != null && u.after().compareTo(nextProbe()) > 0 ? u.after() : nextProbe();
            route.parked().set(true);
            counted = "waiting";
            recorded = store.park(d.outboxId(), owner, route.key(), u.reason(), now.plus(wait), now);
        } else {
            String reason;
            Duration after;
            if (outcome instanceof DeliveryOutcome.Unavailable u) {
                // The first failure of a batch while the breaker is closed: an ordinary retry, made due
                // early with the rest if the destination turns out to be down and comes back.
                reason = u.reason();
                after = u.after();
            } else {
                DeliveryOutcome.Retry r = (DeliveryOutcome.Retry) outcome;
                reason = r.reason();
                after = r.after();
            }
            if (settings.retry().allowsAnotherAfter(d.attempt())) {
                Duration wait = after != null ? after : settings.retry().delayAfter(d.attempt());
                String waitingFor = outcome instanceof DeliveryOutcome.Unavailable && route != null ? route.key() : null;
                if (waitingFor != null) {
                    route.parked().set(true);
                }
                counted = "retry";
                recorded = store.retryAt(d.outboxId(), owner, reason, now.plus(wait), now, waitingFor);
            } else {
                String dead = reason + " (gave up after " + d.attempt() + " attempts)";
                log.warn("{} delivery {} is dead: {}", d.channel(), d.outboxId(), dead);
                counted = "dead";
                recorded = store.dead(d.outboxId(), owner, dead, now);
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

    @Override
    public int retryAll(String channel) {
        if (channel == null || channel.isBlank()) {
            throw InvalidRequestException.field("channel", "is required");
        }
        int n = store.reviveAll(channel, clock.instant());
        wake();
        return n;
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
        if (renewer != null) {
            // Leases are renewed only while the process works; what is still out when it stops is
            // taken back by a restart under the same node id, or by any node when the leases expire.
            renewer.shutdownNow();
        }
        wake();
        try {
            for (Thread t : workers) {
                try {
                    t.join(TimeUnit.SECONDS.toMillis(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        } finally {
            recorders.shutdown();
            identity.close();
        }
    }
}
