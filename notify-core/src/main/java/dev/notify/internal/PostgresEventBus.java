package dev.notify.internal;

import dev.notify.EventBus;
import dev.notify.NotifyException;
import dev.notify.StreamEvent;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EventBus} over PostgreSQL {@code LISTEN/NOTIFY}: every node sharing one database (and
 * schema) hears every other node's inbox changes.
 *
 * <p>Publishing delivers the full event to this node's listeners at once, in-process, then queues
 * a tiny payload (node, kind, recipient, sequence, notification id, count; never a title or body)
 * for a publisher thread. That thread sends whatever has queued up in one statement, so one NOTIFY
 * transaction carries many events: NOTIFY serialises committing transactions database-wide, and a
 * payload may not exceed 8000 bytes. A receiving node gets a {@link StreamEvent.Kind#NOTIFICATION}
 * event without its {@link StreamEvent#notification()}; the stream hub loads it from the store.
 *
 * <p>One dedicated connection per node listens, on its own thread. When it breaks, the bus
 * reconnects with exponential backoff, listens again, and only then tells
 * {@link #onEventsMissed} listeners, which catch every open stream up from the store: whatever
 * committed while nobody listened is read back, whatever commits later is heard.
 */
public final class PostgresEventBus implements EventBus {
    private static final Logger log = LoggerFactory.getLogger(PostgresEventBus.class);

    /** The channel on the {@code public} schema; other schemas get their own (see {@link #channelFor}). */
    public static final String CHANNEL = "notify_events";
    /** First wait before reconnecting the listener; doubles up to {@link #DEFAULT_MAX_BACKOFF}. */
    public static final Duration DEFAULT_MIN_BACKOFF = Duration.ofMillis(500);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(10);
    /** An idle listener checks its connection this often, so a silently dead one is noticed. */
    public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(15);
    /** Payloads queued for the publisher thread; a full queue makes publishers wait. */
    static final int QUEUE_CAPACITY = 10_000;
    /** Most payloads sent in one NOTIFY transaction. */
    static final int DEFAULT_MAX_BATCH = 500;
    /** PostgreSQL's limit on a NOTIFY payload (default build), in bytes. */
    static final int PAYLOAD_MAX_BYTES = 7999;
    private static final int MAX_IDENTIFIER_BYTES = 63;
    private static final long POLL_MILLIS = 500;
    private static final Duration ENQUEUE_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration CLOSE_FLUSH_TIMEOUT = Duration.ofSeconds(2);
    private static final int PUBLISH_ATTEMPTS = 3;
    /** Queued by {@link #close()} to wake the publisher thread. */
    private static final String STOP = new String("stop");
    /** Kind letter of the message that asks every other node to resync its streams. */
    private static final char RESYNC = 'S';

    /** Opens the listening connection (a dedicated one, not borrowed for a moment from a pool). */
    @FunctionalInterface
    public interface ConnectionFactory {
        Connection open() throws SQLException;
    }

    private final String node = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final Duration pingInterval;
    private final int maxBatch;
    private final List<Consumer<StreamEvent>> listeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> missedListeners = new CopyOnWriteArrayList<>();
    private final BlockingQueue<String> outgoing = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean lostOutgoing = new AtomicBoolean();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong notifyTransactions = new AtomicLong();
    private final Object sleeper = new Object();
    private volatile boolean running;
    private volatile String channel;
    private volatile DataSource publishing;
    private volatile ConnectionFactory listening;
    private volatile Connection listener;
    private volatile int listenerPid;
    private Thread listenThread;
    private Thread publishThread;

    /** A bus with the default reconnect backoff; {@link #start} binds it to a database. */
    public PostgresEventBus() {
        this(DEFAULT_MIN_BACKOFF, DEFAULT_MAX_BACKOFF, DEFAULT_PING_INTERVAL, DEFAULT_MAX_BATCH);
    }

    /**
     * @param minBackoff   first wait before reconnecting the listener
     * @param maxBackoff   longest wait between reconnect attempts
     * @param pingInterval how often an idle listener checks its connection
     * @param maxBatch     most events per NOTIFY transaction (1 sends each in its own)
     */
    public PostgresEventBus(Duration minBackoff, Duration maxBackoff, Duration pingInterval, int maxBatch) {
        this.minBackoff = positive("minBackoff", minBackoff);
        this.maxBackoff = positive("maxBackoff", maxBackoff);
        this.pingInterval = positive("pingInterval", pingInterval);
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1 but was " + maxBatch);
        }
        this.maxBatch = maxBatch;
    }

    /**
     * Opens the listening connection, listens, and starts the listener and publisher threads.
     * Returns once this node hears other nodes' events.
     *
     * @param publishing where NOTIFY statements run (notify's pool)
     * @param listening  opens the dedicated listening connection, now and after each failure
     * @throws NotifyException with code {@code store_unavailable} if PostgreSQL cannot be reached
     * @throws IllegalStateException if the bus was started before
     */
    public void start(DataSource publishing, ConnectionFactory listening) {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("this PostgreSQL event bus is already started; use one per Notify");
        }
        this.publishing = Objects.requireNonNull(publishing, "publishing");
        this.listening = Objects.requireNonNull(listening, "listening");
        running = true;
        try {
            listener = connectAndListen();
        } catch (SQLException | RuntimeException e) {
            running = false;
            throw new NotifyException("store_unavailable",
                    "cannot listen for other nodes' events on PostgreSQL: " + e.getMessage(), e);
        }
        listenThread = new Thread(this::listenLoop, "notify-pg-listener-" + node);
        listenThread.setDaemon(true);
        listenThread.start();
        publishThread = new Thread(this::publishLoop, "notify-pg-publisher-" + node);
        publishThread.setDaemon(true);
        publishThread.start();
    }

    /** This node's id in payloads; events carrying it are this node's own echoes and are skipped. */
    public String node() {
        return node;
    }

    /** The NOTIFY channel, known once started. */
    public String channel() {
        return channel;
    }

    /** The backend pid of the listening connection (for {@code pg_terminate_backend} in tests). */
    public int listenerPid() {
        return listenerPid;
    }

    /** Whether the listening connection is up (false from a failure until it is back). */
    public boolean isListening() {
        return listener != null;
    }

    /** How often the listener has reconnected since start. */
    public long reconnects() {
        return reconnects.get();
    }

    /** Events sent to other nodes since start. */
    public long sent() {
        return sent.get();
    }

    /** NOTIFY transactions since start; {@link #sent()} divided by this is the mean batch. */
    public long notifyTransactions() {
        return notifyTransactions.get();
    }

    /** Events heard from other nodes since start. */
    public long received() {
        return received.get();
    }

    @Override
    public void publish(StreamEvent event) {
        deliverLocally(event);
        if (!running) {
            return;
        }
        String payload = encode(node, event);
        if (payload.getBytes(StandardCharsets.UTF_8).length > PAYLOAD_MAX_BYTES) {
            // Cannot happen with recipients of at most 255 characters; guard anyway.
            log.warn("{} event for {} is too large for NOTIFY; other nodes will catch up later", event.kind(),
                    event.recipient());
            lostOutgoing.set(true);
            return;
        }
        if (echoLag != null) {
            if (awaitingEcho.size() > 10_000) {
                awaitingEcho.clear(); // echoes lost (e.g. the listener was down): start afresh
            }
            awaitingEcho.put(payload, System.nanoTime());
        }
        try {
            if (!outgoing.offer(payload, ENQUEUE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                lostOutgoing.set(true);
                log.warn("NOTIFY queue full ({} events) for {}; dropping one {} event, other nodes will resync",
                        QUEUE_CAPACITY, ENQUEUE_TIMEOUT, event.kind());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            lostOutgoing.set(true);
        }
    }

    /** Publish times of payloads awaiting their echo, when lag is measured; bounded. */
    private final java.util.concurrent.ConcurrentHashMap<String, Long> awaitingEcho = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile java.util.function.LongConsumer echoLag;

    /**
     * Measures, for each event this node publishes, the nanoseconds until this node hears its
     * own NOTIFY back: the delay every other node's listener sees too.
     */
    public void onEchoLag(java.util.function.LongConsumer listener) {
        this.echoLag = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public void subscribe(Consumer<StreamEvent> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void onEventsMissed(Runnable listener) {
        missedListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Sends what is queued (for up to 2 s), then stops listening. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        synchronized (sleeper) {
            sleeper.notifyAll();
        }
        if (!outgoing.offer(STOP)) {
            publishThread.interrupt(); // full queue: the flush deadline ends it anyway
        }
        join(publishThread, CLOSE_FLUSH_TIMEOUT.toMillis() + 500);
        Connection c = listener;
        if (c != null) {
            closeQuietly(c);
        }
        join(listenThread, 2_000);
    }

    private void deliverLocally(StreamEvent event) {
        for (Consumer<StreamEvent> l : listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                // One failing listener must not stop the others, nor fail an already committed send.
                log.warn("event listener failed for {} to {}", event.kind(), event.recipient(), e);
            }
        }
    }

    // ---- listening ----

    private Connection connectAndListen() throws SQLException {
        Connection c = listening.open();
        try {
            c.setAutoCommit(true);
            String applicationName;
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT current_schema(), current_setting('application_name')")) {
                rs.next();
                if (channel == null) {
                    channel = channelFor(rs.getString(1));
                }
                applicationName = rs.getString(2);
            }
            // Tells operators (pg_stat_activity) which connection listens, and for which node.
            try (PreparedStatement s = c.prepareStatement("SELECT set_config('application_name', ?, false)")) {
                s.setString(1, listenerApplicationName(applicationName, node));
                s.execute();
            }
            try (Statement s = c.createStatement()) {
                s.execute("LISTEN " + quoteIdentifier(channel));
            }
            listenerPid = c.unwrap(PGConnection.class).getBackendPID();
            return c;
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    private void listenLoop() {
        Duration backoff = minBackoff;
        long lastHeard = System.nanoTime();
        while (running) {
            Connection c = listener;
            try {
                if (c == null) {
                    c = connectAndListen();
                    listener = c;
                    reconnects.incrementAndGet();
                    backoff = minBackoff;
                    lastHeard = System.nanoTime();
                    log.info("listening for other nodes' events again (backend pid {}); catching open streams up"
                            + " from the store", listenerPid);
                    // After LISTEN: what commits from now on is heard, what committed before is read back.
                    eventsMissed();
                }
                PGNotification[] heard = c.unwrap(PGConnection.class).getNotifications((int) POLL_MILLIS);
                if (heard != null && heard.length > 0) {
                    lastHeard = System.nanoTime();
                    for (PGNotification n : heard) {
                        receive(n.getParameter());
                    }
                } else if (System.nanoTime() - lastHeard > pingInterval.toNanos()) {
                    try (Statement s = c.createStatement()) {
                        s.setQueryTimeout((int) Math.max(1, pingInterval.toSeconds()));
                        s.execute("SELECT 1");
                    }
                    lastHeard = System.nanoTime();
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    break;
                }
                if (c != null) {
                    log.warn("lost the listening connection (backend pid {}): {}; reconnecting in {} ms", listenerPid,
                            e.getMessage(), backoff.toMillis());
                    closeQuietly(c);
                    listener = null;
                } else {
                    log.warn("cannot listen for other nodes' events: {}; retrying in {} ms", e.getMessage(),
                            backoff.toMillis());
                }
                pause(jitter(backoff));
                backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
            }
        }
    }

    private void receive(String payload) {
        StreamEvent event;
        try {
            if (payload.startsWith(node + "|")) {
                java.util.function.LongConsumer lag = echoLag;
                Long published = lag == null ? null : awaitingEcho.remove(payload);
                if (published != null) {
                    lag.accept(System.nanoTime() - published);
                }
                return; // our own echo: delivered in-process already
            }
            if (isResync(payload)) {
                log.info("another node could not publish some events; catching open streams up from the store");
                eventsMissed();
                return;
            }
            event = decode(payload);
        } catch (RuntimeException e) {
            log.warn("ignoring a malformed event on channel {}: {}", channel, e.getMessage());
            return;
        }
        received.incrementAndGet();
        deliverLocally(event);
    }

    private void eventsMissed() {
        for (Runnable r : missedListeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.warn("events-missed listener failed", e);
            }
        }
    }

    // ---- publishing ----

    private void publishLoop() {
        List<String> batch = new ArrayList<>(maxBatch);
        long deadline = Long.MAX_VALUE;
        while (true) {
            if (!running && deadline == Long.MAX_VALUE) {
                deadline = System.nanoTime() + CLOSE_FLUSH_TIMEOUT.toNanos();
            }
            if (System.nanoTime() > deadline) {
                if (!outgoing.isEmpty()) {
                    log.warn("closing with {} events not yet sent to other nodes", outgoing.size());
                }
                return;
            }
            try {
                String first = outgoing.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (first == null || first == STOP) {
                    if (!running) {
                        return;
                    }
                    continue;
                }
                batch.clear();
                if (lostOutgoing.getAndSet(false)) {
                    batch.add(node + "|" + RESYNC + "|0|0|0|");
                }
                batch.add(first);
                outgoing.drainTo(batch, maxBatch - batch.size());
                boolean stop = batch.remove(STOP);
                sendWithRetries(batch);
                if (stop) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void sendWithRetries(List<String> batch) throws InterruptedException {
        Duration wait = Duration.ofMillis(100);
        for (int attempt = 1; ; attempt++) {
            try {
                notifyAll(batch);
                return;
            } catch (SQLException | RuntimeException e) {
                if (attempt >= PUBLISH_ATTEMPTS || !running) {
                    lostOutgoing.set(true);
                    log.warn("NOTIFY of {} events failed {} times; other nodes will resync once NOTIFY works: {}",
                            batch.size(), attempt, e.getMessage());
                    return;
                }
                pause(wait);
                wait = wait.multipliedBy(4);
            }
        }
    }

    /** One statement, one transaction, many payloads: NOTIFY's commit-time lock is taken once. */
    private void notifyAll(List<String> payloads) throws SQLException {
        try (Connection c = publishing.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT pg_notify(?, p) FROM unnest(?::text[]) AS p")) {
            Array array = c.createArrayOf("text", payloads.toArray());
            s.setString(1, channel);
            s.setArray(2, array);
            s.execute();
            if (!c.getAutoCommit()) {
                c.commit();
            }
        }
        notifyTransactions.incrementAndGet();
        sent.addAndGet(payloads.size());
    }

    // ---- wire format: node|kind|seq|notificationId|count|recipient (recipient last: it may hold '|') ----

    /** The kind letters on the wire, by {@link StreamEvent.Kind} ordinal. */
    private static final String KINDS = "NRADUrsauxzwc";

    /**
     * The NOTIFY payload of an event. An event in the recipient's log (seq above 0) travels without
     * its content: the receiving stream hub reads it from the store. An ALL_READ outside the log
     * carries its {@code up_to_seq} in the id field.
     */
    public static String encode(String node, StreamEvent e) {
        char kind = KINDS.charAt(e.kind().ordinal());
        long id = e.notificationId();
        if (e.kind() == StreamEvent.Kind.ALL_READ && e.seq() == 0 && e.fields() != null
                && e.fields().get("up_to_seq") instanceof Number upTo) {
            id = upTo.longValue();
        }
        return node + '|' + kind + '|' + e.seq() + '|' + id + '|' + e.count() + '|' + e.recipient();
    }

    /** The event in a NOTIFY payload; a notification's content, and a logged change's fields, are not in it. */
    public static StreamEvent decode(String payload) {
        String[] f = payload.split("\\|", 6);
        if (f.length != 6 || f[1].length() != 1 || KINDS.indexOf(f[1].charAt(0)) < 0) {
            throw new IllegalArgumentException("expected node|kind|seq|id|count|recipient with a known kind");
        }
        StreamEvent.Kind kind = StreamEvent.Kind.values()[KINDS.indexOf(f[1].charAt(0))];
        long seq = Long.parseLong(f[2]);
        long id = Long.parseLong(f[3]);
        int count = Integer.parseInt(f[4]);
        if (seq > 0 || kind.carriesNotification()) {
            // The stream hub reads it from the store.
            return new StreamEvent(kind, f[5], null, kind == StreamEvent.Kind.ALL_READ ? 0 : id, seq, count, null);
        }
        // Outside the log (published by the host itself): what the payload holds is all there is.
        return switch (kind) {
            case ALL_READ -> StreamEvent.allRead(f[5], id, count);
            case READ -> StreamEvent.read(f[5], id);
            case DELETED -> StreamEvent.deleted(f[5], id);
            default -> new StreamEvent(kind, f[5], null, id, 0, count, java.util.Map.of("notification_id", id, "count", count));
        };
    }

    private static boolean isResync(String payload) {
        int bar = payload.indexOf('|');
        return bar >= 0 && payload.length() > bar + 1 && payload.charAt(bar + 1) == RESYNC;
    }

    /**
     * The channel for a schema: {@value #CHANNEL} on {@code public}, else one per schema, so two
     * notify installations in two schemas of one database do not hear each other.
     */
    static String channelFor(String schema) {
        if (schema == null || schema.equals("public")) {
            return CHANNEL;
        }
        String name = CHANNEL + "_" + schema;
        if (name.getBytes(StandardCharsets.UTF_8).length <= MAX_IDENTIFIER_BYTES) {
            return name;
        }
        // Identifiers are cut at 63 bytes: keep long schema names apart with a hash.
        UUID hash = UUID.nameUUIDFromBytes(schema.getBytes(StandardCharsets.UTF_8));
        return CHANNEL + "_" + hash.toString().replace("-", "");
    }

    /** {@code "<application name> listener <node>"}, within PostgreSQL's 63 bytes. */
    static String listenerApplicationName(String applicationName, String node) {
        String base = applicationName == null || applicationName.isBlank() ? "notify" : applicationName;
        String suffix = " listener " + node;
        int room = MAX_IDENTIFIER_BYTES - suffix.length();
        while (base.getBytes(StandardCharsets.UTF_8).length > room) {
            base = base.substring(0, base.length() - 1);
        }
        return base + suffix;
    }

    private static String quoteIdentifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    private void pause(Duration d) {
        long until = System.nanoTime() + d.toNanos();
        synchronized (sleeper) {
            long left;
            while (running && (left = until - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(sleeper, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static Duration jitter(Duration d) {
        // 75..125 %: nodes that lost PostgreSQL together do not reconnect in lockstep.
        return Duration.ofMillis((long) (d.toMillis() * ThreadLocalRandom.current().nextDouble(0.75, 1.25)));
    }

    private static void join(Thread t, long millis) {
        if (t == null) {
            return;
        }
        try {
            t.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException | RuntimeException e) {
            log.debug("closing the listening connection failed", e);
        }
    }

    private static Duration positive(String name, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be > 0 but was " + d);
        }
        return d;
    }
}
