package dev.notify.outbox;

import java.util.Locale;

/** Where an outbox row stands. */
public enum OutboxStatus {
    /** Not yet attempted. */
    PENDING,
    /** Failed at least once; waits for its next due time. */
    RETRYING,
    /** Accepted by the remote side. */
    DELIVERED,
    /** Failed for good (permanent error, or out of attempts); {@link Outbox#retry(long)} revives it. */
    DEAD,
    /** The destination is gone (e.g. a push subscription expired); nothing more to do. */
    CLOSED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws dev.notify.InvalidRequestException for an unknown name */
    public static OutboxStatus parse(String value) {
        for (OutboxStatus s : values()) {
            if (s.name().equalsIgnoreCase(value)) {
                return s;
            }
        }
        throw dev.notify.InvalidRequestException.field("status",
                "must be one of pending, retrying, delivered, dead, closed but was '" + value + "'");
    }
}
