package dev.notify;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One stored notification for one recipient.
 *
 * @param id          the database id, unique across all recipients
 * @param recipient   the user id the notification belongs to
 * @param seq         the per-recipient sequence number, starting at 1 and without gaps; it is the
 *                    stream cursor (the SSE {@code id:} field) and orders the inbox
 * @param type        what happened, e.g. {@code task_assigned}
 * @param title       short headline, at most {@value Limits#TITLE_MAX} characters
 * @param message     body text, possibly empty, at most {@value Limits#MESSAGE_MAX} characters
 * @param data        free-form JSON object given by the publisher (never null, may be empty)
 * @param link        a URL or app path to open, or null
 * @param priority    how urgent it is
 * @param createdAt   when it was stored (UTC)
 * @param readAt      when the recipient marked it read, or null while unread
 */
public record Notification(
        long id,
        String recipient,
        long seq,
        String type,
        String title,
        String message,
        Map<String, Object> data,
        String link,
        Priority priority,
        Instant createdAt,
        Instant readAt) {

    public Notification {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(createdAt, "createdAt");
        message = message == null ? "" : message;
        data = data == null ? Map.of() : data;
    }

    /** True once the recipient has marked this notification read. */
    public boolean read() {
        return readAt != null;
    }
}
