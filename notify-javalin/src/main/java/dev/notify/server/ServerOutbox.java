package dev.notify.server;

import dev.notify.outbox.OutboxSettings;
import java.time.Duration;
import java.util.Map;

/**
 * The standalone server's outbox settings, from environment variables:
 *
 * <ul>
 *   <li>{@code NOTIFY_NODE_ID}: this node's id among the nodes sharing a database, 1 to 40
 *       characters of {@code A-Z a-z 0-9 . -}; default the one kept in {@code <data dir>/node-id}
 *       (created on first start). A node restarted under the same id takes back at once the
 *       outbox rows its previous run was delivering; two live nodes must never share an id.</li>
 *   <li>{@code NOTIFY_OUTBOX_LEASE_SECONDS}: how long a claim on outbox rows lasts unless
 *       renewed (renewed every third of it), default 30</li>
 *   <li>{@code NOTIFY_OUTBOX_PROBE_SECONDS}: while an SMTP server or push service is down, how
 *       often one delivery probes it, default 10</li>
 * </ul>
 */
final class ServerOutbox {
    private ServerOutbox() {
    }

    /** @throws IllegalArgumentException naming the variable when a value is malformed */
    static OutboxSettings fromEnvironment(Map<String, String> env) {
        OutboxSettings settings = OutboxSettings.ofDefaults();
        String node = ServerConfig.blankToNull(env.get("NOTIFY_NODE_ID"));
        try {
            settings = settings.withNodeId(node == null ? null : node.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("NOTIFY_NODE_ID: " + e.getMessage(), e);
        }
        settings = settings.withLease(seconds(env, "NOTIFY_OUTBOX_LEASE_SECONDS", OutboxSettings.DEFAULT_LEASE));
        return settings.withBreaker(settings.breakerFailures(),
                seconds(env, "NOTIFY_OUTBOX_PROBE_SECONDS", OutboxSettings.DEFAULT_PROBE_INTERVAL));
    }

    private static Duration seconds(Map<String, String> env, String name, Duration fallback) {
        String raw = ServerConfig.blankToNull(env.get(name));
        if (raw == null) {
            return fallback;
        }
        long value;
        try {
            value = Long.parseLong(raw.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number of seconds but was '" + raw + "'");
        }
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1 but was " + value);
        }
        return Duration.ofSeconds(value);
    }
}
