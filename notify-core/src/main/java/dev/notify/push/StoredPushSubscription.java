package dev.notify.push;

import java.time.Instant;
import java.util.Objects;

/**
 * A push subscription as stored for a recipient.
 *
 * @param id            the database id; the outbox's destination for this subscription
 * @param recipient     the user id it belongs to
 * @param subscription  endpoint and keys
 * @param userAgent     the browser's {@code User-Agent} when it subscribed, or null
 * @param createdAt     when it was first stored for this recipient (UTC)
 * @param lastSuccessAt when a push service last accepted a message for it, or null if never
 */
public record StoredPushSubscription(long id, String recipient, PushSubscription subscription, String userAgent,
                                     Instant createdAt, Instant lastSuccessAt) {
    public StoredPushSubscription {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(subscription, "subscription");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /** The endpoint URL. */
    public String endpoint() {
        return subscription.endpoint();
    }
}
