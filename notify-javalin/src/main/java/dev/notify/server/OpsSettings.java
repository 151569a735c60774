package dev.notify.server;

import dev.notify.javalin.RateLimits;
import java.time.Duration;
import java.util.Map;

/**
 * The server's operating settings, from environment variables.
 *
 * <ul>
 *   <li>{@code NOTIFY_MANAGEMENT_PORT} — serve {@code /metrics} (without a token) and the health
 *       endpoints on this separate port; unset (the default) serves {@code /metrics} on the main
 *       port to {@code admin} tokens only</li>
 *   <li>{@code NOTIFY_SHUTDOWN_SECONDS} — the bound of a graceful shutdown, default
 *       {@value #DEFAULT_SHUTDOWN_SECONDS}</li>
 *   <li>{@code NOTIFY_METRICS} — {@code on} (default) or {@code off}: no meters at all, no
 *       {@code /metrics}</li>
 *   <li>{@code NOTIFY_LIMIT_*} — see {@link RateLimits#fromEnvironment}</li>
 * </ul>
 *
 * @param managementPort the management port, or null for none
 * @param shutdown       how long a graceful shutdown may take
 * @param limits         request rate limits
 * @param metrics        whether meters are recorded and served
 */
public record OpsSettings(Integer managementPort, Duration shutdown, RateLimits limits, boolean metrics) {
    /** Default of {@code NOTIFY_SHUTDOWN_SECONDS}. */
    public static final int DEFAULT_SHUTDOWN_SECONDS = 10;

    /** @throws IllegalArgumentException naming the variable whose value is wrong */
    public static OpsSettings fromEnvironment(Map<String, String> env) {
        Integer port = null;
        String raw = env.get("NOTIFY_MANAGEMENT_PORT");
        if (raw != null && !raw.isBlank()) {
            port = parse("NOTIFY_MANAGEMENT_PORT", raw, 0, 65535, "a port number 0-65535 (0 picks a free one)");
        }
        int seconds = DEFAULT_SHUTDOWN_SECONDS;
        raw = env.get("NOTIFY_SHUTDOWN_SECONDS");
        if (raw != null && !raw.isBlank()) {
            seconds = parse("NOTIFY_SHUTDOWN_SECONDS", raw, 1, 3600, "a whole number of seconds 1-3600");
        }
        boolean metrics = true;
        raw = env.get("NOTIFY_METRICS");
        if (raw != null && !raw.isBlank()) {
            if (raw.strip().equalsIgnoreCase("off")) {
                metrics = false;
            } else if (!raw.strip().equalsIgnoreCase("on")) {
                throw new IllegalArgumentException("NOTIFY_METRICS must be on or off but was '" + raw + "'");
            }
        }
        return new OpsSettings(port, Duration.ofSeconds(seconds), RateLimits.fromEnvironment(env), metrics);
    }

    private static int parse(String name, String raw, int min, int max, String expected) {
        try {
            int n = Integer.parseInt(raw.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be " + expected + " but was '" + raw + "'");
    }
}
