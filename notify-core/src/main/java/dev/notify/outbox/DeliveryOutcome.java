package dev.notify.outbox;

import java.time.Duration;
import java.util.Objects;

/**
 * What happened to one {@link Delivery}: it was delivered, should be retried, failed for good,
 * its destination no longer exists, or the server it goes through is unavailable.
 */
public sealed interface DeliveryOutcome {

    /** Accepted by the remote side. */
    record Delivered() implements DeliveryOutcome {
    }

    /**
     * A temporary failure: try again after {@code after}, or after the retry policy's backoff when
     * null (e.g. an HTTP {@code Retry-After} header sets it).
     */
    record Retry(String reason, Duration after) implements DeliveryOutcome {
        public Retry {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** A permanent failure (bad address, rejected credentials): the row goes dead at once. */
    record Failed(String reason) implements DeliveryOutcome {
        public Failed {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** The destination is gone (a push subscription answered 404/410): the row is closed, not retried. */
    record Gone(String reason) implements DeliveryOutcome {
        public Gone {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * The server the delivery goes through is unavailable: it refused the connection, did not
     * answer in time, or answered "not now" (SMTP 421, HTTP 429 or 5xx). Counts against that
     * destination's circuit breaker, not against the row's attempts: the row waits, with its
     * attempts unchanged, until the next probe of the destination, or {@code after} when given
     * (an HTTP {@code Retry-After}), and is due at once when the destination answers again.
     */
    record Unavailable(String reason, Duration after) implements DeliveryOutcome {
        public Unavailable {
            Objects.requireNonNull(reason, "reason");
        }
    }

    static DeliveryOutcome delivered() {
        return new Delivered();
    }

    static DeliveryOutcome retry(String reason) {
        return new Retry(reason, null);
    }

    static DeliveryOutcome retryAfter(String reason, Duration after) {
        return new Retry(reason, after);
    }

    static DeliveryOutcome unavailable(String reason) {
        return new Unavailable(reason, null);
    }

    static DeliveryOutcome unavailable(String reason, Duration after) {
        return new Unavailable(reason, after);
    }

    static DeliveryOutcome failed(String reason) {
        return new Failed(reason);
    }

    static DeliveryOutcome gone(String reason) {
        return new Gone(reason);
    }
}
