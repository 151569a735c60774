package dev.notify;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

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
 * @param shared         what this event's frame has in common with the other events of the same
 *                       send, for a transport to encode once; never null
 */
public record StreamEvent(Kind kind, String recipient, Notification notification, long notificationId,
                          long seq, int count, Shared shared) {

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
        Objects.requireNonNull(shared, "shared");
    }

    /** An event that shares its encoding with no other. */
    public StreamEvent(Kind kind, String recipient, Notification notification, long notificationId, long seq,
                       int count) {
        this(kind, recipient, notification, notificationId, seq, count, new Shared());
    }

    /** A new notification, encoded on its own. */
    public static StreamEvent created(Notification n) {
        return created(n, new Shared());
    }

    /**
     * A new notification whose frame shares {@code shared} with other events: every notification
     * published with the same {@code shared} must equal this one in every field but its id,
     * recipient and sequence (one send's notifications with the same rendered content).
     */
    public static StreamEvent created(Notification n, Shared shared) {
        return new StreamEvent(Kind.NOTIFICATION, n.recipient(), n, n.id(), n.seq(), 0, shared);
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

    /**
     * The part of a notification's frame that the notifications of one send have in common:
     * every field but the id, the recipient and the sequence. A broadcast to many recipients
     * publishes one {@code Shared} with all its events, so that a transport encodes those fields
     * once through {@link #encoded} and writes them into each recipient's frame, instead of encoding
     * the whole notification once per stream (as {@link StreamHeartbeat} does for keep-alives).
     *
     * <p>It carries no content of its own, only the cache: any two are {@linkplain #equals equal},
     * so events compare by what they say.
     */
    public static final class Shared {
        private final ConcurrentHashMap<Function<Notification, ?>, Object> encodings = new ConcurrentHashMap<>(2);

        /** An empty cache. */
        public Shared() {
        }

        /**
         * The shared fields' encoding by {@code encoder}: computed from {@code n} on the first call
         * for that encoder (the same instance, typically a constant of the transport), and returned
         * as is on later calls from any thread, whichever event's notification they pass. Callers
         * must not modify what it returns.
         *
         * @param encoder encodes the fields other than id, recipient and sequence; must not return null
         * @param n       the notification of the event at hand
         * @throws NullPointerException if an argument is null or {@code encoder} returns null
         */
        @SuppressWarnings("unchecked")
        public <T> T encoded(Function<Notification, T> encoder, Notification n) {
            Objects.requireNonNull(n, "n");
            Object value = encodings.get(Objects.requireNonNull(encoder, "encoder"));
            if (value == null) {
                value = encodings.computeIfAbsent(encoder, e -> Objects.requireNonNull(encoder.apply(n),
                        "shared encoder returned null"));
            }
            return (T) value;
        }

        /** True for any other {@code Shared}: a cache is not content. */
        @Override
        public boolean equals(Object other) {
            return other instanceof Shared;
        }

        @Override
        public int hashCode() {
            return 0;
        }

        @Override
        public String toString() {
            return "Shared";
        }
    }
}
