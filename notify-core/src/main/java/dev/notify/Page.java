package dev.notify;

import java.util.List;

/**
 * One page of an inbox, newest first.
 *
 * @param items      the notifications on this page
 * @param nextCursor pass to {@link InboxQuery#withCursor(String)} for the next page; null when
 *                   this is the last page
 */
public record Page(List<Notification> items, String nextCursor) {
    public Page {
        items = List.copyOf(items);
    }

    public boolean hasMore() {
        return nextCursor != null;
    }
}
