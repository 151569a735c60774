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
 * @param email        the email subject, text and HTML rendered from the notification's template,
 *                     or null when it was sent with literal text (the channel builds them itself)
 * @param push         the push title and body rendered from the template, or null likewise
 */
public record Delivery(long outboxId, String channel, String destination, Notification notification, int attempt,
                       Rendered.Email email, Rendered.Push push) {

    /** A delivery of a notification sent with literal text (no rendered parts). */
    public Delivery(long outboxId, String channel, String destination, Notification notification, int attempt) {
        this(outboxId, channel, destination, notification, attempt, null, null);
    }
}
