package dev.notify.outbox;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When to try a failed delivery again: exponential backoff with jitter, and how many attempts in
 * all before the row goes dead. The default, {@link #ofDefaults()}, tries 8 times over about a
 * day: waits of about 1 min, 3 min, 9 min, 27 min, 81 min, 4 h and 12 h (each ±20 %).
 *
 * @param maxAttempts  attempts in all, including the first, {@code >= 1}
 * @param initialDelay wait after the first failure
 * @param multiplier   factor between consecutive waits, {@code >= 1}
 * @param maxDelay     longest single wait
 * @param jitter       fraction of each wait chosen at random either way, 0 to 1
 */
public record RetryPolicy(int maxAttempts, Duration initialDelay, double multiplier, Duration maxDelay, double jitter) {
    public static final int DEFAULT_MAX_ATTEMPTS = 8;
    public static final Duration DEFAULT_INITIAL_DELAY = Duration.ofMinutes(1);
    public static final double DEFAULT_MULTIPLIER = 3.0;
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofHours(12);
    public static final double DEFAULT_JITTER = 0.2;

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1 but was " + maxAttempts);
        }
        if (initialDelay == null || initialDelay.isNegative()) {
            throw new IllegalArgumentException("initialDelay must be >= 0 but was " + initialDelay);
        }
        if (multiplier < 1) {
            throw new IllegalArgumentException("multiplier must be >= 1 but was " + multiplier);
        }
        if (maxDelay == null || maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("maxDelay must be >= initialDelay but was " + maxDelay);
        }
        if (jitter < 0 || jitter > 1) {
            throw new IllegalArgumentException("jitter must be between 0 and 1 but was " + jitter);
        }
    }

    public static RetryPolicy ofDefaults() {
        return new RetryPolicy(DEFAULT_MAX_ATTEMPTS, DEFAULT_INITIAL_DELAY, DEFAULT_MULTIPLIER, DEFAULT_MAX_DELAY,
                DEFAULT_JITTER);
    }

    /**
     * The wait before the next attempt.
     *
     * @param failedAttempts attempts made so far, {@code >= 1}
     */
    public Duration delayAfter(int failedAttempts) {
        double base = initialDelay.toMillis() * Math.pow(multiplier, Math.max(0, failedAttempts - 1));
        double capped = Math.min(base, maxDelay.toMillis());
        double spread = jitter == 0 ? 0 : ThreadLocalRandom.current().nextDouble(-jitter, jitter);
        return Duration.ofMillis(Math.max(0, Math.round(capped * (1 + spread))));
    }

    /** Whether another attempt is allowed after {@code attemptsMade}. */
    public boolean allowsAnotherAfter(int attemptsMade) {
        return attemptsMade < maxAttempts;
    }
}
