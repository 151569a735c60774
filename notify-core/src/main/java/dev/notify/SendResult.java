package dev.notify;

import java.util.List;

/**
 * What a send stored.
 *
 * @param notifications one notification per recipient, in the order the recipients were given
 * @param created       how many of them this call stored; the rest already existed under the
 *                      request's idempotency key and were returned unchanged
 */
public record SendResult(List<Notification> notifications, int created) {
    public SendResult {
        notifications = List.copyOf(notifications);
    }

    /** True when every notification already existed: an idempotent repeat that stored nothing. */
    public boolean replayed() {
        return created == 0;
    }

    /** The first (or only) notification. */
    public Notification first() {
        return notifications.get(0);
    }
}
