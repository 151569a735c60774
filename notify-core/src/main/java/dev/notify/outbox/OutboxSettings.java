package dev.notify.outbox;

import java.time.Duration;
import java.util.Objects;

/**
 * How the outbox workers run.
 *
 * @param workers                 worker threads per node; 0 runs none (deliver with
 *                                {@link Outbox#deliverDue()} yourself)
 * @param batchSize               rows claimed at once, and handed to a channel at once
 * @param lease                   how long a claim lasts unless renewed; a worker renews the leases of
 *                                the rows it is working on every third of this, so a slow batch keeps
 *                                its rows, while the rows of a worker that died become claimable
 *                                again at most this long after its last renewal
 * @param pollInterval            how often idle workers look for due rows (local sends wake them
 *                                at once; polling finds what other nodes or earlier runs left)
 * @param retry                   backoff and attempts
 * @param housekeepingInterval    how often housekeeping runs
 * @param deliveredRetention      delivered and closed rows are deleted after this
 * @param deadRetention           dead rows are deleted after this
 * @param readNotificationRetention read notifications are deleted this long after being read
 * @param nodeId                  this node's stable name among the nodes sharing the database, or null
 *                                to let notify choose (kept in the data directory when there is one, so a
 *                                restart keeps it; else random per start). On start, a node takes back at
 *                                once the rows its previous run (same node id) still held leases on, so
 *                                two live processes must never share a node id. 1 to 40 characters of
 *                                {@code A-Z a-z 0-9 . -}
 * @param breakerFailures         consecutive "destination unavailable" answers (connection refused,
 *                                timeout, SMTP 421, HTTP 429/5xx) from one destination (an SMTP server, a
 *                                push service origin) that open its circuit breaker, {@code >= 1}
 * @param probeInterval           while a destination's breaker is open, the rows waiting for it are not
 *                                attempted; one row is sent as a probe this often, and once it succeeds
 *                                every waiting row is due at once
 */
public record OutboxSettings(int workers, int batchSize, Duration lease, Duration pollInterval, RetryPolicy retry,
                             Duration housekeepingInterval, Duration deliveredRetention, Duration deadRetention,
                             Duration readNotificationRetention, String nodeId, int breakerFailures,
                             Duration probeInterval) {
    public static final int DEFAULT_WORKERS = 2;
    public static final int DEFAULT_BATCH_SIZE = 50;
    /** Default {@link #lease()}: 30 s, renewed every 10 s while a batch is worked on. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);
    /** Least {@link #lease()}: 300 ms (renewal every third of it must still fit a database round trip). */
    public static final Duration MIN_LEASE = Duration.ofMillis(300);
    /** Default {@link #breakerFailures()}: 5 consecutive unavailable answers. */
    public static final int DEFAULT_BREAKER_FAILURES = 5;
    /** Default {@link #probeInterval()}: 10 s. */
    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(10);
    private static final java.util.regex.Pattern NODE_ID = java.util.regex.Pattern.compile("[A-Za-z0-9.-]{1,40}");
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
        if (lease.compareTo(MIN_LEASE) < 0) {
            throw new IllegalArgumentException("lease must be >= " + MIN_LEASE + " but was " + lease);
        }
        requirePositive("pollInterval", pollInterval);
        Objects.requireNonNull(retry, "retry");
        requirePositive("housekeepingInterval", housekeepingInterval);
        requirePositive("deliveredRetention", deliveredRetention);
        requirePositive("deadRetention", deadRetention);
        requirePositive("readNotificationRetention", readNotificationRetention);
        if (nodeId != null && !NODE_ID.matcher(nodeId).matches()) {
            throw new IllegalArgumentException("nodeId must be 1 to 40 characters of A-Z a-z 0-9 . - but was '"
                    + nodeId + "'");
        }
        if (breakerFailures < 1) {
            throw new IllegalArgumentException("breakerFailures must be >= 1 but was " + breakerFailures);
        }
        requirePositive("probeInterval", probeInterval);
    }

    private static void requirePositive(String name, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be > 0 but was " + d);
        }
    }

    public static OutboxSettings ofDefaults() {
        return new OutboxSettings(DEFAULT_WORKERS, DEFAULT_BATCH_SIZE, DEFAULT_LEASE, DEFAULT_POLL_INTERVAL,
                RetryPolicy.ofDefaults(), DEFAULT_HOUSEKEEPING_INTERVAL, DEFAULT_DELIVERED_RETENTION,
                DEFAULT_DEAD_RETENTION, DEFAULT_READ_NOTIFICATION_RETENTION, null, DEFAULT_BREAKER_FAILURES,
                DEFAULT_PROBE_INTERVAL);
    }

    public OutboxSettings withWorkers(int n) {
        return new OutboxSettings(n, batchSize, lease, pollInterval, retry, housekeepingInterval, deliveredRetention,
                deadRetention, readNotificationRetention, nodeId, breakerFailures,
                probeInterval);
    }

    public OutboxSettings withBatchSize(int n) {
        return new OutboxSettings(workers, n, lease, pollInterval, retry, housekeepingInterval, deliveredRetention,
                deadRetention, readNotificationRetention, nodeId, breakerFailures,
                probeInterval);
    }

    public OutboxSettings withLease(Duration d) {
        return new OutboxSettings(workers, batchSize, d, pollInterval, retry, housekeepingInterval, deliveredRetention,
                deadRetention, readNotificationRetention, nodeId, breakerFailures,
                probeInterval);
    }

    public OutboxSettings withPollInterval(Duration d) {
        return new OutboxSettings(workers, batchSize, lease, d, retry, housekeepingInterval, deliveredRetention,
                deadRetention, readNotificationRetention, nodeId, breakerFailures,
                probeInterval);
    }

    public OutboxSettings withRetry(RetryPolicy policy) {
        return new OutboxSettings(workers, batchSize, lease, pollInterval, policy, housekeepingInterval,
                deliveredRetention, deadRetention, readNotificationRetention, nodeId, breakerFailures,
                probeInterval);
    }

    public OutboxSettings withRetention(Duration delivered, Duration dead, Duration readNotifications) {
        return new OutboxSettings(workers, batchSize, lease, pollInterval, retry, housekeepingInterval, delivered, dead,
                readNotifications, nodeId, breakerFailures,
                probeInterval);
    }

    public OutboxSettings withHousekeepingInterval(Duration d) {
        return new OutboxSettings(workers, batchSize, lease, pollInterval, retry, d, deliveredRetention, deadRetention,
                readNotificationRetention, nodeId, breakerFailures,
                probeInterval);
    }

    /** With a fixed node id (see {@link #nodeId()}); null lets notify choose. */
    public OutboxSettings withNodeId(String id) {
        return new OutboxSettings(workers, batchSize, lease, pollInterval, retry, housekeepingInterval,
                deliveredRetention, deadRetention, readNotificationRetention, id, breakerFailures, probeInterval);
    }

    /** With the circuit breaker's threshold and probe interval (see {@link #breakerFailures()}). */
    public OutboxSettings withBreaker(int failures, Duration probe) {
        return new OutboxSettings(workers, batchSize, lease, pollInterval, retry, housekeepingInterval,
                deliveredRetention, deadRetention, readNotificationRetention, nodeId, failures, probe);
    }
}
