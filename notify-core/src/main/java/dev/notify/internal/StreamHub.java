package dev.notify.internal;

import dev.notify.StreamConnection;
import dev.notify.StreamEvent;
import dev.notify.StreamHeartbeat;
import dev.notify.StreamLimitException;
import dev.notify.StreamOptions;
import dev.notify.StreamSink;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers inbox changes to each recipient's open connections.
 *
 * <p>Every connection owns a bounded queue and is drained by at most one writer thread at a time,
 * so a slow socket delays only itself; the publisher only enqueues. A connection that gets
 * something to write joins one shared run queue, which at most {@code writerThreads} drainer tasks
 * work through, a connection at a time: a broadcast that reaches 10,000 open streams submits a
 * handful of tasks, not one per stream, and a drainer blocked on a slow socket leaves the rest of
 * the run queue to the other drainers. A connection whose queue overflows is closed: its client
 * reconnects and catches up from the store.
 *
 * <p>Order and completeness: a connection tracks the last sequence it wrote. A notification event
 * whose sequence is not the next one (bus events from concurrent commits may arrive out of order,
 * or before the initial replay finished) makes the writer read the gap from the store instead;
 * sequences at or below the last written are dropped. Since sends to one recipient commit in
 * sequence order, the store always holds every sequence below one that was published.
 *
 * <p>Other nodes' notifications arrive without content (a cross-node bus carries only the
 * sequence): they are read from the store like a gap. Such reads are coalesced per connection: while
 * one is queued and not yet started, further ones are not queued, since it will read them too.
 * {@link #resyncAll()} makes every connection read from the store, for a bus that may have lost
 * events.
 *
 * <p>Heartbeats: one timer thread ticks every {@value #TICK_MILLIS} ms and keeps the connections
 * on a timing wheel by the time their next heartbeat is due, so a tick looks only at the
 * connections due then (heartbeats stay spread over the interval as the connections were opened,
 * instead of bursting). A connection that wrote anything within its interval is skipped and
 * looked at again one interval after that write. A due connection that is idle (nothing queued,
 * no writer on it) is claimed by the tick exactly as a writer claims it, so a heartbeat never
 * overlaps another write on the same connection; the tick's claimed connections are then written
 * by one writer task per {@value #HEARTBEAT_BATCH} of them (and one more) taking from a shared
 * queue, all with the same {@link StreamHeartbeat}, whose frame each transport encodes once per
 * tick. A connection busy writing gets no heartbeat: it is
 * not idle. Intervals are rounded up to the tick.
 *
 * <p>Caps: {@link #open} refuses a connection with {@link StreamLimitException} when its recipient
 * already holds {@code maxPerRecipient} open connections, or the hub {@code maxOpen} in all; the
 * check and the registration are one atomic step, so concurrent opens never overshoot. A
 * connection older than {@code maxDuration} (if set) is closed; its client reconnects and resumes.
 */
public final class StreamHub implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StreamHub.class);
    private static final int REPLAY_PAGE = 100;
    /** Resolution of heartbeat times, in milliseconds. */
    static final long TICK_MILLIS = 50;
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);
    /** Slots of the timing wheel (a power of two): one turn is 1024 ticks, 51.2 s. */
    private static final int WHEEL_SLOTS = 1024;
    /** Most connections one writer task sends a heartbeat to. */
    static final int HEARTBEAT_BATCH = 128;
    /** Queue item: read what the store holds after the last written sequence. */
    private static final Object CATCH_UP = new Object();

    private final JdbiNotificationStore store;
    private final Clock clock;
    private final int queueCapacity;
    private final Duration defaultHeartbeat;
    private final int maxPerRecipient;
    private final int maxOpen;
    private final Duration maxDuration;
    private final ConditionLog recipientCapLog = new ConditionLog(log, 1, TimeUnit.MINUTES);
    private final ConditionLog totalCapLog = new ConditionLog(log, 1, TimeUnit.MINUTES);
    private final ExecutorService writers;
    private final int writerThreads;
    /** Connections with something to write, in the order they got it; drainers take from here. */
    private final ConcurrentLinkedQueue<Connection> runnable = new ConcurrentLinkedQueue<>();
    /** Drainer tasks running or submitted, at most {@link #writerThreads}. */
    private final AtomicInteger drainers = new AtomicInteger();
    private final ScheduledThreadPoolExecutor timer;
    private final Map<String, Set<Connection>> byRecipient = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger open = new AtomicInteger();
    /** Opened connections not yet on the wheel; the timer thread moves them there. */
    private final ConcurrentLinkedQueue<Connection> joining = new ConcurrentLinkedQueue<>();
    /** Touched only by the timer thread: connections by the tick their heartbeat is due in. */
    @SuppressWarnings("unchecked")
    private final ArrayList<Connection>[] wheel = new ArrayList[WHEEL_SLOTS];
    private final long epochNanos = System.nanoTime();
    /** The last tick the timer thread has processed; timer thread only. */
    private long processedTick;
    /** Ticks run so far; timer thread only. The n-th tick was due at epochNanos + n * TICK_NANOS. */
    private long ticksRun;
    /** Open connections by {@link StreamSink#transport()}. */
    private final Map<String, AtomicInteger> openByTransport = new ConcurrentHashMap<>();
    private volatile Metrics metrics = Metrics.NONE;
    private volatile java.util.function.Consumer<String> transportListener = t -> { };

    /**
     * @param maxPerRecipient most open connections of one recipient, {@code >= 1}
     * @param maxOpen         most open connections in all, {@code >= 1}
     * @param maxDuration     how long a connection may stay open, or null for no limit
     */
    public StreamHub(JdbiNotificationStore store, Clock clock, int queueCapacity, Duration defaultHeartbeat,
                     int writerThreads, int maxPerRecipient, int maxOpen, Duration maxDuration) {
        this.store = store;
        this.clock = clock;
        this.queueCapacity = queueCapacity;
        this.defaultHeartbeat = defaultHeartbeat;
        this.maxPerRecipient = maxPerRecipient;
        this.maxOpen = maxOpen;
        this.maxDuration = maxDuration;
        ThreadPoolExecutor pool = new ThreadPoolExecutor(writerThreads, writerThreads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), daemon("notify-stream-writer-"));
        pool.allowCoreThreadTimeOut(true);
        this.writers = pool;
        this.writerThreads = writerThreads;
        this.timer = new ScheduledThreadPoolExecutor(1, daemon("notify-stream-heartbeat-"));
        this.timer.setRemoveOnCancelPolicy(true);
        for (int i = 0; i < WHEEL_SLOTS; i++) {
            wheel[i] = new ArrayList<>();
        }
        this.timer.scheduleAtFixedRate(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Where dropped connections and heartbeat lag are reported; default {@link Metrics#NONE}. */
    public void metrics(Metrics metrics) {
        this.metrics = metrics;
    }

    /** Called once per transport name, the first time a connection of it opens (and for those open now). */
    public synchronized void onTransport(java.util.function.Consumer<String> listener) {
        this.transportListener = listener;
        openByTransport.keySet().forEach(listener);
    }

    /** Open connections of one transport. */
    public int openConnections(String transport) {
        AtomicInteger n = openByTransport.get(transport);
        return n == null ? 0 : n.get();
    }

    private AtomicInteger transportCounter(String transport) {
        AtomicInteger n = openByTransport.get(transport);
        if (n == null) {
            synchronized (this) {
                n = openByTransport.get(transport);
                if (n == null) {
                    n = new AtomicInteger();
                    openByTransport.put(transport, n);
                    transportListener.accept(transport);
                }
            }
        }
        return n;
    }

    /**
     * Registers a connection; replay (if asked) and live events start at once on a writer thread.
     *
     * @throws StreamLimitException if a cap is reached; {@code sink} has then been closed
     */
    public StreamConnection open(String recipient, StreamSink sink, StreamOptions options) {
        Connection c = new Connection(Long.toString(ids.incrementAndGet()), recipient, sink, options.resumeAfterSeq());
        if (open.incrementAndGet() > maxOpen) {
            open.decrementAndGet();
            totalCapLog.warn("refusing new streams: " + maxOpen + " are open, the most this node allows"
                    + " (kept below the process's open-file limit)");
            c.refuse();
            throw StreamLimitException.total(maxOpen);
        }
        // Register before reading the store: whatever commits from now on is also queued here.
        boolean[] full = new boolean[1];
        byRecipient.compute(recipient, (r, set) -> {
            Set<Connection> s = set != null ? set : ConcurrentHashMap.newKeySet();
            if (s.size() >= maxPerRecipient) {
                full[0] = true;
            } else {
                s.add(c);
            }
            return s;
        });
        if (full[0]) {
            open.decrementAndGet();
            recipientCapLog.warn("refusing a new stream: a recipient already has " + maxPerRecipient
                    + " open streams, the most allowed per recipient");
            c.refuse();
            throw StreamLimitException.perRecipient(recipient, maxPerRecipient);
        }
        c.transportOpen.incrementAndGet();
        try {
            // Read where the stream starts now, on the caller's thread, after registering: every
            // send that commits later is above this and is queued here. Reading it later on the
            // writer thread would silently drop a live notification committed in between.
            long committed = store.lastSeq(recipient);
            // A cursor beyond what exists (e.g. from a wiped database) resumes from the end.
            c.lastSeq = options.resumes() ? Math.min(options.resumeAfterSeq(), committed) : committed;
            c.startedAfter = c.lastSeq;
            sink.started(c.lastSeq);
            Duration hb = options.heartbeat() != null ? options.heartbeat() : defaultHeartbeat;
            c.heartbeatNanos = Math.max(TICK_NANOS, hb.toNanos());
            c.lastWriteNanos = System.nanoTime();
            if (timer.isShutdown()) {
                throw new RejectedExecutionException("stream hub closed");
            }
        } catch (RuntimeException e) {
            c.close(e instanceof RejectedExecutionException ? "server shutting down" : "server error");
            throw e;
        }
        if (maxDuration != null) {
            try {
                c.expiry = timer.schedule(() -> c.close(StreamSink.MAX_DURATION + ": open for " + maxDuration),
                        maxDuration.toNanos(), TimeUnit.NANOSECONDS);
                if (c.closed.get()) {
                    c.expiry.cancel(false); // closed meanwhile: do not keep it until the timer fires
                }
            } catch (RejectedExecutionException e) {
                c.close("server shutting down");
                throw e;
            }
        }
        // Events queued meanwhile wait for this: the writer must not run before lastSeq is set.
        c.ready = true;
        c.schedule();
        // Only after the first writer run is scheduled: a heartbeat can never claim the connection
        // ahead of its replay.
        joining.add(c);
        return c;
    }

    /**
     * Bus listener: enqueue the event on each of the recipient's connections. Never blocks. A
     * {@link StreamEvent.Kind#NOTIFICATION} without its notification (heard from another node)
     * makes the connection read it from the store.
     */
    public void onEvent(StreamEvent event) {
        Set<Connection> connections = byRecipient.get(event.recipient());
        if (connections == null) {
            return;
        }
        boolean contentless = !event.complete();
        for (Connection c : connections) {
            if (!contentless) {
                c.offer(event);
            } else if (event.seq() > c.lastSeq) {
                c.requestCatchUp();
            }
        }
    }

    /**
     * Makes every open connection write what the store holds after its last written sequence:
     * called when the event bus may have lost events (e.g. its connection dropped and came back).
     */
    public void resyncAll() {
        for (Set<Connection> set : byRecipient.values()) {
            for (Connection c : set) {
                c.requestCatchUp();
            }
        }
    }

    /** @throws StreamLimitException if {@link #open} would refuse {@code recipient} now */
    public void checkCapacity(String recipient) {
        if (open.get() >= maxOpen) {
            throw StreamLimitException.total(maxOpen);
        }
        Set<Connection> connections = byRecipient.get(recipient);
        if (connections != null && connections.size() >= maxPerRecipient) {
            throw StreamLimitException.perRecipient(recipient, maxPerRecipient);
        }
    }

    public List<StreamConnection> connections(String recipient) {
        Set<Connection> connections = byRecipient.get(recipient);
        return connections == null ? List.of() : List.copyOf(connections);
    }

    /** @return how many connections were closed */
    public int closeAll(String recipient, String reason) {
        int closed = 0;
        for (StreamConnection c : connections(recipient)) {
            if (((Connection) c).close(reason)) {
                closed++;
            }
        }
        return closed;
    }

    /** Closes every open connection. @return how many were closed */
    public int closeEverything(String reason) {
        int closed = 0;
        for (Set<Connection> set : byRecipient.values()) {
            for (Connection c : List.copyOf(set)) {
                if (c.close(reason)) {
                    closed++;
                }
            }
        }
        return closed;
    }

    /** Open connections across all recipients. */
    public int openConnections() {
        return open.get();
    }

    @Override
    public void close() {
        for (Set<Connection> set : byRecipient.values()) {
            for (Connection c : List.copyOf(set)) {
                c.close("server shutting down");
            }
        }
        timer.shutdownNow();
        writers.shutdown();
        try {
            if (!writers.awaitTermination(2, TimeUnit.SECONDS)) {
                writers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            writers.shutdownNow();
        }
    }

    /** Timer thread: every tick, heartbeats to the connections due in the ticks since the last one. */
    private void tick() {
        try {
            long now = System.nanoTime();
            metrics.heartbeatLag(now - (epochNanos + ++ticksRun * TICK_NANOS));
            long current = (now - epochNanos) / TICK_NANOS;
            for (Connection c; (c = joining.poll()) != null; ) {
                place(c, c.lastWriteNanos + c.heartbeatNanos, current);
            }
            List<Connection> due = new ArrayList<>();
            // Normally one tick; more if the timer thread was held up (never more than a wheel turn).
            long from = Math.max(processedTick + 1, current - WHEEL_SLOTS + 1);
            for (long t = from; t <= current; t++) {
                collect(t, now, current, due);
            }
            processedTick = current;
            if (!due.isEmpty()) {
                dispatch(due, new StreamHeartbeat(clock.instant()));
            }
        } catch (RuntimeException e) {
            log.warn("stream heartbeat tick failed", e);
        }
    }

    /** Sorts the connections in tick {@code t}'s slot: due and idle ones go to {@code due}. */
    private void collect(long t, long now, long current, List<Connection> due) {
        int slot = (int) (t & (WHEEL_SLOTS - 1));
        ArrayList<Connection> connections = wheel[slot];
        if (connections.isEmpty()) {
            return;
        }
        wheel[slot] = new ArrayList<>();
        for (Connection c : connections) {
            if (c.closed.get()) {
                continue; // dropped from the wheel
            }
            if (c.dueTick > t) {
                wheel[slot].add(c); // a later turn of the wheel
                continue;
            }
            long lastWrite = c.lastWriteNanos;
            // Within a tick of being due counts as due: the write it finds is most likely this
            // connection's previous heartbeat, finished a little after the tick that claimed it.
            if (now + TICK_NANOS - lastWrite < c.heartbeatNanos) {
                // Wrote within the interval: no heartbeat needed until an interval after that write.
                place(c, lastWrite + c.heartbeatNanos, current);
            } else {
                if (c.claimForHeartbeat()) {
                    due.add(c);
                }
                // Claimed or busy writing right now (so not idle): next due one interval from now.
                place(c, now + c.heartbeatNanos, current);
            }
        }
    }

    /** Puts {@code c} in the slot of the tick {@code dueNanos} falls in, at the earliest the next one. */
    private void place(Connection c, long dueNanos, long current) {
        long t = Math.max(current + 1, ceilDiv(dueNanos - epochNanos, TICK_NANOS));
        c.dueTick = t;
        wheel[(int) (t & (WHEEL_SLOTS - 1))].add(c);
    }

    private static long ceilDiv(long x, long y) {
        return -Math.floorDiv(-x, y);
    }

    /**
     * Writes {@code beat} to the claimed connections: one writer task per {@link #HEARTBEAT_BATCH}
     * connections and one more, all taking from one queue, so a write blocked on a client that
     * stopped reading holds up only that connection, not the rest of the tick.
     */
    private void dispatch(List<Connection> due, StreamHeartbeat beat) {
        ConcurrentLinkedQueue<Connection> todo = new ConcurrentLinkedQueue<>(due);
        Runnable task = () -> {
            for (Connection c; (c = todo.poll()) != null; ) {
                c.writeHeartbeat(beat);
            }
        };
        int tasks = (due.size() + HEARTBEAT_BATCH - 1) / HEARTBEAT_BATCH + 1;
        for (int i = 0; i < tasks; i++) {
            try {
                writers.execute(task);
            } catch (RejectedExecutionException e) {
                for (Connection c; (c = todo.poll()) != null; ) {
                    c.release();
                    c.close("server shutting down");
                }
                return;
            }
        }
    }

    /**
     * Starts one more drainer if there is work and fewer than {@code writerThreads} run. Called
     * whenever a connection becomes runnable, and by a drainer as it stops, so that work queued
     * just as the last drainer finished is never stranded.
     */
    private void startDrainer() {
        while (true) {
            int n = drainers.get();
            if (n >= writerThreads || runnable.isEmpty()) {
                return;
            }
            if (drainers.compareAndSet(n, n + 1)) {
                break;
            }
        }
        try {
            writers.execute(this::drain);
        } catch (RejectedExecutionException e) {
            drainers.decrementAndGet();
            for (Connection c; (c = runnable.poll()) != null; ) {
                c.scheduled.set(false);
                c.close("server shutting down");
            }
        }
    }

    /** A writer task: writes what each runnable connection has queued, one connection after another. */
    private void drain() {
        try {
            for (Connection c; (c = runnable.poll()) != null; ) {
                c.run();
            }
        } finally {
            drainers.decrementAndGet();
            startDrainer();
        }
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private final class Connection implements StreamConnection, Runnable {
        private final String id;
        private final String recipient;
        private final StreamSink sink;
        private final Instant openedAt;
        private final long resumeAfter;
        private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
        private final AtomicInteger queued = new AtomicInteger();
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private final AtomicBoolean closed = new AtomicBoolean();
        /** A CATCH_UP item is queued and not yet started. */
        private final AtomicBoolean catchUpQueued = new AtomicBoolean();
        /** Heartbeat interval; set before the connection reaches the timer thread. */
        private long heartbeatNanos;
        /** {@link System#nanoTime()} when the last write finished (or the connection opened). */
        private volatile long lastWriteNanos;
        /** Open connections of this one's transport. */
        private final AtomicInteger transportOpen;
        /** The wheel tick this connection is in; timer thread only. */
        private long dueTick;
        private volatile boolean ready;
        // Set by open(), then written only by the (single) writer thread draining this connection.
        private volatile long lastSeq;
        /** Where the stream started: the sequence after which its first notification comes. */
        private volatile long startedAfter;
        /** Closes the connection at its maximum duration; null without one. */
        private volatile ScheduledFuture<?> expiry;
        private boolean started;

        Connection(String id, String recipient, StreamSink sink, long resumeAfter) {
            this.id = id;
            this.recipient = recipient;
            this.sink = sink;
            this.resumeAfter = resumeAfter;
            this.openedAt = clock.instant();
            this.transportOpen = transportCounter(sink.transport());
        }

        void offer(Object item) {
            if (closed.get()) {
                return;
            }
            if (queued.incrementAndGet() > queueCapacity) {
                close(StreamSink.SLOW_CONSUMER + ": more than " + queueCapacity + " events queued");
                return;
            }
            queue.add(item);
            schedule();
        }

        void requestCatchUp() {
            if (catchUpQueued.compareAndSet(false, true)) {
                offer(CATCH_UP);
            }
        }

        void schedule() {
            if (ready && !closed.get() && scheduled.compareAndSet(false, true)) {
                runnable.add(this);
                startDrainer();
            }
        }

        /**
         * Timer thread: takes this connection for a heartbeat if nothing is queued and no writer
         * holds it, as {@link #schedule()} would for a writer task. The caller then must
         * {@link #writeHeartbeat} (or {@link #release}) it.
         */
        boolean claimForHeartbeat() {
            return ready && !closed.get() && queue.isEmpty() && scheduled.compareAndSet(false, true);
        }

        /** Writer thread, holding the claim from {@link #claimForHeartbeat()}. */
        void writeHeartbeat(StreamHeartbeat beat) {
            try {
                if (!closed.get() && queue.isEmpty()) {
                    sink.heartbeat(beat);
                    lastWriteNanos = System.nanoTime();
                }
            } catch (IOException e) {
                close("client gone");
            } catch (RuntimeException e) {
                log.warn("stream connection {} for {} failed on a heartbeat; closing it", id, recipient, e);
                close("server error");
            } finally {
                release();
            }
        }

        /** Gives up a claim; schedules a writer for anything queued meanwhile. */
        void release() {
            scheduled.set(false);
            if (!closed.get() && !queue.isEmpty()) {
                schedule();
            }
        }

        @Override
        public void run() {
            try {
                if (!started) {
                    started = true;
                    if (resumeAfter >= 0) {
                        catchUp();
                    }
                }
                Object item;
                while (!closed.get() && (item = queue.poll()) != null) {
                    queued.decrementAndGet();
                    write(item);
                }
            } catch (IOException e) {
                close("client gone");
            } catch (RuntimeException e) {
                log.warn("stream connection {} for {} failed; closing it", id, recipient, e);
                close("server error");
            } finally {
                scheduled.set(false);
                // An item offered after the loop's last poll but before the flag cleared must not wait.
                if (!closed.get() && !queue.isEmpty()) {
                    schedule();
                }
            }
        }

        private void write(Object item) throws IOException {
            if (item == CATCH_UP) {
                // Cleared before reading: a request arriving from now on queues another read,
                // one that arrived before is covered by this read.
                catchUpQueued.set(false);
                catchUp();
                return;
            }
            StreamEvent event = (StreamEvent) item;
            // Every entry of the recipient's log (seq above 0) is ordered like a notification.
            if (event.seq() <= 0) {
                if (event.complete()) {
                    emit(event);
                }
            } else if (!event.complete()) {
                if (event.seq() > lastSeq) {
                    catchUp();
                }
            } else if (event.seq() == lastSeq + 1) {
                emit(event);
                lastSeq = event.seq();
            } else if (event.seq() > lastSeq) {
                catchUp();
            }
        }

        /** Writes one event; the connection then counts as active for its heartbeat interval. */
        private void emit(StreamEvent event) throws IOException {
            sink.event(event);
            lastWriteNanos = System.nanoTime();
        }

        /** Writes every stored notification and inbox change after {@link #lastSeq}, oldest first. */
        private void catchUp() throws IOException {
            while (!closed.get()) {
                List<StreamEvent> page = store.eventsAfter(recipient, lastSeq, REPLAY_PAGE);
                for (StreamEvent e : page) {
                    emit(e);
                    lastSeq = e.seq();
                }
                if (page.size() < REPLAY_PAGE) {
                    return;
                }
            }
        }

        /** Ends a connection that was never registered (a cap refused it). */
        void refuse() {
            closed.set(true);
            try {
                sink.close("refused: too many open streams");
            } catch (RuntimeException e) {
                log.debug("closing refused stream connection {} failed", id, e);
            }
        }

        boolean close(String reason) {
            if (!closed.compareAndSet(false, true)) {
                return false;
            }
            ScheduledFuture<?> timeout = expiry;
            if (timeout != null) {
                timeout.cancel(false);
            }
            // The timer thread drops a closed connection from its wheel slot when it next reaches it.
            // compute() is atomic per key, so an open() racing with this close never adds to a dropped set.
            byRecipient.computeIfPresent(recipient, (r, set) -> {
                set.remove(this);
                return set.isEmpty() ? null : set;
            });
            open.decrementAndGet();
            transportOpen.decrementAndGet();
            String dropped = reason.startsWith(StreamSink.SLOW_CONSUMER) ? "slow_consumer"
                    : reason.equals("client gone") ? "client_gone" : reason.equals("server error") ? "server_error" : null;
            if (dropped != null) {
                metrics.streamDropped(dropped);
            }
            queue.clear();
            try {
                sink.close(reason);
            } catch (RuntimeException e) {
                log.debug("closing stream connection {} failed", id, e);
            }
            log.debug("stream connection {} for {} closed: {}", id, recipient, reason);
            return true;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public String recipient() {
            return recipient;
        }

        @Override
        public Instant openedAt() {
            return openedAt;
        }

        @Override
        public long lastDeliveredSeq() {
            return lastSeq;
        }

        @Override
        public long startedAfterSeq() {
            return startedAfter;
        }

        @Override
        public boolean isOpen() {
            return !closed.get();
        }

        @Override
        public void close() {
            close("closed by server");
        }
    }
}
