package dev.notify.javalin;

import dev.notify.javalin.internal.AdminApi;
import dev.notify.javalin.internal.Cors;
import dev.notify.javalin.internal.HeaderTimeout;
import dev.notify.javalin.internal.NotificationsApi;
import dev.notify.javalin.internal.OpenApiDocument;
import dev.notify.javalin.internal.OpsApi;
import dev.notify.javalin.internal.PushApi;
import dev.notify.javalin.internal.PublisherApi;
import dev.notify.javalin.internal.SettingsApi;
import dev.notify.javalin.internal.StreamTickets;
import dev.notify.javalin.internal.WebAssets;
import dev.notify.javalin.internal.WebSocketApi;
import io.javalin.config.JavalinState;
import io.javalin.plugin.Plugin;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Mounts notify's HTTP API, SSE stream, WebSocket endpoint and web inbox page on a Javalin 7
 * application, next to its own routes.
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
 * {@code GET|PUT /settings}, {@code GET /sse/stream} (also with {@code ?ticket=}),
 * {@code POST /sse/ticket}, {@code GET /sse/status}, {@code POST /sse/close},
 * {@code GET|POST /unsubscribe} (RFC 8058 one-click); the WebSocket at
 * {@link NotifyPluginConfig#wsPath} (default {@code /ws/notifications}); the inbox page at
 * {@link NotifyPluginConfig#webPath} (default {@code /}) with {@code /notify-client.js},
 * {@code /notify-inbox.js} and {@code /notify-inbox.css}; under {@link NotifyPluginConfig#adminPath}
 * (scope {@code admin}): {@code GET /outbox}, {@code GET /outbox/counts},
 * {@code POST /outbox/{id}/retry}; under {@link NotifyPluginConfig#recipientsPath} (scope
 * {@code publish}): {@code GET|PUT|DELETE /{user_id}}; under {@link NotifyPluginConfig#templatesPath} (scope
 * {@code publish}): {@code GET /} and {@code GET /{name}/preview?locale=}; under
 * {@link NotifyPluginConfig#topicsPath} (scope {@code publish}): {@code GET /{topic}/members},
 * {@code PUT|DELETE /{topic}/members/{user_id}}; {@code GET /health}, {@code GET /health/live},
 * {@code GET /health/ready}; {@code GET /metrics} (scope {@code admin}, when
 * {@link NotifyPluginConfig#prometheus} is set); the OpenAPI 3.1
 * description of these routes at {@code GET /openapi.json}; and the admin page at {@link NotifyPluginConfig#adminPagePath}.
 *
 * <p>Requests are rate limited as {@link NotifyPluginConfig#limits} says.
 */
public final class NotifyPlugin extends Plugin<NotifyPluginConfig> {

    public NotifyPlugin(Consumer<NotifyPluginConfig> userConfig) {
        super(userConfig, new NotifyPluginConfig());
    }

    /**
     * The first step of a graceful shutdown: new SSE streams and WebSocket connections are refused
     * from now on (503, code {@code shutting_down}, {@code Retry-After: 1}); open ones keep going
     * until {@link dev.notify.Notify#close()} sends SSE streams a last {@code shutdown} event with
     * a {@code retry:} hint and WebSocket clients a 1001 (going away) close.
     */
    public void stopAcceptingStreams() {
        dev.notify.javalin.internal.Shutdown.begin(pluginConfig);
    }

    /**
     * A graceful shutdown of this node's notify work, bounded by {@code bound}: new streams are
     * refused ({@link #stopAcceptingStreams()}); open SSE streams get a last {@code shutdown}
     * event after a {@code retry:} hint and WebSockets a 1001 close, so their clients reconnect to
     * another node at once; then the outbox workers finish the batch a channel is delivering and
     * release the rest of their claims, which another node can take without waiting for the
     * lease. The caller then closes {@link NotifyPluginConfig#notify} and stops HTTP.
     *
     * @return true if the outbox workers stopped within {@code bound}
     */
    public boolean shutdown(java.time.Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        stopAcceptingStreams();
        // Claims stop before the streams close, so no batch starts while the clients move away.
        pluginConfig.notify.stopOutbox();
        pluginConfig.notify.closeAllStreams();
        return pluginConfig.notify.drainOutbox(java.time.Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    @Override
    public void onStart(JavalinState state) {
        pluginConfig.validate();
        if (pluginConfig.headerTimeout != null) {
            Duration timeout = pluginConfig.headerTimeout;
            state.jetty.modifyServer(server -> server.addBean(new HeaderTimeout(server, timeout)));
        }
        // One ticket store for SSE and WebSocket: a ticket works once, on either.
        StreamTickets tickets = new StreamTickets(pluginConfig.notify, pluginConfig.effectiveClock(), pluginConfig.ticketTtl);
        new Cors(pluginConfig).mount(state.routes);
        new OpsApi(pluginConfig).mount(state.routes);
        // Admin and settings routes first: their literal paths (e.g. .../unsubscribe) must win over {id}.
        new AdminApi(pluginConfig).mount(state.routes);
        new dev.notify.javalin.internal.AdminPage(pluginConfig).mount(state.routes);
        new SettingsApi(pluginConfig).mount(state.routes);
        new PushApi(pluginConfig).mount(state.routes);
        new PublisherApi(pluginConfig).mount(state.routes);
        new NotificationsApi(pluginConfig, tickets).mount(state.routes);
        if (pluginConfig.wsPath != null) {
            new WebSocketApi(pluginConfig, tickets).mount(state.routes);
        }
        if (pluginConfig.webPath != null) {
            new WebAssets(pluginConfig).mount(state.routes);
        }
        new OpenApiDocument(pluginConfig).mount(state.routes);
    }
}
