package dev.notify;

/**
 * One page request against a recipient's inbox, newest first.
 *
 * <p>Expired notifications are never listed. By default archived and snoozed ones are not
 * either: {@code archived} lists only archived ones, {@code snoozed} only snoozed ones.
 *
 * @param unreadOnly only notifications not yet read
 * @param type       only notifications of this type, or null for all
 * @param cursor     the {@link Page#nextCursor()} of the previous page, or null for the first page
 * @param limit      page size, 1 to {@value Limits#PAGE_MAX}
 * @param category   only notifications made from a template of this category, or null for all
 * @param priority   only notifications of this priority, or null for all
 * @param unseenOnly only notifications not yet seen
 * @param archived   only archived notifications (else only those not archived)
 * @param snoozed    only snoozed notifications (else only those not snoozed)
 */
public record InboxQuery(boolean unreadOnly, String type, String cursor, int limit, String category,
                         Priority priority, boolean unseenOnly, boolean archived, boolean snoozed) {
    public InboxQuery {
        InputRules.text("type", type);
        InputRules.text("cursor", cursor);
        InputRules.text("category", category);
        if (limit < 1 || limit > Limits.PAGE_MAX) {
            throw InvalidRequestException.field("limit",
                    "must be between 1 and " + Limits.PAGE_MAX + " but was " + limit);
        }
        if (type != null && type.isBlank()) {
            type = null;
        }
        if (category != null && category.isBlank()) {
            category = null;
        }
        if (cursor != null && cursor.isBlank()) {
            cursor = null;
        }
        if (cursor != null) {
            cursorSeq(cursor); // validate now, so a bad cursor fails before any query
        }
    }

    /** A query with only the original filters: unread and type. */
    public InboxQuery(boolean unreadOnly, String type, String cursor, int limit) {
        this(unreadOnly, type, cursor, limit, null, null, false, false, false);
    }

    /** The first page of everything, {@value Limits#PAGE_DEFAULT} per page. */
    public static InboxQuery firstPage() {
        return new InboxQuery(false, null, null, Limits.PAGE_DEFAULT);
    }

    /** This query from the page {@code next} (a {@link Page#nextCursor()}) on. */
    public InboxQuery withCursor(String next) {
        return new InboxQuery(unreadOnly, type, next, limit, category, priority, unseenOnly, archived, snoozed);
    }

    /** This query with another page size. */
    public InboxQuery withLimit(int limit) {
        return new InboxQuery(unreadOnly, type, cursor, limit, category, priority, unseenOnly, archived, snoozed);
    }

    /** This query for unread notifications only (or not). */
    public InboxQuery withUnreadOnly(boolean unreadOnly) {
        return new InboxQuery(unreadOnly, type, cursor, limit, category, priority, unseenOnly, archived, snoozed);
    }

    /** This query for one type (null: all). */
    public InboxQuery withType(String type) {
        return new InboxQuery(unreadOnly, type, cursor, limit, category, priority, unseenOnly, archived, snoozed);
    }

    /** This query for one template category (null: all). */
    public InboxQuery withCategory(String category) {
        return new InboxQuery(unreadOnly, type, cursor, limit, category, priority, unseenOnly, archived, snoozed);
    }

    /** This query for one priority (null: all). */
    public InboxQuery withPriority(Priority priority) {
        return new InboxQuery(unreadOnly, type, cursor, limit, category, priority, unseenOnly, archived, snoozed);
    }

    /** This query for unseen notifications only (or not). */
    public InboxQuery withUnseenOnly(boolean unseenOnly) {
        return new InboxQuery(unreadOnly, type, cursor, limit, category, priority, unseenOnly, archived, snoozed);
    }

    /** This query for the archive (true) or the notifications not archived (false). */
    public InboxQuery withArchived(boolean archived) {
        return new InboxQuery(unreadOnly, type, cursor, limit, category, priority, unseenOnly, archived, snoozed);
    }

    /** This query for the snoozed notifications (true) or those not snoozed (false). */
    public InboxQuery withSnoozed(boolean snoozed) {
        return new InboxQuery(unreadOnly, type, cursor, limit, category, priority, unseenOnly, archived, snoozed);
    }

    /** The sequence number a cursor stands for: the page starts below it. */
    static long cursorSeq(String cursor) {
        try {
            long seq = Long.parseLong(cursor);
            if (seq < 1) {
                throw new NumberFormatException();
            }
            return seq;
        } catch (NumberFormatException e) {
            throw InvalidRequestException.field("cursor", "is not a cursor this server issued: '" + cursor + "'");
        }
    }

    /** The cursor's sequence number, or {@link Long#MAX_VALUE} for the first page. */
    public long beforeSeq() {
        return cursor == null ? Long.MAX_VALUE : cursorSeq(cursor);
    }
}
