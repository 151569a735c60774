package dev.notify.javalin;

import dev.notify.Notify;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of {@link NotifyPlugin}, filled in by the {@code Consumer} given to its constructor.
 * Public fields, as Javalin's own config objects; {@link #validate()} runs when the plugin starts.
 */
public final class NotifyPluginConfig {
    /** Where the notifications API is mounted. */
    public static final String DEFAULT_BASE_PATH = "/api/v1/notifications";
    /** Largest request body accepted, in bytes: 64 KiB. */
    public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;

    /** The notify instance to serve; required. The plugin does not close it. */
    public Notify notify;
    /** Verifies bearer tokens; required. */
    public Authenticator authenticator;
    /** Base path of the API; default {@value #DEFAULT_BASE_PATH}. */
    public String basePath = DEFAULT_BASE_PATH;
    /** SSE keep-alive interval; default 30 s. */
    public Duration heartbeat = Notify.DEFAULT_HEARTBEAT;
    /** Largest request body, in bytes; larger ones get 413. Default 64 KiB. */
    public int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    /** Where the admin API (outbox) is mounted; calls need the {@code admin} scope. */
    public String adminPath = "/api/v1/admin";
    /** Where recipient profiles are set by publishers ({@code PUT {recipientsPath}/{user_id}}). */
    public String recipientsPath = "/api/v1/recipients";
    /**
     * Verifies the tokens of one-click unsubscribe links ({@code {basePath}/unsubscribe}); null
     * leaves that endpoint answering 404. Must be built with the secret the email channel signs with.
     */
    public dev.notify.email.UnsubscribeTokens unsubscribeTokens;
    /** Path of the health check, or null to not mount one. Default {@code /health}. */
    public String healthPath = "/health";
    /** SSE {@code retry:} hint sent to clients, the reconnect delay browsers use. Default 3 s. */
    public Duration sseRetry = Duration.ofSeconds(3);

    /** @throws IllegalArgumentException naming the first setting that is missing or out of range */
    public void validate() {
        if (notify == null) {
            throw new IllegalArgumentException("notify must be set");
        }
        if (authenticator == null) {
            throw new IllegalArgumentException("authenticator must be set");
        }
        Objects.requireNonNull(basePath, "basePath");
        if (!basePath.startsWith("/") || basePath.endsWith("/")) {
            throw new IllegalArgumentException("basePath must start with '/' and not end with one but was '" + basePath + "'");
        }
        if (heartbeat == null || heartbeat.isZero() || heartbeat.isNegative()) {
            throw new IllegalArgumentException("heartbeat must be > 0 but was " + heartbeat);
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("maxBodyBytes must be >= 1024 but was " + maxBodyBytes);
        }
        if (sseRetry == null || sseRetry.isNegative()) {
            throw new IllegalArgumentException("sseRetry must be >= 0 but was " + sseRetry);
        }
    }
}
