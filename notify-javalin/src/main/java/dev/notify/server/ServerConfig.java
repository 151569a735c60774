package dev.notify.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;

/**
 * The standalone server's settings, read from environment variables with the {@code NOTIFY_}
 * prefix. Immutable; {@link #fromEnvironment(Map)} validates every value and names the variable
 * when one is wrong.
 *
 * <ul>
 *   <li>{@code NOTIFY_PORT} — HTTP port, default {@value #DEFAULT_PORT} (0 picks a free one)</li>
 *   <li>{@code NOTIFY_HOST} — interface to bind, default all</li>
 *   <li>{@code NOTIFY_DATA_DIR} — where the embedded database and generated secrets live,
 *       default {@code ./notify-data}</li>
 *   <li>{@code NOTIFY_DB_URL} — a JDBC URL; default an H2 file database in the data directory</li>
 *   <li>{@code NOTIFY_JWT_SECRET} — HS256 secret (at least 32 bytes); default a random secret
 *       generated once and kept in {@code <data dir>/jwt-secret}</li>
 *   <li>{@code NOTIFY_HEARTBEAT_SECONDS} — SSE keep-alive interval, default 30</li>
 *   <li>{@code NOTIFY_DB_POOL_SIZE} — database connections per node, default
 *       {@value dev.notify.Notify#DEFAULT_POOL_SIZE} (PostgreSQL: one more is held for LISTEN)</li>
 *   <li>{@code NOTIFY_DB_CONNECTION_TIMEOUT_SECONDS} — how long a request waits for a database
 *       connection before failing, default 30</li>
 *   <li>{@code NOTIFY_EVENT_BUS} — {@code auto} (default: PostgreSQL {@code LISTEN/NOTIFY} when
 *       {@code NOTIFY_DB_URL} is PostgreSQL, so that several nodes share one database; else
 *       in-process), {@code local} or {@code postgres}</li>
 *   <li>{@code NOTIFY_WS_PING_SECONDS} — how often each WebSocket is pinged, default 15</li>
 *   <li>{@code NOTIFY_HTTP_MAX_THREADS} — most threads of the HTTP server's pool, at least
 *       {@value #MIN_HTTP_THREADS}, default {@value #DEFAULT_HTTP_MAX_THREADS}. An open SSE stream
 *       or WebSocket holds no thread; requests beyond the pool wait in its queue. Without a cap a
 *       burst of connections grows the pool to hundreds of threads, each with its own stack.</li>
 *   <li>limits on streams and connections and their timeouts: see {@link StreamSettings}</li>
 * </ul>
 *
 * @param port          HTTP port
 * @param host          bind address, or null for all interfaces
 * @param dataDirectory directory for the embedded database and generated secrets
 * @param dbUrl         JDBC URL, or null for the embedded H2 default
 * @param jwtSecret     HS256 secret, or null to use (and create) the one kept in the data directory
 * @param heartbeat     SSE keep-alive interval
 * @param dbPoolSize    database connections per node
 * @param dbConnectionTimeout how long a caller waits for a database connection
 * @param eventBus      how changes reach the streams of other nodes
 * @param httpMaxThreads most threads of the HTTP server's pool
 * @param wsPing        WebSocket ping interval
 * @param streams       limits on streams and connections, and their timeouts
 */
public record ServerConfig(int port, String host, Path dataDirectory, String dbUrl, String jwtSecret,
                           Duration heartbeat, int dbPoolSize, Duration dbConnectionTimeout,
                           EventBusChoice eventBus, int httpMaxThreads, Duration wsPing, StreamSettings streams) {
    public static final int DEFAULT_PORT = 8080;
    /** Default for {@code NOTIFY_DATA_DIR}, relative to the working directory. */
    public static final String DEFAULT_DATA_DIR = "notify-data";
    /** Default for {@code NOTIFY_HTTP_MAX_THREADS}. */
    public static final int DEFAULT_HTTP_MAX_THREADS = 64;
    /** Least {@code NOTIFY_HTTP_MAX_THREADS}: Jetty's acceptor and selector threads come out of the same pool. */
    public static final int MIN_HTTP_THREADS = 8;
    static final String SECRET_FILE = "jwt-secret";

    /** {@code NOTIFY_EVENT_BUS}: how changes reach the streams of other nodes. */
    public enum EventBusChoice {
        /** PostgreSQL {@code LISTEN/NOTIFY} when the database is PostgreSQL, else in-process. */
        AUTO,
        /** In-process only: one node. */
        LOCAL,
        /** PostgreSQL {@code LISTEN/NOTIFY}: every node on the database streams every change. */
        POSTGRES;

        static EventBusChoice parse(String raw) {
            if (raw == null) {
                return AUTO;
            }
            for (EventBusChoice c : values()) {
                if (c.name().equalsIgnoreCase(raw.trim())) {
                    return c;
                }
            }
            throw new IllegalArgumentException("NOTIFY_EVENT_BUS must be auto, local or postgres but was '" + raw + "'");
        }

        /** Whether this choice means PostgreSQL's bus for a database at {@code dbUrl} (null: embedded H2). */
        public boolean usesPostgres(String dbUrl) {
            return this == POSTGRES || (this == AUTO && dbUrl != null && dbUrl.startsWith("jdbc:postgresql:"));
        }
    }

    public ServerConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("NOTIFY_PORT must be 0..65535 but was " + port);
        }
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        if (heartbeat.isZero() || heartbeat.isNegative()) {
            throw new IllegalArgumentException("NOTIFY_HEARTBEAT_SECONDS must be > 0 but was " + heartbeat.toSeconds());
        }
        if (dbPoolSize < 1) {
            throw new IllegalArgumentException("NOTIFY_DB_POOL_SIZE must be >= 1 but was " + dbPoolSize);
        }
        if (dbConnectionTimeout.toMillis() < 250) {
            throw new IllegalArgumentException("the database connection timeout must be at least 250 ms"
                    + " (NOTIFY_DB_CONNECTION_TIMEOUT_SECONDS >= 1) but was " + dbConnectionTimeout.toMillis() + " ms");
        }
        Objects.requireNonNull(eventBus, "eventBus");
        if (eventBus == EventBusChoice.POSTGRES && (dbUrl == null || !dbUrl.startsWith("jdbc:postgresql:"))) {
            throw new IllegalArgumentException("NOTIFY_EVENT_BUS=postgres needs NOTIFY_DB_URL=jdbc:postgresql://...");
        }
        if (httpMaxThreads < MIN_HTTP_THREADS) {
            throw new IllegalArgumentException("NOTIFY_HTTP_MAX_THREADS must be >= " + MIN_HTTP_THREADS + " but was "
                    + httpMaxThreads);
        }
        if (wsPing.isZero() || wsPing.isNegative()) {
            throw new IllegalArgumentException("NOTIFY_WS_PING_SECONDS must be > 0 but was " + wsPing.toSeconds());
        }
        Objects.requireNonNull(streams, "streams");
        if (streams.idleTimeout() != null && streams.idleTimeout().compareTo(heartbeat) <= 0) {
            throw new IllegalArgumentException("NOTIFY_IDLE_TIMEOUT_SECONDS (" + streams.idleTimeout().toSeconds()
                    + ") must be more than NOTIFY_HEARTBEAT_SECONDS (" + heartbeat.toSeconds()
                    + "), or open streams would be cut between two heartbeats");
        }
    }

    /** The settings with the defaults of {@code NOTIFY_HTTP_MAX_THREADS} and {@code NOTIFY_WS_PING_SECONDS}. */
    public ServerConfig(int port, String host, Path dataDirectory, String dbUrl, String jwtSecret,
                        Duration heartbeat, int dbPoolSize, Duration dbConnectionTimeout, EventBusChoice eventBus) {
        this(port, host, dataDirectory, dbUrl, jwtSecret, heartbeat, dbPoolSize, dbConnectionTimeout, eventBus,
                DEFAULT_HTTP_MAX_THREADS, dev.notify.javalin.NotifyPluginConfig.DEFAULT_WS_PING,
                StreamSettings.ofDefaults());
    }

    /** Reads the settings from {@code env} (normally {@link System#getenv()}). */
    public static ServerConfig fromEnvironment(Map<String, String> env) {
        return new ServerConfig(
                intVar(env, "NOTIFY_PORT", DEFAULT_PORT),
                blankToNull(env.get("NOTIFY_HOST")),
                Path.of(env.getOrDefault("NOTIFY_DATA_DIR", DEFAULT_DATA_DIR)),
                blankToNull(env.get("NOTIFY_DB_URL")),
                blankToNull(env.get("NOTIFY_JWT_SECRET")),
                Duration.ofSeconds(intVar(env, "NOTIFY_HEARTBEAT_SECONDS", 30)),
                intVar(env, "NOTIFY_DB_POOL_SIZE", dev.notify.Notify.DEFAULT_POOL_SIZE),
                Duration.ofSeconds(intVar(env, "NOTIFY_DB_CONNECTION_TIMEOUT_SECONDS",
                        (int) dev.notify.Notify.DEFAULT_CONNECTION_TIMEOUT.toSeconds())),
                EventBusChoice.parse(blankToNull(env.get("NOTIFY_EVENT_BUS"))),
                intVar(env, "NOTIFY_HTTP_MAX_THREADS", DEFAULT_HTTP_MAX_THREADS),
                Duration.ofSeconds(intVar(env, "NOTIFY_WS_PING_SECONDS",
                        (int) dev.notify.javalin.NotifyPluginConfig.DEFAULT_WS_PING.toSeconds())),
                StreamSettings.fromEnvironment(env));
    }

    /** These settings with {@code NOTIFY_DATA_DIR} replaced. */
    public ServerConfig withDataDirectory(Path newDataDirectory) {
        return new ServerConfig(port, host, newDataDirectory, dbUrl, jwtSecret, heartbeat, dbPoolSize,
                dbConnectionTimeout, eventBus, httpMaxThreads, wsPing, streams);
    }

    public ServerConfig withPort(int newPort) {
        return new ServerConfig(newPort, host, dataDirectory, dbUrl, jwtSecret, heartbeat, dbPoolSize,
                dbConnectionTimeout, eventBus, httpMaxThreads, wsPing, streams);
    }

    /**
     * The JWT secret: {@code NOTIFY_JWT_SECRET} if set, else the one kept in the data directory,
     * created (random 256 bits, owner-only permissions) on first use.
     */
    public String resolveJwtSecret() {
        if (jwtSecret != null) {
            return jwtSecret;
        }
        Path file = dataDirectory.resolve(SECRET_FILE);
        try {
            if (Files.exists(file)) {
                return Files.readString(file).trim();
            }
            Files.createDirectories(dataDirectory);
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            Path tmp = Files.createTempFile(dataDirectory, SECRET_FILE, ".tmp");
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            Files.writeString(tmp, secret);
            try {
                Files.move(tmp, file);
            } catch (IOException raced) {
                Files.deleteIfExists(tmp);
            }
            // Another process may have won the race: the file holds the secret everyone uses.
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the JWT secret in " + file.toAbsolutePath(), e);
        }
    }

    static int intVar(Map<String, String> env, String name, int fallback) {
        String raw = blankToNull(env.get(name));
        if (raw == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number but was '" + raw + "'");
        }
    }

    static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
