package dev.notify;

import dev.notify.internal.JdbiNotificationStore;
import dev.notify.internal.NotifyRuntime;
import dev.notify.internal.NotifyWiring;
import dev.notify.internal.StoreInbox;
import dev.notify.internal.StreamHub;
import dev.notify.internal.pipeline.DeliveryDecider;
import dev.notify.internal.pipeline.SendPipeline;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.outbox.Outbox;
import dev.notify.outbox.OutboxSettings;
import dev.notify.template.TemplateRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;

/**
 * The entry point: stores notifications, serves each recipient's inbox, and streams changes to
 * open connections. Thread-safe; build one per application and {@link #close()} it on shutdown.
 *
 * <pre>{@code
 * try (Notify notify = Notify.builder().jdbcUrl("jdbc:h2:mem:demo").build()) {
 *     notify.send(SendRequest.to("alice").type("task_assigned").title("Review the Q3 report").build());
 *     Inbox inbox = notify.inbox("alice");
 *     inbox.markAllRead();
 * }
 * }</pre>
 */
public final class Notify implements AutoCloseable {
    /** Where the embedded H2 database lives when neither a URL nor a data source is given. */
    public static final Path DEFAULT_DATA_DIRECTORY = Path.of("notify-data");
    /** How often open streams get a keep-alive by default: 30 s, well inside common proxy idle timeouts. */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(30);
    /** Events buffered per connection before it counts as too slow and is closed. */
    public static final int DEFAULT_STREAM_QUEUE_CAPACITY = 256;
    /** Threads that write to stream connections; a blocked socket holds one of them. */
    public static final int DEFAULT_STREAM_WRITER_THREADS = 16;
    /**
     * Most open real-time connections (SSE and WebSocket together) of one recipient on one node: 10.
     * A further one is refused ({@link StreamLimitException}, HTTP 429) rather than closing an
     * older one, so that eleven tabs do not take turns closing each other.
     */
    public static final int DEFAULT_MAX_STREAMS_PER_RECIPIENT = 10;
    /**
     * Open files (sockets included) kept free of streams by the default cap on open streams: that
     * cap is the process's open-file limit less a quarter of it, and less at least this many (256).
     */
    public static final int DEFAULT_RESERVED_FILE_DESCRIPTORS = 256;
    /** Connections in the pool notify creates from a JDBC URL. */
    public static final int DEFAULT_POOL_SIZE = 10;
    /** How long a caller waits for a pooled connection (or a new one) before failing: 30 s, HikariCP's default. */
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(30);
    /** How long a due outbox row may wait before the health check calls the outbox stuck: 10 minutes. */
    public static final Duration DEFAULT_OUTBOX_STUCK_AFTER = Duration.ofMinutes(10);

    private final NotifyRuntime runtime;
    private final JdbiNotificationStore store;
    private final SendPipeline pipeline;
    private final StreamHub hub;
    private final EventBus bus;
    private final Clock clock;
    private final StreamTickets streamTickets;

    private Notify(NotifyRuntime runtime) {
        this.runtime = runtime;
        this.store = runtime.store();
        this.pipeline = runtime.pipeline();
        this.hub = runtime.hub();
        this.bus = runtime.bus();
        this.clock = runtime.settings().clock();
        this.streamTickets = new StreamTickets(store.jdbi());
    }

    /** The send path, for tests that stop a send between chunks. */
    SendPipeline pipeline() {
        return pipeline;
    }

    /** Starts configuring a {@link Notify}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Stores one notification per recipient, then streams each new one to its recipient's open
     * connections. With an idempotency key, recipients that already have a notification under that
     * key get it back unchanged and nothing new is stored for them.
     *
     * <p>Before anything is written: a {@link SendRequest#topic() topic} is resolved to its current
     * members (none: nothing is stored and the result is empty); the recipients' profiles and
     * preferences are read in bulk; a {@link SendRequest#template() template} is rendered in each
     * recipient's locale (the request's, else the directory's, else the template's default), so a
     * rendering error stores nothing; each out-of-band channel is planned per recipient, less
     * opt-outs (unless the template is {@code required}), due after the template's escalation delay
     * (channels that {@linkplain DeliveryChannel#takesEscalation() take escalation}) and after the
     * recipient's quiet hours, or folded into the recipient's digest (channels that
     * {@linkplain DeliveryChannel#takesDigests() take digests}).
     *
     * <p>Transactions: up to 1,000 recipients (any request that names its recipients) are written
     * in one transaction, all or nothing. A topic with more members is written in chunks of 1,000
     * members per transaction, in the order of their user ids, each chunk streamed as soon as it
     * commits; so two broadcasts to one large topic wait for each other a chunk at a time instead of
     * timing out. If the process dies (or the database fails) between two chunks, the members of
     * the committed chunks have the notification and the others do not, and this method has not
     * returned. Give a topic send an {@linkplain SendRequest.Builder#idempotencyKey idempotency key}
     * to make it resumable: sending the same request again with the same key stores the
     * notification for the members that lack it and returns the existing one for the others. Without
     * a key, sending it again stores it a second time for the members who already had it.
     *
     * @throws InvalidRequestException if the request's {@code data} is too large or not JSON; code
     *                                 {@code unknown_template} for a template the registry lacks;
     *                                 {@link dev.notify.template.MissingParametersException} (code
     *                                 {@code missing_parameters}) naming every missing parameter.
     *                                 Then nothing was stored.
     * @throws NotifyException         with code {@code store_unavailable} if the database fails;
     *                                 then the transaction that failed stored nothing (for a large
     *                                 topic, earlier chunks stay stored, as said above)
     */
    public SendResult send(SendRequest request) {
        return pipeline.send(Objects.requireNonNull(request, "request"));
    }

    /**
     * Runs {@code callback} in one database transaction on notify's data source: the host's own
     * statements (on {@link NotifyTransaction#connection()}) and the notifications it sends commit
     * or roll back together. Streams and outbox workers learn of the notifications only after the
     * commit. Jdbi's {@code inTransaction} pattern.
     *
     * <pre>{@code
     * long orderId = notify.inTransaction(tx -> {
     *     long id = orders.insert(tx.connection(), order);
     *     tx.send(SendRequest.to("manager").type("new_order").title("Order " + id).build());
     *     return id;
     * });
     * }</pre>
     *
     * @return what the callback returned
     * @throws X whatever the callback threw; the transaction was rolled back
     */
    public <T, X extends Exception> T inTransaction(TransactionCallback<T, X> callback) throws X {
        List<JdbiNotificationStore.Sent> sends = new ArrayList<>();
        T result = store.jdbi().inTransaction(handle -> callback.apply(new Tx(handle, sends)));
        pipeline.afterCommit(sends);
        return result;
    }

    /** As {@link #inTransaction}, for callbacks that return nothing. */
    public <X extends Exception> void useTransaction(TransactionConsumer<X> callback) throws X {
        inTransaction(tx -> {
            callback.accept(tx);
            return null;
        });
    }

    /** A callback run inside {@link #inTransaction}. */
    @FunctionalInterface
    public interface TransactionCallback<T, X extends Exception> {
        T apply(NotifyTransaction tx) throws X;
    }

    /** A callback run inside {@link #useTransaction}. */
    @FunctionalInterface
    public interface TransactionConsumer<X extends Exception> {
        void accept(NotifyTransaction tx) throws X;
    }

    /** An open transaction of {@link #inTransaction}. */
    public interface NotifyTransaction {
        /** The transaction's JDBC connection, for the host's own statements. Do not commit or close it. */
        Connection connection();

        /** As {@link Notify#send}, inside this transaction. */
        SendResult send(SendRequest request);
    }

    private final class Tx implements NotifyTransaction {
        private final Handle handle;
        private final List<JdbiNotificationStore.Sent> sends;

        Tx(Handle handle, List<JdbiNotificationStore.Sent> sends) {
            this.handle = handle;
            this.sends = sends;
        }

        @Override
        public Connection connection() {
            return handle.getConnection();
        }

        @Override
        public SendResult send(SendRequest request) {
            JdbiNotificationStore.Sent sent = pipeline.sendIn(handle, Objects.requireNonNull(request, "request"));
            sends.add(sent);
            return sent.result();
        }
    }

    /**
     * The name of the template digest emails are rendered from; a built-in one when the registry
     * has none. Its parameters: {@code category}, {@code frequency}, {@code count},
     * {@code period_end} and {@code items}, a list of {@code id, type, title, message, link,
     * created_at}, oldest first.
     */
    public static final String DIGEST_TEMPLATE = DeliveryDecider.DIGEST_TEMPLATE;

    /** The outbox: what waits, what is dead, and retrying it. */
    public Outbox outbox() {
        return runtime.outbox();
    }

    /** The configured out-of-band channels by name (e.g. {@code email}, {@code push}). */
    public Map<String, DeliveryChannel> channels() {
        return runtime.settings().channels();
    }

    /** The configured channel of the given class, if any. */
    public <C extends DeliveryChannel> Optional<C> channel(Class<C> type) {
        return channels().values().stream().filter(type::isInstance).map(type::cast).findFirst();
    }

    /** Recipient profiles stored in notify's database (the default {@link RecipientDirectory}). */
    public RecipientProfiles recipients() {
        return runtime.profiles();
    }

    /** Channel opt-outs per recipient and notification type or category, quiet hours, digests. */
    public Preferences preferences() {
        return runtime.preferences();
    }

    /** Topics and their members, for {@link SendRequest#toTopic(String)}. */
    public Topics topics() {
        return runtime.topics();
    }

    /** Single-use stream tickets, shared by every node on the same database. */
    public StreamTickets streamTickets() {
        return streamTickets;
    }

    /** The templates sends may name; empty unless {@link Builder#templates} was set. */
    public TemplateRegistry templates() {
        return runtime.settings().templates();
    }

    /**
     * Deletes what retention allows: delivered, closed and dead outbox rows past their retention,
     * and notifications read longer ago than {@link OutboxSettings#readNotificationRetention()}
     * (inbox changes kept for stream replay and action records too), and expired notifications.
     * Runs every {@link OutboxSettings#housekeepingInterval()}; call it to run now.
     */
    public Housekeeping housekeep() {
        NotifyRuntime.Swept swept = runtime.housekeep();
        return new Housekeeping(swept.outboxRows(), swept.notifications());
    }

    /** What one {@link #housekeep()} run deleted. */
    public record Housekeeping(int outboxRowsDeleted, int notificationsDeleted) {
    }

    /**
     * The inbox of one recipient: every call on it reads or changes that recipient's
     * notifications only.
     *
     * @param recipient the user id
     * @throws InvalidRequestException if the recipient is blank or too long
     */
    public Inbox inbox(String recipient) {
        InputRules.text("recipient", recipient);
        if (recipient == null || recipient.isBlank() || recipient.length() > Limits.RECIPIENT_MAX) {
            throw InvalidRequestException.field("recipient", "must be 1 to " + Limits.RECIPIENT_MAX + " characters");
        }
        return new StoreInbox(store, bus, clock, recipient, runtime.settings().actionListener(), runtime.snoozes()::wake);
    }

    /**
     * Opens a real-time connection for one recipient. If {@code options} resumes after a sequence,
     * every stored notification after it is written first, in order; then live changes follow,
     * with no gap and no duplicate between the two. A live-only connection receives every
     * notification committed after this call returns.
     *
     * @param recipient the user id whose changes the sink receives
     * @param sink      the transport, called from one writer thread at a time
     * @return a handle to close the connection or read its state
     * @throws NotifyException with code {@code store_unavailable} if the database cannot be read;
     *                         the sink has then been closed
     * @throws StreamLimitException if the recipient, or this node, already holds as many open
     *                              connections as allowed ({@link Builder#maxStreamsPerRecipient},
     *                              {@link Builder#maxOpenStreams}); the sink has then been closed
     */
    public StreamConnection openStream(String recipient, StreamSink sink, StreamOptions options) {
        inbox(recipient); // validates the recipient
        return hub.open(recipient, Objects.requireNonNull(sink, "sink"), Objects.requireNonNull(options, "options"));
    }

    /**
     * Throws what {@link #openStream} would throw now if a cap on open streams refused {@code
     * recipient}'s next one, for transports that must answer before they can open the stream (a
     * WebSocket upgrade). {@link #openStream} checks again, atomically.
     *
     * @throws StreamLimitException if the recipient or this node holds as many streams as allowed
     */
    public void checkStreamCapacity(String recipient) {
        hub.checkCapacity(recipient);
    }

    /** The recipient's open real-time connections on this node. */
    public List<StreamConnection> streams(String recipient) {
        return hub.connections(recipient);
    }

    /**
     * Closes the recipient's open real-time connections on this node.
     *
     * @return how many were closed
     */
    public int closeStreams(String recipient, String reason) {
        return hub.closeAll(recipient, reason);
    }

    /**
     * The cap on open streams when none is set: the process's open-file limit ({@code ulimit -n},
     * as the JVM reports it) less {@link #DEFAULT_RESERVED_FILE_DESCRIPTORS} or a quarter of it,
     * whichever is more, so that the database, the API and health checks always find a free
     * descriptor. {@link Integer#MAX_VALUE} where the limit is unknown (not Unix).
     */
    public static int defaultMaxOpenStreams() {
        return dev.notify.internal.FileDescriptors.budget(dev.notify.internal.FileDescriptors.limit(),
                DEFAULT_RESERVED_FILE_DESCRIPTORS);
    }

    /**
     * Closes every open real-time connection on this node with the reason
     * {@code "server shutting down"}: SSE streams get a last {@code shutdown} event with a
     * {@code retry:} hint, WebSockets a 1001 close.
     *
     * @return how many were closed
     */
    public int closeAllStreams() {
        return hub.closeEverything("server shutting down");
    }

    /** Open real-time connections on this node, all recipients. */
    public int openStreamCount() {
        return hub.openConnections();
    }

    /** The clock that stamps notifications and read times. */
    public Clock clock() {
        return clock;
    }

    /** Which database this instance uses, without credentials, for start-up messages. */
    public String databaseDescription() {
        return runtime.databaseDescription();
    }

    /** The registry given to {@link Builder#meterRegistry}, if any; the server adds its own meters to it. */
    public Optional<io.micrometer.core.instrument.MeterRegistry> meterRegistry() {
        return Optional.ofNullable(runtime.settings().meterRegistry());
    }

    /**
     * Whether this node can do its work now: the database answers a query within
     * {@code timeout}; on PostgreSQL the event bus's listening connection is up; and no outbox row
     * has waited past its due time for longer than {@link Builder#outboxStuckAfter} (workers
     * stopped, or a channel failing every batch without recording it). Never throws.
     *
     * @param timeout how long the database may take to answer, at least 1 s
     */
    public Health health(Duration timeout) {
        return runtime.health(timeout);
    }

    /**
     * Begins a shutdown, bounded by {@code timeout}: the outbox workers claim nothing more, finish
     * the batch a channel is delivering and release the rest of their claims (so another node
     * delivers them at once, without waiting for the leases to expire). Then {@link #close()}
     * closes the streams, the bus and the pool.
     *
     * @return true if the workers stopped within {@code timeout}; if not, their claims expire with the lease
     */
    public boolean drainOutbox(Duration timeout) {
        return runtime.outbox().drain(timeout);
    }

    /**
     * The first step of {@link #drainOutbox}, without waiting: the outbox workers claim nothing
     * more, and what they have claimed but not started goes back at once.
     */
    public void stopOutbox() {
        runtime.outbox().stopClaiming();
    }

    /** Closes open streams, the event bus, and the connection pool notify created (if any). */
    @Override
    public void close() {
        runtime.close();
    }

    /**
     * Configures a {@link Notify}. Every setting has a default: with none, notify uses an H2 file
     * database in {@code ./notify-data}.
     */
    public static final class Builder {
        private DataSource dataSource;
        private String jdbcUrl;
        private Path dataDirectory = DEFAULT_DATA_DIRECTORY;
        private boolean dataDirectorySet;
        private int poolSize = DEFAULT_POOL_SIZE;
        private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
        private Clock clock = Clock.systemUTC();
        private EventBus eventBus;
        private Duration heartbeat = DEFAULT_HEARTBEAT;
        private int streamQueueCapacity = DEFAULT_STREAM_QUEUE_CAPACITY;
        private int streamWriterThreads = DEFAULT_STREAM_WRITER_THREADS;
        private int maxStreamsPerRecipient = DEFAULT_MAX_STREAMS_PER_RECIPIENT;
        /** 0: {@link #defaultMaxOpenStreams()}. */
        private int maxOpenStreams;
        private Duration maxStreamDuration;
        private final Map<String, DeliveryChannel> channels = new LinkedHashMap<>();
        private RecipientDirectory directory;
        private OutboxSettings outboxSettings = OutboxSettings.ofDefaults();
        private TemplateRegistry templates = TemplateRegistry.builder().build();
        private io.micrometer.core.instrument.MeterRegistry meterRegistry;
        private Duration outboxStuckAfter = DEFAULT_OUTBOX_STUCK_AFTER;
        private ActionListener actionListener = ActionListener.NONE;

        /**
         * Told of each callback action the first time a recipient performs it (default
         * {@link ActionListener#NONE}).
         */
        public Builder onAction(ActionListener listener) {
            this.actionListener = java.util.Objects.requireNonNull(listener, "listener");
            return this;
        }
        /** Null: on for PostgreSQL, off for H2. */
        private Boolean groupCommit;

        private Builder() {
        }

        /**
         * Records notify's meters (listed in {@link NotifyMeters}) on {@code registry}. Without
         * one (the default) nothing is measured.
         */
        public Builder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * How long a due outbox row may wait before {@link Notify#health} reports the outbox as
         * stuck; default 10 minutes.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder outboxStuckAfter(Duration bound) {
            this.outboxStuckAfter = NotifyWiring.positive("outboxStuckAfter", bound);
            return this;
        }

        /**
         * Whether concurrent {@link Notify#send} calls share database transactions (group commit).
         * Default: on for PostgreSQL, where each commit waits for its write-ahead log flush and
         * sharing one pays off; off for H2, where a commit is a file write without {@code fsync} and
         * sharing it gained nothing measurable. Calls that arrive together (while one group commits, or within about 1 ms of
         * each other) are written in one transaction and committed once, so a burst pays one commit
         * instead of one per call. Each call still returns only after its notification committed,
         * with its own result; a call that fails (bad input, a constraint its row violates) fails
         * alone and the others are stored. Requests naming more than 100 recipients or a topic, and
         * sends inside {@link Notify#inTransaction}, always use transactions of their own.
         */
        public Builder groupCommit(boolean enabled) {
            this.groupCommit = enabled;
            return this;
        }

        /** The templates that {@link SendRequest.Builder#template sends} may name; default none. */
        public Builder templates(TemplateRegistry templates) {
            this.templates = Objects.requireNonNull(templates, "templates");
            return this;
        }

        /**
         * Adds an out-of-band channel (email, Web Push). Each notification then gets one outbox row
         * per destination the channel names.
         *
         * @throws IllegalArgumentException if a channel of the same name was added already
         */
        public Builder channel(DeliveryChannel channel) {
            Objects.requireNonNull(channel, "channel");
            if (channels.putIfAbsent(channel.name(), channel) != null) {
                throw new IllegalArgumentException("a channel named '" + channel.name() + "' is already configured");
            }
            return this;
        }

        /**
         * Where email addresses, names, locales and time zones come from; default the profiles
         * kept in notify's database ({@link Notify#recipients()}).
         */
        public Builder recipientDirectory(RecipientDirectory directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Outbox workers, retries and retention; default {@link OutboxSettings#ofDefaults()}. */
        public Builder outbox(OutboxSettings settings) {
            this.outboxSettings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /**
         * Uses the host application's data source; notify creates its tables (prefixed
         * {@code notify_}, with their own migration history) there and never closes it.
         */
        public Builder dataSource(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            return this;
        }

        /**
         * A JDBC URL ({@code jdbc:h2:...} or {@code jdbc:postgresql://...}); notify pools it with
         * HikariCP and closes the pool on {@link Notify#close()}.
         *
         * <p>An embedded H2 file URL (and the default database) gets {@code ;WRITE_DELAY=0} unless
         * it sets {@code WRITE_DELAY} itself: every commit is written to the file before it returns,
         * so a send that returned survives {@code kill -9} of the process. It is not {@code fsync}ed,
         * so a power loss can still lose the last commits; use PostgreSQL (with its default
         * {@code synchronous_commit = on}) where that matters. A host's own {@link #dataSource}
         * is left as it is, with a warning at start if it is an H2 file database that writes late.
         */
        public Builder jdbcUrl(String jdbcUrl) {
            this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
            return this;
        }

        /**
         * Directory for the default embedded H2 database, and for the outbox's node id file
         * ({@code node-id}: a node started again on the same directory takes back at once the outbox
         * rows its previous run was delivering); default {@code ./notify-data}.
         */
        public Builder dataDirectory(Path dataDirectory) {
            this.dataDirectory = Objects.requireNonNull(dataDirectory, "dataDirectory");
            this.dataDirectorySet = true;
            return this;
        }

        /** Pool size when notify pools a JDBC URL; default {@value Notify#DEFAULT_POOL_SIZE}. */
        public Builder poolSize(int poolSize) {
            this.poolSize = NotifyWiring.atLeast("poolSize", poolSize, 1);
            return this;
        }

        /**
         * How long a caller waits for a connection when notify pools a JDBC URL (HikariCP's
         * {@code connectionTimeout}); also the connect timeout of the PostgreSQL listening
         * connection. Default 30 s; at least 250 ms.
         */
        public Builder connectionTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.toMillis() < 250) {
                throw new IllegalArgumentException("connectionTimeout must be >= 250 ms but was " + timeout);
            }
            this.connectionTimeout = timeout;
            return this;
        }

        /** The clock for created and read times; tests pass a fixed or movable one. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The bus that carries changes to stream hubs. Default: on PostgreSQL
         * {@link EventBus#postgres()}, so that every node sharing the database streams every change;
         * otherwise in-process ({@link EventBus#local()}). A single node on PostgreSQL may choose
         * {@link EventBus#local()} to save the listening connection and the NOTIFY statements.
         */
        public Builder eventBus(EventBus eventBus) {
            this.eventBus = Objects.requireNonNull(eventBus, "eventBus");
            return this;
        }

        /**
         * Default keep-alive interval for open streams; default 30 s. A connection gets a
         * keep-alive only after a whole interval without any write, and intervals are rounded up
         * to the hub's 50 ms tick.
         *
         * @throws IllegalArgumentException if {@code heartbeat} is zero or negative
         */
        public Builder heartbeat(Duration heartbeat) {
            this.heartbeat = NotifyWiring.positive("heartbeat", heartbeat);
            return this;
        }

        /** Events buffered per stream connection before it is closed as too slow; default 256. */
        public Builder streamQueueCapacity(int capacity) {
            this.streamQueueCapacity = NotifyWiring.atLeast("streamQueueCapacity", capacity, 1);
            return this;
        }

        /**
         * Most open real-time connections of one recipient on this node; default
         * {@value #DEFAULT_MAX_STREAMS_PER_RECIPIENT}. {@link #openStream} refuses one more with
         * {@link StreamLimitException} ({@code PER_RECIPIENT}); existing connections stay open.
         *
         * @throws IllegalArgumentException if {@code max < 1}
         */
        public Builder maxStreamsPerRecipient(int max) {
            this.maxStreamsPerRecipient = NotifyWiring.atLeast("maxStreamsPerRecipient", max, 1);
            return this;
        }

        /**
         * Most open real-time connections on this node, all recipients together; default
         * {@link #defaultMaxOpenStreams()}, kept below the process's open-file limit. Each open
         * stream holds one socket. {@link #openStream} refuses one more with
         * {@link StreamLimitException} ({@code TOTAL}).
         *
         * @throws IllegalArgumentException if {@code max < 1}
         */
        public Builder maxOpenStreams(int max) {
            this.maxOpenStreams = NotifyWiring.atLeast("maxOpenStreams", max, 1);
            return this;
        }

        /**
         * How long one real-time connection may stay open before the hub closes it (its client
         * reconnects with its last event id and misses nothing); null, the default, for no limit.
         * Useful to spread long-lived connections over nodes behind a load balancer.
         *
         * @throws IllegalArgumentException if {@code duration} is zero or negative
         */
        public Builder maxStreamDuration(Duration duration) {
            if (duration != null && (duration.isZero() || duration.isNegative())) {
                throw new IllegalArgumentException("maxStreamDuration must be > 0 but was " + duration);
            }
            this.maxStreamDuration = duration;
            return this;
        }

        /** Threads writing to stream connections; default 16. */
        public Builder streamWriterThreads(int threads) {
            this.streamWriterThreads = NotifyWiring.atLeast("streamWriterThreads", threads, 1);
            return this;
        }

        /**
         * Connects, migrates the schema and starts the stream hub.
         *
         * @throws IllegalStateException if more than one channel {@linkplain DeliveryChannel#takesDigests()
         *                               takes digests}, or both a data source and a JDBC URL were set
         * @throws NotifyException with code {@code store_unavailable} if the database cannot be
         *                         reached or migrated
         */
        public Notify build() {
            NotifyRuntime.checkChannels(channels);
            // The data directory holds the node id when it is used (set, or the embedded H2 there).
            Path nodeDirectory = dataDirectorySet || (dataSource == null && jdbcUrl == null) ? dataDirectory : null;
            var settings = new NotifyRuntime.Settings(clock, directory, templates, channels, outboxSettings,
                    meterRegistry, outboxStuckAfter, streamQueueCapacity, heartbeat, streamWriterThreads,
                    maxStreamsPerRecipient, maxOpenStreams > 0 ? maxOpenStreams : defaultMaxOpenStreams(),
                    maxStreamDuration, nodeDirectory, groupCommit, actionListener);
            NotifyWiring.Database db = NotifyWiring.connect(dataSource, jdbcUrl, dataDirectory, poolSize,
                    connectionTimeout, eventBus);
            try {
                return new Notify(new NotifyRuntime(settings, db));
            } catch (RuntimeException e) {
                db.closeAfterFailedStart();
                throw e instanceof NotifyException ne ? ne : new NotifyException("store_unavailable",
                        "cannot set up " + db.description() + ": " + e.getMessage(), e);
            }
        }

        /** A JDBC URL with the values of {@code password=} / {@code pwd=} parameters masked. */
        static String redact(String url) {
            return NotifyWiring.redact(url);
        }
    }
}
