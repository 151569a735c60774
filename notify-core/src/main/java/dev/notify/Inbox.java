package dev.notify;

import java.time.Instant;

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

    /** How many notifications are unread (archived, snoozed and expired ones not counted). */
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

    /** How many notifications are unseen: the badge (archived, snoozed and expired ones not counted). */
    long unseenCount();

    /**
     * Marks notifications seen (the recipient was shown them); streams
     * {@code notifications_seen}.
     *
     * @return how many were unseen
     */
    int markSeen(InboxSelection selection);

    /**
     * Marks notifications read (and seen); streams {@code notifications_read}.
     *
     * @return how many were unread
     */
    int markRead(InboxSelection selection);

    /**
     * Archives one notification: it leaves the default list and the counts, and stays until
     * retention removes it. Archiving an archived one changes nothing.
     *
     * @return the notification as now stored
     * @throws NotFoundException if this recipient has no notification {@code id}
     */
    Notification archive(long id);

    /**
     * Archives notifications; {@link #archiveAllRead()} for every read one.
     *
     * @return how many were not archived before
     */
    int archive(InboxSelection selection);

    /**
     * Archives every read notification.
     *
     * @return how many were archived
     */
    int archiveAllRead();

    /**
     * Takes one notification out of the archive.
     *
     * @return the notification as now stored
     * @throws NotFoundException if this recipient has no notification {@code id}
     */
    Notification unarchive(long id);

    /**
     * Takes notifications out of the archive.
     *
     * @return how many were archived
     */
    int unarchive(InboxSelection selection);

    /**
     * Snoozes one notification until {@code until}: it leaves the list and the counts, and comes
     * back unseen (streaming {@code notification_unsnoozed}) when that instant is reached, on
     * whichever node notices it first, once. Snoozing again moves the instant.
     *
     * @param until a future instant
     * @return the notification as now stored
     * @throws NotFoundException       if this recipient has no notification {@code id}
     * @throws InvalidRequestException if {@code until} is not in the future
     */
    Notification snooze(long id, Instant until);

    /**
     * Ends a snooze now: the notification comes back unseen.
     *
     * @return the notification as now stored (unchanged if it was not snoozed)
     * @throws NotFoundException if this recipient has no notification {@code id}
     */
    Notification unsnooze(long id);

    /**
     * Deletes the notification a send with replace key {@code key} left for this recipient.
     *
     * @throws NotFoundException if there is none
     */
    void deleteByKey(String key);

    /**
     * Performs a {@linkplain NotificationAction.Kind#CALLBACK callback action}: recorded once (a
     * second call, even concurrent, changes nothing and answers the first record), marks the
     * notification read, streams {@code notification_action} and calls the
     * {@link ActionListener}, the first time only.
     *
     * @return the record of the action
     * @throws NotFoundException       if this recipient has no notification {@code id}, or it has
     *                                 no action {@code actionId}
     * @throws InvalidRequestException if the action is a link (links are opened, not performed)
     */
    ActionListener.Performed performAction(long id, String actionId);
}
