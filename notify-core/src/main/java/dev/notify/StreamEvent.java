package dev.notify;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A change to one recipient's inbox, as the stream hub delivers it to that recipient's open
 * connections.
 *
 * <p>Every change is an entry in the recipient's log, numbered by the same per-recipient sequence
 * as the notifications: a new notification takes the next sequence number, and so does each
 * later change (read, seen, archived, replaced, snoozed, an action...). The stream sends that
 * number as the event id; a client reconnecting with it receives every later entry, in order.
 *
 * @param kind           what changed
 * @param recipient      whose inbox changed
 * @param notification   the notification, for {@link Kind#NOTIFICATION} and {@link Kind#UPDATED};
 *                       null otherwise, and also null for an event heard from another node (the
 *                       stream hub then reads it from the store)
 * @param notificationId the notification concerned when there is one, else 0
 * @param seq            the entry's sequence number in the recipient's log (for
 *                       {@link Kind#NOTIFICATION} and {@link Kind#UPDATED} the notification's
 *                       {@code seq}); 0 for an event that is not in the log
 * @param count          for {@link Kind#ALL_READ} and the bulk kinds how many notifications changed;
 *                       0 otherwise
 * @param fields         the event's JSON fields on the wire, for kinds other than
 *                       {@link Kind#NOTIFICATION} and {@link Kind#UPDATED} (see
 *                       {@code docs/protocol.md}); null for an event heard from another node
 * @param shared         what this event's frame has in common with the other events of the same
 *                       send, for a transport to encode once; never null
 */
public record StreamEvent(Kind kind, String recipient, Notification notification, long notificationId,
                          long seq, int count, Map<String, Object> fields, Shared shared) {

    /** The kinds of inbox change. */
    public enum Kind {
        /** A new notification. */
        NOTIFICATION("notification"),
        /** One notification read. */
        READ("notification_read"),
        /** Every unread notification read. */
        ALL_READ("all_read"),
        /** One notification deleted. */
        DELETED("notification_deleted"),
        /** A notification replaced by a send with the same key: new content, unread and unseen. */
        UPDATED("notification_updated"),
        /** Notifications marked read in bulk (by ids, type or before a sequence). */
        BULK_READ("notifications_read"),
        /** Notifications marked seen. */
        SEEN("notifications_seen"),
        /** Notifications archived. */
        ARCHIVED("notifications_archived"),
        /** Notifications taken out of the archive. */
        UNARCHIVED("notifications_unarchived"),
        /** Notifications deleted in bulk (by ids, type or before a sequence) or by key. */
        BULK_DELETED("notifications_deleted"),
        /** A notification snoozed until an instant: hidden until then. */
        SNOOZED("notification_snoozed"),
        /** A snoozed notification back, unseen (its snooze came due, or was cancelled). */
        UNSNOOZED("notification_unsnoozed"),
        /** A callback action performed, the first time. */
        ACTION("notification_action");

        private final String wireName;

        Kind(String wireName) {
            this.wireName = wireName;
        }

        /** The event name on the wire (the SSE {@code event:} field, the WebSocket {@code type}). */
        public String wireName() {
            return wireName;
        }

        /** Parses a {@link #wireName()}. @throws IllegalArgumentException for an unknown name */
        public static Kind ofWireName(String name) {
            for (Kind k : values()) {
                if (k.wireName.equals(name)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown stream event '" + name + "'");
        }

        /** True for the kinds that carry a whole notification. */
        public boolean carriesNotification() {
            return this == NOTIFICATION || this == UPDATED;
        }
    }

    public StreamEvent {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(recipient, "recipient");
        fields = fields == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        Objects.requireNonNull(shared, "shared");
    }

    /** An event that shares its encoding with no other. */
    public StreamEvent(Kind kind, String recipient, Notification notification, long notificationId, long seq,
                       int count, Map<String, Object> fields) {
        this(kind, recipient, notification, notificationId, seq, count, fields, new Shared());
    }

    /** An event without wire fields; {@link #fields()} is derived for the four original kinds. */
    public StreamEvent(Kind kind, String recipient, Notification notification, long notificationId, long seq,
                       int count) {
        // An ALL_READ's seq was its up_to_seq: it moves to the fields, the event stays outside the log.
        this(kind, recipient, notification, notificationId, kind == Kind.ALL_READ ? 0 : seq, count,
                legacyFields(kind, notificationId, seq, count));
    }

    private static Map<String, Object> legacyFields(Kind kind, long notificationId, long seq, int count) {
        return switch (kind) {
            case READ, DELETED -> Map.of("notification_id", notificationId);
            case ALL_READ -> Map.of("count", count, "up_to_seq", seq);
            default -> null;
        };
    }

    /** True when the event holds what a stream writes (false for one heard from another node). */
    public boolean complete() {
        return kind.carriesNotification() ? notification != null : fields != null;
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
        return new StreamEvent(Kind.NOTIFICATION, n.recipient(), n, n.id(), n.seq(), 0, null, shared);
    }

    /** A notification just stored by a send: {@link Kind#UPDATED} if it replaced one, else new. */
    public static StreamEvent stored(Notification n) {
        return stored(n, new Shared());
    }

    /**
     * As {@link #stored(Notification)}, sharing {@code shared} with the send's other events (see
     * {@link #created(Notification, Shared)}).
     */
    public static StreamEvent stored(Notification n, Shared shared) {
        return n.updatedAt() == null ? created(n, shared)
                : new StreamEvent(Kind.UPDATED, n.recipient(), n, n.id(), n.seq(), 0, null, shared);
    }

    /** One notification read, outside the log (no sequence number). */
    public static StreamEvent read(String recipient, long notificationId) {
        return new StreamEvent(Kind.READ, recipient, null, notificationId, 0, 0);
    }

    /** Every unread notification up to {@code upToSeq} read, outside the log. */
    public static StreamEvent allRead(String recipient, long upToSeq, int count) {
        return new StreamEvent(Kind.ALL_READ, recipient, null, 0, 0, count,
                Map.of("count", count, "up_to_seq", upToSeq));
    }

    /** One notification deleted, outside the log. */
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
