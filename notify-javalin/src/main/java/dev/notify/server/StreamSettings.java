package dev.notify.server;

import dev.notify.Notify;
import dev.notify.javalin.NotifyPluginConfig;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;

/**
 * The standalone server's limits on connections and streams, read from environment variables:
 *
 * <ul>
 *   <li>{@code NOTIFY_MAX_STREAMS_PER_USER} — open SSE and WebSocket streams one user may hold,
 *       default {@value Notify#DEFAULT_MAX_STREAMS_PER_RECIPIENT}; one more is refused with 429
 *       {@code too_many_streams} and {@code Retry-After} (existing streams are never closed for it)</li>
 *   <li>{@code NOTIFY_MAX_STREAMS} — open streams in all; default the process's open-file limit
 *       ({@code ulimit -n}) less a quarter of it (at least
 *       {@value Notify#DEFAULT_RESERVED_FILE_DESCRIPTORS} kept free); one more gets 503
 *       {@code streams_unavailable} and {@code Retry-After}</li>
 *   <li>{@code NOTIFY_MAX_CONNECTIONS} — open TCP connections the HTTP server accepts; past it,
 *       new ones wait in the kernel's accept queue instead of failing with "Too many open files".
 *       Default halfway between {@code NOTIFY_MAX_STREAMS}'s default and the open-file limit, so
 *       the API and {@code /health} keep room when every stream slot is taken</li>
 *   <li>{@code NOTIFY_HEADER_TIMEOUT_SECONDS} — longest a client may take to send a request's
 *       header, default 20 (slow-loris clients are closed after it)</li>
 *   <li>{@code NOTIFY_IDLE_TIMEOUT_SECONDS} — a connection with no traffic either way for this
 *       long is closed; default two heartbeats and 10 s, and it must exceed
 *       {@code NOTIFY_HEARTBEAT_SECONDS} so that an open SSE stream (whose heartbeats are traffic)
 *       is never cut</li>
 *   <li>{@code NOTIFY_MAX_STREAM_SECONDS} — close each stream after this long (its client
 *       reconnects and resumes with its last event id), default 0: never</li>
 *   <li>{@code NOTIFY_STREAM_RETRY_AFTER_SECONDS} — {@code Retry-After} on refused streams, default 5</li>
 * </ul>
 *
 * @param maxStreamsPerUser  most open streams of one user
 * @param maxStreams         most open streams in all, or 0 for the default from the open-file limit
 * @param maxConnections     most open HTTP connections, or 0 for the default from the open-file limit
 * @param headerTimeout      longest a request header may take to arrive
 * @param idleTimeout        how long a silent connection stays open, or null for the default from the heartbeat
 * @param maxStreamDuration  how long a stream may stay open, or null for no limit
 * @param streamRetryAfter   {@code Retry-After} on refused streams
 */
public record StreamSettings(int maxStreamsPerUser, int maxStreams, int maxConnections, Duration headerTimeout,
                             Duration idleTimeout, Duration maxStreamDuration, Duration streamRetryAfter) {

    public StreamSettings {
        if (maxStreamsPerUser < 1) {
            throw new IllegalArgumentException("NOTIFY_MAX_STREAMS_PER_USER must be >= 1 but was " + maxStreamsPerUser);
        }
        if (maxStreams < 0) {
            throw new IllegalArgumentException("NOTIFY_MAX_STREAMS must be >= 1 (or 0 for the default) but was "
                    + maxStreams);
        }
        if (maxConnections < 0) {
            throw new IllegalArgumentException("NOTIFY_MAX_CONNECTIONS must be >= 1 (or 0 for the default) but was "
                    + maxConnections);
        }
        if (headerTimeout.isZero() || headerTimeout.isNegative()) {
            throw new IllegalArgumentException("NOTIFY_HEADER_TIMEOUT_SECONDS must be > 0 but was "
                    + headerTimeout.toSeconds());
        }
        if (idleTimeout != null && (idleTimeout.isZero() || idleTimeout.isNegative())) {
            throw new IllegalArgumentException("NOTIFY_IDLE_TIMEOUT_SECONDS must be > 0 but was " + idleTimeout.toSeconds());
        }
        if (maxStreamDuration != null && (maxStreamDuration.isZero() || maxStreamDuration.isNegative())) {
            throw new IllegalArgumentException("NOTIFY_MAX_STREAM_SECONDS must be > 0 (or 0 for none) but was "
                    + maxStreamDuration.toSeconds());
        }
        if (streamRetryAfter.isNegative()) {
            throw new IllegalArgumentException("NOTIFY_STREAM_RETRY_AFTER_SECONDS must be >= 0 but was "
                    + streamRetryAfter.toSeconds());
        }
    }

    /** Every default. */
    public static StreamSettings ofDefaults() {
        return fromEnvironment(Map.of());
    }

    /** Reads the settings from {@code env}; absent or blank variables take their defaults. */
    public static StreamSettings fromEnvironment(Map<String, String> env) {
        int idle = ServerConfig.intVar(env, "NOTIFY_IDLE_TIMEOUT_SECONDS", 0);
        int maxSeconds = ServerConfig.intVar(env, "NOTIFY_MAX_STREAM_SECONDS", 0);
        return new StreamSettings(
                ServerConfig.intVar(env, "NOTIFY_MAX_STREAMS_PER_USER", Notify.DEFAULT_MAX_STREAMS_PER_RECIPIENT),
                ServerConfig.intVar(env, "NOTIFY_MAX_STREAMS", 0),
                ServerConfig.intVar(env, "NOTIFY_MAX_CONNECTIONS", 0),
                Duration.ofSeconds(ServerConfig.intVar(env, "NOTIFY_HEADER_TIMEOUT_SECONDS",
                        (int) NotifyPluginConfig.DEFAULT_HEADER_TIMEOUT.toSeconds())),
                idle == 0 ? null : Duration.ofSeconds(idle),
                maxSeconds == 0 ? null : Duration.ofSeconds(maxSeconds),
                Duration.ofSeconds(ServerConfig.intVar(env, "NOTIFY_STREAM_RETRY_AFTER_SECONDS",
                        (int) NotifyPluginConfig.DEFAULT_STREAM_RETRY_AFTER.toSeconds())));
    }

    /** {@link #maxStreams}, or its default from the open-file limit. */
    public int effectiveMaxStreams() {
        return maxStreams > 0 ? maxStreams : Notify.defaultMaxOpenStreams();
    }

    /**
     * {@link #maxConnections}, or its default: halfway between the default stream cap and the
     * open-file limit, and never below the stream cap in effect plus
     * {@value #API_CONNECTIONS_OVER_STREAMS}; {@link Integer#MAX_VALUE} where the limit is unknown.
     */
    public int effectiveMaxConnections() {
        if (maxConnections > 0) {
            return maxConnections;
        }
        long limit = openFileLimit();
        if (limit < 0) {
            return Integer.MAX_VALUE;
        }
        long streams = Notify.defaultMaxOpenStreams();
        long between = streams + (limit - streams) / 2;
        return (int) Math.min(Integer.MAX_VALUE, Math.max(between, (long) effectiveMaxStreams() + API_CONNECTIONS_OVER_STREAMS));
    }

    /** Least number of connections left for requests other than streams when the stream cap is reached. */
    public static final int API_CONNECTIONS_OVER_STREAMS = 32;

    /** The idle timeout in effect for a server whose SSE heartbeat is {@code heartbeat}. */
    public Duration effectiveIdleTimeout(Duration heartbeat) {
        return idleTimeout != null ? idleTimeout : heartbeat.multipliedBy(2).plus(Duration.ofSeconds(10));
    }

    /** The process's open-file limit, or -1 where the JVM does not report it. */
    static long openFileLimit() {
        try {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean u) {
                return u.getMaxFileDescriptorCount();
            }
        } catch (LinkageError | RuntimeException e) {
            // not reported
        }
        return -1;
    }
}
