package dev.notify.outbox;

import java.time.Duration;
import java.util.Objects;

/**
 * How the outbox workers run.
 *
 * @param workers                 worker threads per node; 0 runs none (deliver with
 *                                {@link Outbox#deliverDue()} yourself)
 * @param batchSize               rows claimed at once, and handed to a channel at once
 * @param lease                   how long a claim lasts; a worker that has not recorded the outcome
 *                                by then is presumed dead and the rows become claimable again
 * @param pollInterval            how often idle workers look for due rows (local sends wake them
 *                                at once; polling finds what other nodes or earlier runs left)
 * @param retry                   backoff and attempts
 * @param housekeepingInterval    how often housekeeping runs
 * @param deliveredRetention      delivered and closed rows are deleted after this
 * @param deadRetention           dead rows are deleted after this
 * @param readNotificationRetention read notifications are deleted this long after being read
 */
public record OutboxSettings(int workers, int batchSize, Duration lease, Duration pollInterval, RetryPolicy retry,
                             Duration housekeepingInterval, Duration deliveredRetention, Duration deadRetention,
                             Duration readNotificationRetention) {
    public static final int DEFAULT_WORKERS = 2;
    public static final int DEFAULT_BATCH_SIZE = 50;
    public static final Duration DEFAULT_LEASE = Duration.ofMinutes(2);
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_HOUSEKEEPING_INTERVAL = Duration.ofHours(1);
    public static final Duration DEFAULT_DELIVERED_RETENTION = Duration.ofDays(7);
    public static final Duration DEFAULT_DEAD_RETENTION = Duration.ofDays(30);
    public static final Duration DEFAULT_READ_NOTIFICATION_RETENTION = Duration.ofDays(90);

    public OutboxSettings {
        if (workers < 0) {
            throw new IllegalArgumentException("workers must be >= 0 but was " + workers);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1 but was " + batchSize);
        }
        requirePositive("lease", lease);
        requirePositive("pollInterval", pollInterval);
        Objects.requireNonNull(retry, "retry");
        requirePositive("housekeepingInterval", housekeepingInterval);
        requirePositive("deliveredRetention", deliveredRetention);
        requirePositive("deadRetention", deadRetention);
        requirePositive("readNotificationRetention", readNotificationRetention);
    }

    private static void requirePositive(String name, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be > 0 but was " + d);
        }
    }

    public static OutboxSettings ofDefaults() {
        return new OutboxSettings(DEFAULT_WORKERS, DEFAULT_BATCH_SIZE, DEFAULT_LEASE, DEFAULT_POLL_INTERVAL,
                RetryPolicy.ofDefaults(), DEFAULT_HOUSEKEEPING_INTERVAL, DEFAULT_DELIVERED_RETENTION,
                DEFAULT_DEAD_RETENTION, DEFAULT_READ_NOTIFICATION_RETENTION);
    }

    public OutboxSettings withWorkers(int n) {
        return new OutboxSettings(n, batchSize, lease, pollInterval, retry, housekeepingInterval, deliveredRetention,
                deadRetention, readNotificationRetention);
    }

    public OutboxSettings withBatchSize(int n) {
        return new OutboxSettings(workers, n, lease, pollInterval, retry, housekeepingInterval, deliveredRetention,
                deadRetention, readNotificationRetention);
    }

    public OutboxSettings withLease(Duration d) {
        return new OutboxSettings(workers, batchSize, d, pollInterval, retry, housekeepingInterval, deliveredRetention,
                deadRetention, readNotificationRetention);
    }

    public OutboxSettings withPollInterval(Duration d) {
        return new OutboxSettings(workers, batchSize, lease, d, retry, housekeepingInterval, deliveredRetention,
                deadRetention, readNotificationRetention);
    }

    public OutboxSettings withRetry(RetryPolicy policy) {
        return new OutboxSettings(workers, batchSize, lease, pollInterval, policy, housekeepingInterval,
                deliveredRetention, deadRetention, readNotificationRetention);
    }

    public OutboxSettings withRetention(Duration delivered, Duration dead, Duration readNotifications) {
        return new OutboxSettings(workers, batchSize, lease, pollInterval, retry, housekeepingInterval, delivered, dead,
                readNotifications);
    }

    public OutboxSettings withHousekeepingInterval(Duration d) {
        return new OutboxSettings(workers, batchSize, lease, pollInterval, retry, d, deliveredRetention, deadRetention,
                readNotificationRetention);
    }
}
