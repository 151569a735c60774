package dev.notify;

import java.time.Instant;

/**
 * Told when a recipient performs a {@linkplain NotificationAction.Kind#CALLBACK callback action},
 * once per notification and action however often it is performed. Register one with
 * {@link Notify.Builder#onAction}. Called after the action was recorded, on the thread that
 * performed it; an exception it throws is logged and does not undo the action.
 */
@FunctionalInterface
public interface ActionListener {

    /** Does nothing. */
    ActionListener NONE = performed -> {
    };

    /** One callback action, the first time it was performed. */
    void performed(Performed performed);

    /**
     * What was performed.
     *
     * @param notification the notification, as stored after the action (read)
     * @param action       the action, with its payload as the sender gave it
     * @param performedAt  when it was recorded (UTC)
     * @param first        true for the call that recorded it, false for a later one (which changed nothing)
     */
    record Performed(Notification notification, NotificationAction action, Instant performedAt, boolean first) {
    }
}
