package dev.notify.outbox;

import dev.notify.Notification;
import dev.notify.template.Rendered;

/**
 * One outbox row handed to a channel.
 *
 * @param outboxId     the row's id: stable across re-deliveries, so it names the message
 * @param channel      the channel name
 * @param destination  where to deliver (as returned by {@link DeliveryChannel#destinations})
 * @param notification the notification as it was stored when sent
 * @param attempt      1 for the first attempt, 2 for the first retry, ...
 * @param part         the text rendered for this channel from the notification's template
 *                     ({@link Rendered#part(String)}: the template's part for the channel, else
 *                     the in-app title and message), or null when it was sent with literal text
 *                     (the channel then builds its text from the notification)
 */
public record Delivery(long outboxId, String channel, String destination, Notification notification, int attempt,
                       Rendered.Part part) {

    /** A delivery of a notification sent with literal text (no rendered part). */
    public Delivery(long outboxId, String channel, String destination, Notification notification, int attempt) {
        this(outboxId, channel, destination, notification, attempt, null);
    }
}
