package dev.notify;

import java.time.Instant;
import java.util.List;
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
 * @param seenAt      when the recipient was shown it, or null while unseen (the badge counts unseen)
 * @param archivedAt  when the recipient archived it, or null; archived ones leave the default list
 * @param snoozedUntil until when it is snoozed (hidden), or null
 * @param expiresAt   when it stops being shown (then housekeeping deletes it), or null
 * @param updatedAt   when a send with the same {@code key} last replaced it, or null if never
 * @param key         the sender's replace key: a later send with the same key to the same recipient
 *                    replaces this notification instead of adding one; or null
 * @param category    the category of the template it was made from, or null
 * @param actions     its buttons, at most {@value NotificationAction#MAX_PER_NOTIFICATION} (never null)
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
        Instant readAt,
        Instant seenAt,
        Instant archivedAt,
        Instant snoozedUntil,
        Instant expiresAt,
        Instant updatedAt,
        String key,
        String category,
        List<NotificationAction> actions) {

    public Notification {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(priority, "priority");
        Objects.requireNonNull(createdAt, "createdAt");
        message = message == null ? "" : message;
        data = data == null ? Map.of() : data;
        actions = actions == null ? List.of() : List.copyOf(actions);
    }

    /** A notification without the inbox states and fields added later (seen, archive, snooze, key, actions). */
    public Notification(long id, String recipient, long seq, String type, String title, String message,
                        Map<String, Object> data, String link, Priority priority, Instant createdAt, Instant readAt) {
        this(id, recipient, seq, type, title, message, data, link, priority, createdAt, readAt, null, null, null,
                null, null, null, null, List.of());
    }

    /** True once the recipient has been shown this notification. */
    public boolean seen() {
        return seenAt != null;
    }

    /** True while the recipient has it archived. */
    public boolean archived() {
        return archivedAt != null;
    }

    /** The action with this id, or null. */
    public NotificationAction action(String actionId) {
        for (NotificationAction a : actions) {
            if (a.id().equals(actionId)) {
                return a;
            }
        }
        return null;
    }

    /** True once the recipient has marked this notification read. */
    public boolean read() {
        return readAt != null;
    }
}
