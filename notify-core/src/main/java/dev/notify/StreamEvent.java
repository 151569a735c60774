package dev.notify;

import java.util.Objects;

/**
 * A change to one recipient's inbox, as the stream hub delivers it to that recipient's open
 * connections.
 *
 * @param kind           what changed
 * @param recipient      whose inbox changed
 * @param notification   the new notification, for {@link Kind#NOTIFICATION}; null otherwise, and
 *                       also null for a notification heard from another node (the stream hub then
 *                       reads it from the store)
 * @param notificationId the notification read or deleted, for {@link Kind#READ} and
 *                       {@link Kind#DELETED}; 0 otherwise
 * @param seq            for {@link Kind#NOTIFICATION} its sequence number; for
 *                       {@link Kind#ALL_READ} the highest sequence marked read; 0 otherwise
 * @param count          for {@link Kind#ALL_READ} how many were marked; 0 otherwise
 */
public record StreamEvent(Kind kind, String recipient, Notification notification, long notificationId,
                          long seq, int count) {

    /** The kinds of inbox change. Only {@link #NOTIFICATION} is replayed after a reconnect. */
    public enum Kind {
        NOTIFICATION("notification"),
        READ("notification_read"),
        ALL_READ("all_read"),
        DELETED("notification_deleted");

        private final String wireName;

        Kind(String wireName) {
            this.wireName = wireName;
        }

        /** The event name on the wire (the SSE {@code event:} field). */
        public String wireName() {
            return wireName;
        }
    }

    public StreamEvent {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(recipient, "recipient");
    }

    public static StreamEvent created(Notification n) {
        return new StreamEvent(Kind.NOTIFICATION, n.recipient(), n, n.id(), n.seq(), 0);
    }

    public static StreamEvent read(String recipient, long notificationId) {
        return new StreamEvent(Kind.READ, recipient, null, notificationId, 0, 0);
    }

    public static StreamEvent allRead(String recipient, long upToSeq, int count) {
        return new StreamEvent(Kind.ALL_READ, recipient, null, 0, upToSeq, count);
    }

    public static StreamEvent deleted(String recipient, long notificationId) {
        return new StreamEvent(Kind.DELETED, recipient, null, notificationId, 0, 0);
    }
}
