package dev.notify.javalin;

import dev.notify.javalin.internal.AdminApi;
import dev.notify.javalin.internal.NotificationsApi;
import io.javalin.config.JavalinState;
import io.javalin.plugin.Plugin;
import java.util.function.Consumer;

/**
 * Mounts notify's HTTP API and SSE stream on a Javalin 7 application, next to its own routes.
 *
 * <pre>{@code
 * Javalin app = Javalin.create(config -> {
 *     config.registerPlugin(new NotifyPlugin(notifyConfig -> {
 *         notifyConfig.notify = notify;
 *         notifyConfig.authenticator = JwtAuthenticator.hs256(secret);
 *     }));
 *     config.routes.get("/orders", ctx -> ctx.result("the app's own route"));
 * });
 * }</pre>
 *
 * <p>Routes, under {@link NotifyPluginConfig#basePath} (default {@code /api/v1/notifications}):
 * {@code GET /} (list), {@code GET /unread-count}, {@code POST /} (create, scope {@code publish}),
 * {@code GET /{id}}, {@code POST /{id}/read}, {@code POST /mark-all-read}, {@code DELETE /{id}},
 * {@code GET /sse/stream}, {@code GET /sse/status}, {@code POST /sse/close},
 * {@code GET|POST /unsubscribe} (RFC 8058 one-click); under {@link NotifyPluginConfig#adminPath}
 * (scope {@code admin}): {@code GET /outbox}, {@code GET /outbox/counts},
 * {@code POST /outbox/{id}/retry}; under {@link NotifyPluginConfig#recipientsPath} (scope
 * {@code publish}): {@code GET|PUT|DELETE /{user_id}}; and {@code GET /health}.
 */
public final class NotifyPlugin extends Plugin<NotifyPluginConfig> {

    public NotifyPlugin(Consumer<NotifyPluginConfig> userConfig) {
        super(userConfig, new NotifyPluginConfig());
    }

    @Override
    public void onStart(JavalinState state) {
        pluginConfig.validate();
        // Admin routes first: their literal paths (e.g. .../unsubscribe) must win over {id}.
        new AdminApi(pluginConfig).mount(state.routes);
        new NotificationsApi(pluginConfig).mount(state.routes);
    }
}
