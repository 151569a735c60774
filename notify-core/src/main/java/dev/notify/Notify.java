package dev.notify;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.notify.internal.JdbiNotificationStore;
import dev.notify.internal.StreamHub;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final Logger log = LoggerFactory.getLogger(Notify.class);

    /** Where the embedded H2 database lives when neither a URL nor a data source is given. */
    public static final Path DEFAULT_DATA_DIRECTORY = Path.of("notify-data");
    /** How often open streams get a keep-alive by default: 30 s, as the seeds' clients expect. */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(30);
    /** Events buffered per connection before it counts as too slow and is closed. */
    public static final int DEFAULT_STREAM_QUEUE_CAPACITY = 256;
    /** Threads that write to stream connections; a blocked socket holds one of them. */
    public static final int DEFAULT_STREAM_WRITER_THREADS = 16;
    /** Connections in the pool notify creates from a JDBC URL. */
    public static final int DEFAULT_POOL_SIZE = 10;

    private final JdbiNotificationStore store;
    private final StreamHub hub;
    private final EventBus bus;
    private final Clock clock;
    private final String databaseDescription;
    private final AutoCloseable ownedDataSource;

    private Notify(Builder b, DataSource dataSource, String databaseDescription, AutoCloseable ownedDataSource) {
        this.clock = b.clock;
        this.bus = b.eventBus;
        this.databaseDescription = databaseDescription;
        this.ownedDataSource = ownedDataSource;
        JdbiNotificationStore.migrate(dataSource);
        this.store = new JdbiNotificationStore(dataSource);
        this.hub = new StreamHub(store, clock, b.streamQueueCapacity, b.heartbeat, b.streamWriterThreads);
        bus.subscribe(hub::onEvent);
    }

    /** Starts configuring a {@link Notify}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Stores one notification per recipient in one transaction, then streams each new one to its
     * recipient's open connections. With an idempotency key, recipients that already have a
     * notification under that key get it back unchanged and nothing new is stored for them.
     *
     * @throws InvalidRequestException if the request's {@code data} is too large or not JSON
     * @throws NotifyException         with code {@code store_unavailable} if the database fails;
     *                                 then nothing was stored
     */
    public SendResult send(SendRequest request) {
        Objects.requireNonNull(request, "request");
        JdbiNotificationStore.Sent sent = store.send(request, clock.instant());
        for (Notification n : sent.created()) {
            bus.publish(StreamEvent.created(n));
        }
        return sent.result();
    }

    /**
     * The inbox of one recipient: every call on it reads or changes that recipient's
     * notifications only.
     *
     * @param recipient the user id
     * @throws InvalidRequestException if the recipient is blank or too long
     */
    public Inbox inbox(String recipient) {
        if (recipient == null || recipient.isBlank() || recipient.length() > Limits.RECIPIENT_MAX) {
            throw InvalidRequestException.field("recipient", "must be 1 to " + Limits.RECIPIENT_MAX + " characters");
        }
        return new RecipientInbox(recipient);
    }

    /**
     * Opens a real-time connection for one recipient. If {@code options} resumes after a sequence,
     * every stored notification after it is written first, in order; then live changes follow,
     * with no gap and no duplicate between the two.
     *
     * @param recipient the user id whose changes the sink receives
     * @param sink      the transport, called from one writer thread at a time
     * @return a handle to close the connection or read its state
     */
    public StreamConnection openStream(String recipient, StreamSink sink, StreamOptions options) {
        inbox(recipient); // validates the recipient
        return hub.open(recipient, Objects.requireNonNull(sink, "sink"), Objects.requireNonNull(options, "options"));
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
        return databaseDescription;
    }

    /** Closes open streams, the event bus, and the connection pool notify created (if any). */
    @Override
    public void close() {
        hub.close();
        try {
            bus.close();
        } catch (Exception e) {
            log.warn("closing the event bus failed", e);
        }
        if (ownedDataSource != null) {
            try {
                ownedDataSource.close();
            } catch (Exception e) {
                log.warn("closing the connection pool failed", e);
            }
        }
    }

    private final class RecipientInbox implements Inbox {
        private final String recipient;

        RecipientInbox(String recipient) {
            this.recipient = recipient;
        }

        @Override
        public String recipient() {
            return recipient;
        }

        @Override
        public Page list(InboxQuery query) {
            return store.list(recipient, Objects.requireNonNull(query, "query"));
        }

        @Override
        public long unreadCount() {
            return store.unreadCount(recipient);
        }

        @Override
        public Notification get(long id) {
            return store.get(recipient, id);
        }

        @Override
        public Notification markRead(long id) {
            JdbiNotificationStore.Marked marked = store.markRead(recipient, id, clock.instant());
            if (marked.changed()) {
                bus.publish(StreamEvent.read(recipient, id));
            }
            return marked.notification();
        }

        @Override
        public int markAllRead() {
            JdbiNotificationStore.AllRead done = store.markAllRead(recipient, clock.instant());
            if (done.count() > 0) {
                bus.publish(StreamEvent.allRead(recipient, done.upToSeq(), done.count()));
            }
            return done.count();
        }

        @Override
        public void delete(long id) {
            store.delete(recipient, id);
            bus.publish(StreamEvent.deleted(recipient, id));
        }
    }

    /**
     * Configures a {@link Notify}. Every setting has a default: with none, notify uses an H2 file
     * database in {@code ./notify-data}.
     */
    public static final class Builder {
        private DataSource dataSource;
        private String jdbcUrl;
        private Path dataDirectory = DEFAULT_DATA_DIRECTORY;
        private int poolSize = DEFAULT_POOL_SIZE;
        private Clock clock = Clock.systemUTC();
        private EventBus eventBus;
        private Duration heartbeat = DEFAULT_HEARTBEAT;
        private int streamQueueCapacity = DEFAULT_STREAM_QUEUE_CAPACITY;
        private int streamWriterThreads = DEFAULT_STREAM_WRITER_THREADS;

        private Builder() {
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
         */
        public Builder jdbcUrl(String jdbcUrl) {
            this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
            return this;
        }

        /** Directory for the default embedded H2 database; default {@code ./notify-data}. */
        public Builder dataDirectory(Path dataDirectory) {
            this.dataDirectory = Objects.requireNonNull(dataDirectory, "dataDirectory");
            return this;
        }

        /** Pool size when notify pools a JDBC URL; default {@value Notify#DEFAULT_POOL_SIZE}. */
        public Builder poolSize(int poolSize) {
            if (poolSize < 1) {
                throw new IllegalArgumentException("poolSize must be >= 1 but was " + poolSize);
            }
            this.poolSize = poolSize;
            return this;
        }

        /** The clock for created and read times; tests pass a fixed or movable one. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The bus that carries changes to stream hubs; default in-process ({@link EventBus#local()}). */
        public Builder eventBus(EventBus eventBus) {
            this.eventBus = Objects.requireNonNull(eventBus, "eventBus");
            return this;
        }

        /** Default keep-alive interval for open streams; default 30 s. */
        public Builder heartbeat(Duration heartbeat) {
            Objects.requireNonNull(heartbeat, "heartbeat");
            if (heartbeat.isNegative() || heartbeat.isZero()) {
                throw new IllegalArgumentException("heartbeat must be > 0 but was " + heartbeat);
            }
            this.heartbeat = heartbeat;
            return this;
        }

        /** Events buffered per stream connection before it is closed as too slow; default 256. */
        public Builder streamQueueCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("streamQueueCapacity must be >= 1 but was " + capacity);
            }
            this.streamQueueCapacity = capacity;
            return this;
        }

        /** Threads writing to stream connections; default 16. */
        public Builder streamWriterThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("streamWriterThreads must be >= 1 but was " + threads);
            }
            this.streamWriterThreads = threads;
            return this;
        }

        /**
         * Connects, migrates the schema and starts the stream hub.
         *
         * @throws NotifyException with code {@code store_unavailable} if the database cannot be
         *                         reached or migrated
         */
        public Notify build() {
            if (dataSource != null && jdbcUrl != null) {
                throw new IllegalStateException("set either dataSource or jdbcUrl, not both");
            }
            if (eventBus == null) {
                eventBus = EventBus.local();
            }
            if (dataSource != null) {
                return new Notify(this, dataSource, "application data source", null);
            }
            String url = jdbcUrl != null ? jdbcUrl
                    : "jdbc:h2:file:" + dataDirectory.resolve("notify").toAbsolutePath();
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url);
            config.setMaximumPoolSize(poolSize);
            config.setPoolName("notify");
            HikariDataSource pool;
            try {
                pool = new HikariDataSource(config);
            } catch (RuntimeException e) {
                throw new NotifyException("store_unavailable", "cannot connect to " + redact(url) + ": " + e.getMessage(), e);
            }
            try {
                return new Notify(this, pool, redact(url), pool);
            } catch (RuntimeException e) {
                pool.close();
                throw e instanceof NotifyException ne ? ne
                        : new NotifyException("store_unavailable", "cannot set up " + redact(url) + ": " + e.getMessage(), e);
            }
        }

        /** A JDBC URL without its query string or password parameters. */
        static String redact(String url) {
            return url.replaceAll("(?i)(password|pwd)=[^;&]*", "$1=***");
        }
    }
}
