package dev.notify.outbox;

import dev.notify.Recipient;
import dev.notify.SendRequest;
import java.util.Optional;

/**
 * One recipient of a send, as a channel sees it when choosing destinations.
 *
 * @param recipient the user id
 * @param profile   what the {@link dev.notify.RecipientDirectory} knows of the user, if anything
 * @param request   the send request (type, title, an explicit email address...)
 */
public record DeliveryTarget(String recipient, Optional<Recipient> profile, SendRequest request) {
}
