package dev.notify;

/**
 * One recipient's inbox. Every method reads or changes this recipient's notifications only: an id
 * that belongs to another recipient behaves exactly as an id that does not exist.
 * Obtain one with {@link Notify#inbox(String)}.
 */
public interface Inbox {

    /** The recipient (user id) this inbox belongs to. */
    String recipient();

    /**
     * One page, newest first, with keyset paging: pages neither repeat nor skip a notification
     * when new ones arrive between calls.
     *
     * @throws InvalidRequestException if the query's cursor was not issued by this server
     */
    Page list(InboxQuery query);

    /** The first {@value Limits#PAGE_DEFAULT} notifications, newest first. */
    default Page list() {
        return list(InboxQuery.firstPage());
    }

    /** How many notifications are unread. */
    long unreadCount();

    /**
     * One notification.
     *
     * @throws NotFoundException if this recipient has no notification {@code id}
     */
    Notification get(long id);

    /**
     * Marks one notification read. Marking a read notification again keeps its first read time.
     *
     * @return the notification as now stored
     * @throws NotFoundException if this recipient has no notification {@code id}
     */
    Notification markRead(long id);

    /**
     * Marks every unread notification read.
     *
     * @return how many were unread
     */
    int markAllRead();

    /**
     * Deletes one notification.
     *
     * @throws NotFoundException if this recipient has no notification {@code id}
     */
    void delete(long id);
}
