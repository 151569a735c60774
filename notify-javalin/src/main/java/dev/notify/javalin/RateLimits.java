package dev.notify.javalin;

import java.util.Map;

/**
 * Request rates the plugin allows, each a token bucket (Bucket4j) refilled greedily over its
 * period. A request past a limit gets {@code 429} with {@code Retry-After} (seconds, RFC 9110
 * section 10.2.3) and the error code {@code rate_limited}; a WebSocket message past its limit
 * gets an {@code error} message with that code, and the socket stays open. The defaults are far
 * above what a normal application does; 0 turns a limit off.
 *
 * <p>Buckets are kept per node, in memory: with N nodes behind a balancer a client gets up to N
 * times a limit. The limits protect each node's CPU and database pool from a runaway client,
 * which is a per-node resource, so per-node buckets are the right measure; a shared bucket would
 * add a database round trip to every request.
 *
 * @param sendsPerSecond          notifications created per publisher (token subject) per second
 * @param ticketsPerMinute        stream tickets issued per user per minute
 * @param streamsPerMinute        SSE streams and WebSocket connections opened per user per minute
 * @param wsMessagesPerSecond     messages per WebSocket connection per second
 * @param authFailuresPerMinute   failed authentications per client address per minute; past it,
 *                                every authenticated call from that address is refused until the
 *                                bucket refills
 */
public record RateLimits(int sendsPerSecond, int ticketsPerMinute, int streamsPerMinute, int wsMessagesPerSecond,
                         int authFailuresPerMinute) {
    /** Sends per publisher per second: 1,000. */
    public static final int DEFAULT_SENDS_PER_SECOND = 1_000;
    /** Stream tickets per user per minute: 600. */
    public static final int DEFAULT_TICKETS_PER_MINUTE = 600;
    /** New streams per user per minute: 600. */
    public static final int DEFAULT_STREAMS_PER_MINUTE = 600;
    /** WebSocket messages per connection per second: 100. */
    public static final int DEFAULT_WS_MESSAGES_PER_SECOND = 100;
    /** Failed authentications per client address per minute: 60. */
    public static final int DEFAULT_AUTH_FAILURES_PER_MINUTE = 60;

    /** @throws IllegalArgumentException naming the first negative limit */
    public RateLimits {
        check("sendsPerSecond", sendsPerSecond);
        check("ticketsPerMinute", ticketsPerMinute);
        check("streamsPerMinute", streamsPerMinute);
        check("wsMessagesPerSecond", wsMessagesPerSecond);
        check("authFailuresPerMinute", authFailuresPerMinute);
    }

    /** The defaults above. */
    public static RateLimits ofDefaults() {
        return new RateLimits(DEFAULT_SENDS_PER_SECOND, DEFAULT_TICKETS_PER_MINUTE, DEFAULT_STREAMS_PER_MINUTE,
                DEFAULT_WS_MESSAGES_PER_SECOND, DEFAULT_AUTH_FAILURES_PER_MINUTE);
    }

    /** No limits at all. */
    public static RateLimits none() {
        return new RateLimits(0, 0, 0, 0, 0);
    }

    /**
     * The defaults, overridden by {@code NOTIFY_LIMIT_SENDS_PER_SECOND},
     * {@code NOTIFY_LIMIT_TICKETS_PER_MINUTE}, {@code NOTIFY_LIMIT_STREAMS_PER_MINUTE},
     * {@code NOTIFY_LIMIT_WS_MESSAGES_PER_SECOND} and {@code NOTIFY_LIMIT_AUTH_FAILURES_PER_MINUTE}.
     *
     * @throws IllegalArgumentException naming the variable whose value is not a whole number >= 0
     */
    public static RateLimits fromEnvironment(Map<String, String> env) {
        return new RateLimits(
                read(env, "NOTIFY_LIMIT_SENDS_PER_SECOND", DEFAULT_SENDS_PER_SECOND),
                read(env, "NOTIFY_LIMIT_TICKETS_PER_MINUTE", DEFAULT_TICKETS_PER_MINUTE),
                read(env, "NOTIFY_LIMIT_STREAMS_PER_MINUTE", DEFAULT_STREAMS_PER_MINUTE),
                read(env, "NOTIFY_LIMIT_WS_MESSAGES_PER_SECOND", DEFAULT_WS_MESSAGES_PER_SECOND),
                read(env, "NOTIFY_LIMIT_AUTH_FAILURES_PER_MINUTE", DEFAULT_AUTH_FAILURES_PER_MINUTE));
    }

    private static int read(Map<String, String> env, String name, int fallback) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.strip());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a whole number >= 0 (0 turns the limit off) but was '"
                + value + "'");
    }

    private static void check(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0 but was " + value);
        }
    }
}
