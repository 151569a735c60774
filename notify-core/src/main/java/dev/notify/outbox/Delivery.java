package dev.notify.outbox;

import dev.notify.Notification;

/**
 * One outbox row handed to a channel.
 *
 * @param outboxId     the row's id: stable across re-deliveries, so it names the message
 * @param channel      the channel name
 * @param destination  where to deliver (as returned by {@link DeliveryChannel#destinations})
 * @param notification the notification as it was stored when sent
 * @param attempt      1 for the first attempt, 2 for the first retry, ...
 */
public record Delivery(long outboxId, String channel, String destination, Notification notification, int attempt) {
}
