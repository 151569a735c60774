package dev.notify.outbox;

import java.time.Instant;

/**
 * One outbox row, as the admin view shows it.
 *
 * @param id             row id
 * @param notificationId the notification it delivers
 * @param recipient      the user id
 * @param channel        channel name
 * @param destination    where it goes (an address, a subscription id)
 * @param status         where it stands
 * @param attempts       attempts made (a claim counts as an attempt)
 * @param dueAt          when it is next due
 * @param lastError      the last failure's reason, or null
 * @param createdAt      when it was stored
 * @param deliveredAt    when it was delivered, or null
 */
public record OutboxEntry(long id, long notificationId, String recipient, String channel, String destination,
                          OutboxStatus status, int attempts, Instant dueAt, String lastError, Instant createdAt,
                          Instant deliveredAt) {
}
