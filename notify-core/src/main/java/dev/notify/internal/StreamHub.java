package dev.notify.internal;

import dev.notify.Notification;
import dev.notify.StreamConnection;
import dev.notify.StreamEvent;
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
 * so a slow socket delays only itself; the publisher only enqueues. A connection whose queue
 * overflows is closed: its client reconnects and catches up from the store.
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
 */
public final class StreamHub implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StreamHub.class);
    private static final int REPLAY_PAGE = 100;
    private static final Object HEARTBEAT = new Object();
    /** Queue item: read what the store holds after the last written sequence. */
    private static final Object CATCH_UP = new Object();

    private final JdbiNotificationStore store;
    private final Clock clock;
    private final int queueCapacity;
    private final Duration defaultHeartbeat;
    private final ExecutorService writers;
    private final ScheduledThreadPoolExecutor timer;
    private final Map<String, Set<Connection>> byRecipient = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicInteger open = new AtomicInteger();

    public StreamHub(JdbiNotificationStore store, Clock clock, int queueCapacity, Duration defaultHeartbeat,
                     int writerThreads) {
        this.store = store;
        this.clock = clock;
        this.queueCapacity = queueCapacity;
        this.defaultHeartbeat = defaultHeartbeat;
        ThreadPoolExecutor pool = new ThreadPoolExecutor(writerThreads, writerThreads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), daemon("notify-stream-writer-"));
        pool.allowCoreThreadTimeOut(true);
        this.writers = pool;
        this.timer = new ScheduledThreadPoolExecutor(1, daemon("notify-stream-heartbeat-"));
        this.timer.setRemoveOnCancelPolicy(true);
    }

    /** Registers a connection; replay (if asked) and live events start at once on a writer thread. */
    public StreamConnection open(String recipient, StreamSink sink, StreamOptions options) {
        Connection c = new Connection(Long.toString(ids.incrementAndGet()), recipient, sink, options.resumeAfterSeq());
        // Register before reading the store: whatever commits from now on is also queued here.
        byRecipient.compute(recipient, (r, set) -> {
            Set<Connection> s = set != null ? set : ConcurrentHashMap.newKeySet();
            s.add(c);
            return s;
        });
        open.incrementAndGet();
        try {
            // Read where the stream starts now, on the caller's thread, after registering: every
            // send that commits later is above this and is queued here. Reading it later on the
            // writer thread would silently drop a live notification committed in between.
            long committed = store.lastSeq(recipient);
            // A cursor beyond what exists (e.g. from a wiped database) resumes from the end.
            c.lastSeq = options.resumes() ? Math.min(options.resumeAfterSeq(), committed) : committed;
            Duration hb = options.heartbeat() != null ? options.heartbeat() : defaultHeartbeat;
            c.heartbeat = timer.scheduleAtFixedRate(() -> c.offer(HEARTBEAT), hb.toMillis(), hb.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            c.close(e instanceof RejectedExecutionException ? "server shutting down" : "server error");
            throw e;
        }
        // Events queued meanwhile wait for this: the writer must not run before lastSeq is set.
        c.ready = true;
        c.schedule();
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
        boolean contentless = event.kind() == StreamEvent.Kind.NOTIFICATION && event.notification() == null;
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
        private volatile ScheduledFuture<?> heartbeat;
        private volatile boolean ready;
        // Set by open(), then written only by the (single) writer thread draining this connection.
        private volatile long lastSeq;
        private boolean started;

        Connection(String id, String recipient, StreamSink sink, long resumeAfter) {
            this.id = id;
            this.recipient = recipient;
            this.sink = sink;
            this.resumeAfter = resumeAfter;
            this.openedAt = clock.instant();
        }

        void offer(Object item) {
            if (closed.get()) {
                return;
            }
            if (queued.incrementAndGet() > queueCapacity) {
                close("slow consumer: more than " + queueCapacity + " events queued");
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
                try {
                    writers.execute(this);
                } catch (RejectedExecutionException e) {
                    scheduled.set(false);
                    close("server shutting down");
                }
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
            if (item == HEARTBEAT) {
                sink.heartbeat(clock.instant());
                return;
            }
            if (item == CATCH_UP) {
                // Cleared before reading: a request arriving from now on queues another read,
                // one that arrived before is covered by this read.
                catchUpQueued.set(false);
                catchUp();
                return;
            }
            StreamEvent event = (StreamEvent) item;
            if (event.kind() != StreamEvent.Kind.NOTIFICATION) {
                sink.event(event);
            } else if (event.notification() == null) {
                if (event.seq() > lastSeq) {
                    catchUp();
                }
            } else if (event.seq() == lastSeq + 1) {
                sink.event(event);
                lastSeq = event.seq();
            } else if (event.seq() > lastSeq) {
                catchUp();
            }
        }

        /** Writes every stored notification after {@link #lastSeq}, oldest first. */
        private void catchUp() throws IOException {
            while (!closed.get()) {
                List<Notification> page = store.after(recipient, lastSeq, REPLAY_PAGE);
                for (Notification n : page) {
                    sink.event(StreamEvent.created(n));
                    lastSeq = n.seq();
                }
                if (page.size() < REPLAY_PAGE) {
                    return;
                }
            }
        }

        boolean close(String reason) {
            if (!closed.compareAndSet(false, true)) {
                return false;
            }
            ScheduledFuture<?> hb = heartbeat;
            if (hb != null) {
                hb.cancel(false);
            }
            // compute() is atomic per key, so an open() racing with this close never adds to a dropped set.
            byRecipient.computeIfPresent(recipient, (r, set) -> {
                set.remove(this);
                return set.isEmpty() ? null : set;
            });
            open.decrementAndGet();
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
        public boolean isOpen() {
            return !closed.get();
        }

        @Override
        public void close() {
            close("closed by server");
        }
    }
}
