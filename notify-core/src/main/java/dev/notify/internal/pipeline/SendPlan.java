package dev.notify.internal.pipeline;

import dev.notify.SendRequest;
import dev.notify.internal.DigestStore;
import dev.notify.internal.JdbiNotificationStore;
import dev.notify.internal.OutboxStore;
import java.util.List;
import java.util.Map;

/**
 * What one send will write, worked out before its transaction opens.
 *
 * @param request    the request with its recipients resolved (topic members added)
 * @param contents   per recipient, the type, title and message rendered from the template in the
 *                   recipient's locale; empty for a send with literal text
 * @param deliveries per recipient, one outbox row per channel destination, with its due time
 * @param digests    per recipient, deliveries folded into a digest instead of sent now
 */
public record SendPlan(SendRequest request, Map<String, JdbiNotificationStore.Content> contents,
                       Map<String, List<OutboxStore.Planned>> deliveries,
                       Map<String, List<DigestStore.Planned>> digests) {

    /** The outbox rows planned for {@code recipient}; empty if none. */
    public List<OutboxStore.Planned> deliveriesOf(String recipient) {
        return deliveries.getOrDefault(recipient, List.of());
    }

    /** The digest entries planned for {@code recipient}; empty if none. */
    public List<DigestStore.Planned> digestsOf(String recipient) {
        return digests.getOrDefault(recipient, List.of());
    }
}
