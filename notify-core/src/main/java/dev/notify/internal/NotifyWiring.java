package dev.notify.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.notify.EventBus;
import dev.notify.NotifyException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code Notify.Builder.build()} connects before notify starts: the data source (the host's,
 * or a HikariCP pool over a JDBC URL, by default an H2 file database), the event bus (PostgreSQL's
 * LISTEN/NOTIFY bus on PostgreSQL, else in-process) and the bus's listening connection.
 */
public final class NotifyWiring {
    private static final Logger log = LoggerFactory.getLogger(NotifyWiring.class);

    /**
     * A connected database and its bus, ready for notify to start on.
     *
     * @param dataSource  what notify reads and writes through
     * @param description the database without credentials, for start-up messages
     * @param owned       the pool notify created and closes on shutdown, or null for the host's
     * @param bus         the event bus, started
     * @param defaultBus  whether the bus is notify's default (closed by notify) rather than the caller's
     */
    public record Database(DataSource dataSource, String description, AutoCloseable owned, EventBus bus,
                           boolean defaultBus) {
        /** Undoes {@link #connect} when notify failed to start on it. */
        public void closeAfterFailedStart() {
            if (defaultBus) {
                bus.close();
            }
            if (owned != null) {
                try {
                    owned.close();
                } catch (Exception e) {
                    log.warn("closing the connection pool failed", e);
                }
            }
        }
    }

    private NotifyWiring() {
    }

    /**
     * The JDBC URL notify pools: the given one, else the embedded H2 file database
     * {@code <dataDirectory>/notify}.
     */
    public static String jdbcUrl(String jdbcUrl, Path dataDirectory) {
        return jdbcUrl != null ? jdbcUrl : "jdbc:h2:file:" + dataDirectory.resolve("notify").toAbsolutePath();
    }

    /**
     * Connects the host's data source, or pools {@code jdbcUrl} (see {@link #jdbcUrl}), and starts
     * the event bus: {@code chosenBus} if not null, else the database's default.
     *
     * @throws NotifyException with code {@code store_unavailable} if the database cannot be reached
     */
    public static Database connect(DataSource hostDataSource, String jdbcUrl, Path dataDirectory, int poolSize,
                                   Duration connectionTimeout, EventBus chosenBus) {
        if (hostDataSource != null && jdbcUrl != null) {
            throw new IllegalStateException("set either dataSource or jdbcUrl, not both");
        }
        if (hostDataSource != null) {
            EventBus bus = chosenBus != null ? chosenBus : busFor(hostDataSource);
            DataSource autoCommit = new AutoCommitDataSource(hostDataSource);
            H2Durability.warnIfDelayed(autoCommit, "application data source");
            H2Recovery.finishCommittedLeftovers(autoCommit, "application data source");
            start(bus, autoCommit, autoCommit::getConnection);
            return new Database(autoCommit, "application data source", null, bus, chosenBus == null);
        }
        // An embedded H2 file database writes each commit before it returns, so that a send that
        // returned survives a crash of the process (H2Durability says what holds on power loss).
        String url = H2Durability.withDurableCommits(jdbcUrl(jdbcUrl, dataDirectory));
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(poolSize);
        config.setConnectionTimeout(connectionTimeout.toMillis());
        config.setPoolName("notify");
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new NotifyException("store_unavailable", "cannot connect to " + redact(url) + ": " + e.getMessage(), e);
        }
        try {
            EventBus bus = chosenBus != null ? chosenBus
                    : url.startsWith("jdbc:postgresql:") ? EventBus.postgres() : EventBus.local();
            H2Durability.warnIfDelayed(pool, redact(url));
            // Before anything reads or writes: a send cut short by a crash inside its commit is
            // otherwise partly invisible and blocks its own retry (see H2Recovery).
            H2Recovery.finishCommittedLeftovers(pool, redact(url));
            start(bus, pool, () -> listeningConnection(url, connectionTimeout));
            return new Database(pool, redact(url), pool, bus, chosenBus == null);
        } catch (RuntimeException e) {
            pool.close();
            throw e instanceof NotifyException ne ? ne
                    : new NotifyException("store_unavailable", "cannot set up " + redact(url) + ": " + e.getMessage(), e);
        }
    }

    private static void start(EventBus bus, DataSource ds, PostgresEventBus.ConnectionFactory listening) {
        if (bus instanceof PostgresEventBus pg) {
            pg.start(ds, listening);
        }
    }

    /** The default bus on a host's data source: PostgreSQL's when the driver allows LISTEN. */
    private static EventBus busFor(DataSource ds) {
        try (Connection c = ds.getConnection()) {
            if (!"PostgreSQL".equalsIgnoreCase(c.getMetaData().getDatabaseProductName())) {
                return EventBus.local();
            }
            if (c.isWrapperFor(org.postgresql.PGConnection.class)) {
                return EventBus.postgres();
            }
            log.warn("the data source's connections do not unwrap to pgjdbc's PGConnection; streams reach"
                    + " clients of this node only (set eventBus(...) to choose)");
            return EventBus.local();
        } catch (SQLException e) {
            throw new NotifyException("store_unavailable", "cannot connect to the application data source: "
                    + e.getMessage(), e);
        }
    }

    /** A connection of its own for LISTEN, outside the pool: it is held for the node's lifetime. */
    private static Connection listeningConnection(String url, Duration connectionTimeout) throws SQLException {
        Properties defaults = new Properties();
        // Parameters in the URL win over these.
        defaults.setProperty("connectTimeout", Long.toString(Math.max(1, connectionTimeout.toSeconds())));
        defaults.setProperty("tcpKeepAlive", "true");
        return DriverManager.getConnection(url, defaults);
    }

    /** A JDBC URL with the values of {@code password=} / {@code pwd=} parameters masked. */
    public static String redact(String url) {
        return url.replaceAll("(?i)(password|pwd)=[^;&]*", "$1=***");
    }

    /**
     * A builder's count setting, checked.
     *
     * @throws IllegalArgumentException naming the setting and the bad value if {@code value < min}
     */
    public static int atLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be >= " + min + " but was " + value);
        }
        return value;
    }

    /**
     * A builder's duration setting, checked.
     *
     * @throws IllegalArgumentException naming the setting and the bad value if not positive
     */
    public static Duration positive(String name, Duration value) {
        java.util.Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be > 0 but was " + value);
        }
        return value;
    }
}
