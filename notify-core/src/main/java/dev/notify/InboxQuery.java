package dev.notify;

/**
 * One page request against a recipient's inbox, newest first.
 *
 * @param unreadOnly only notifications not yet read
 * @param type       only notifications of this type, or null for all
 * @param cursor     the {@link Page#nextCursor()} of the previous page, or null for the first page
 * @param limit      page size, 1 to {@value Limits#PAGE_MAX}
 */
public record InboxQuery(boolean unreadOnly, String type, String cursor, int limit) {
    public InboxQuery {
        InputRules.text("type", type);
        InputRules.text("cursor", cursor);
        if (limit < 1 || limit > Limits.PAGE_MAX) {
            throw InvalidRequestException.field("limit",
                    "must be between 1 and " + Limits.PAGE_MAX + " but was " + limit);
        }
        if (type != null && type.isBlank()) {
            type = null;
        }
        if (cursor != null && cursor.isBlank()) {
            cursor = null;
        }
        if (cursor != null) {
            cursorSeq(cursor); // validate now, so a bad cursor fails before any query
        }
    }

    /** The first page of everything, {@value Limits#PAGE_DEFAULT} per page. */
    public static InboxQuery firstPage() {
        return new InboxQuery(false, null, null, Limits.PAGE_DEFAULT);
    }

    public InboxQuery withCursor(String next) {
        return new InboxQuery(unreadOnly, type, next, limit);
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
