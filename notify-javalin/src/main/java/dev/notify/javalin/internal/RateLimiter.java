package dev.notify.javalin.internal;

import dev.notify.NotifyMeters;
import dev.notify.javalin.ApiError;
import dev.notify.javalin.ApiException;
import dev.notify.javalin.NotifyPluginConfig;
import dev.notify.javalin.RateLimits;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The plugin's {@link RateLimits}: one local Bucket4j bucket per key (publisher, user, client
 * address), made on first use; full buckets are dropped when the map grows, so idle keys cost
 * nothing for long. Time comes from the plugin's clock, so tests move it instead of sleeping.
 */
final class RateLimiter {
    /** Buckets kept per limit before full (idle) ones are swept. */
    private static final int SWEEP_ABOVE = 10_000;
    private static final Map<NotifyPluginConfig, RateLimiter> BY_CONFIG = new java.util.WeakHashMap<>();

    /** A named limit: its own buckets by key. */
    final class Limit {
        private final String name;
        private final long capacity;
        private final Duration period;
        private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
        private final Counter refused;

        Limit(String name, long capacity, Duration period) {
            this.name = name;
            this.capacity = capacity;
            this.period = period;
            this.refused = registry == null ? null : Counter.builder(NotifyMeters.RATE_LIMITED).tag("limit", name)
                    .description("requests refused by a rate limit").register(registry);
        }

        boolean enabled() {
            return capacity > 0;
        }

        /** A bucket of this limit for one caller (e.g. one WebSocket connection) not kept in the map. */
        Bucket newBucket() {
            return Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(capacity).refillGreedy(capacity, period).build())
                    .withCustomTimePrecision(timeMeter)
                    .build();
        }

        /**
         * Takes one token for {@code key}.
         *
         * @throws ApiException 429 {@code rate_limited}, with {@code Retry-After} set on {@code ctx}
         */
        void take(Context ctx, String key) {
            if (capacity <= 0) {
                return;
            }
            refuseUnless(ctx, bucket(key).tryConsumeAndReturnRemaining(1));
        }

        /** Seconds to wait if {@code bucket} has no token (one is taken if it has); 0 if it had one. */
        long takeOrWait(Bucket bucket) {
            ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
            if (probe.isConsumed()) {
                return 0;
            }
            counted();
            return retryAfterSeconds(probe);
        }

        /** Throws the 429 if {@code key}'s bucket is empty, taking nothing. */
        void check(Context ctx, String key) {
            if (capacity <= 0) {
                return;
            }
            Bucket b = buckets.get(key);
            if (b == null) {
                return;
            }
            io.github.bucket4j.EstimationProbe estimate = b.estimateAbilityToConsume(1);
            if (!estimate.canBeConsumed()) {
                refuse(ctx, Math.max(1, (estimate.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L));
            }
        }

        /** Takes one token for {@code key} without refusing anything (e.g. counting failures). */
        void record(String key) {
            if (capacity > 0) {
                bucket(key).tryConsume(1);
            }
        }

        private void refuseUnless(Context ctx, ConsumptionProbe probe) {
            if (!probe.isConsumed()) {
                refuse(ctx, retryAfterSeconds(probe));
            }
        }

        private void refuse(Context ctx, long seconds) {
            counted();
            ctx.header("Retry-After", Long.toString(seconds));
            throw new ApiException(ApiError.RATE_LIMITED, "more than " + capacity + " " + name.replace('_', ' ')
                    + " per " + (period.toSeconds() == 1 ? "second" : period.toSeconds() + " s") + "; retry in " + seconds
                    + " s");
        }

        private void counted() {
            if (refused != null) {
                refused.increment();
            }
        }

        private Bucket bucket(String key) {
            Bucket b = buckets.get(key);
            if (b == null) {
                if (buckets.size() > SWEEP_ABOVE) {
                    buckets.values().removeIf(x -> x.getAvailableTokens() >= capacity);
                }
                b = buckets.computeIfAbsent(key, k -> newBucket());
            }
            return b;
        }
    }

    private final MeterRegistry registry;
    private final TimeMeter timeMeter;
    final Limit sends;
    final Limit tickets;
    final Limit streams;
    final Limit wsMessages;
    final Limit authFailures;

    private RateLimiter(RateLimits limits, Clock clock, MeterRegistry registry) {
        this.registry = registry;
        this.timeMeter = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return TimeUnit.MILLISECONDS.toNanos(clock.millis());
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
        this.sends = new Limit("sends", limits.sendsPerSecond(), Duration.ofSeconds(1));
        this.tickets = new Limit("stream_tickets", limits.ticketsPerMinute(), Duration.ofMinutes(1));
        this.streams = new Limit("streams", limits.streamsPerMinute(), Duration.ofMinutes(1));
        this.wsMessages = new Limit("websocket_messages", limits.wsMessagesPerSecond(), Duration.ofSeconds(1));
        this.authFailures = new Limit("failed_authentications", limits.authFailuresPerMinute(), Duration.ofMinutes(1));
    }

    private volatile boolean shuttingDown;

    /** From now on new streams are refused with 503 {@code shutting_down}. */
    void shutDown() {
        shuttingDown = true;
    }

    /**
     * Lets a new SSE stream or WebSocket in: refused with 503 while shutting down, with 429 past
     * the user's {@link RateLimits#streamsPerMinute()}.
     */
    void admitStream(Context ctx, String userId) {
        if (shuttingDown) {
            ctx.header("Retry-After", "1");
            throw new ApiException(503, "shutting_down", "this node is shutting down; reconnect to another");
        }
        streams.take(ctx, userId);
    }

    /** The one limiter of a plugin configuration, shared by all its APIs. */
    static RateLimiter of(NotifyPluginConfig config) {
        synchronized (BY_CONFIG) {
            return BY_CONFIG.computeIfAbsent(config, c -> new RateLimiter(c.limits, c.effectiveClock(),
                    c.notify.meterRegistry().orElse(null)));
        }
    }

    private static long retryAfterSeconds(ConsumptionProbe probe) {
        return Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L);
    }
}
