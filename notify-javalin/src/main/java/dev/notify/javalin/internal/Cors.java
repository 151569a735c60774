package dev.notify.javalin.internal;

import dev.notify.javalin.NotifyPluginConfig;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Cross-origin access to the API for the configured origins (Fetch Standard, "CORS protocol"):
 * preflight {@code OPTIONS} requests are answered here with 204, and every API response to an
 * allowed {@code Origin} carries {@code Access-Control-Allow-Origin}. Credentials (cookies) are
 * never allowed: callers authenticate with a bearer token or a stream ticket, which a page sends
 * explicitly. Requests from other origins get no CORS headers, so browsers keep their responses
 * from the page; a preflight from such an origin is answered 403.
 */
public final class Cors {
    static final String ALLOW_METHODS = "GET, POST, PUT, DELETE";
    static final String ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, Last-Event-ID";
    /** How long browsers may cache a preflight answer, in seconds. */
    static final int MAX_AGE_SECONDS = 600;

    private final NotifyPluginConfig config;
    private final Set<String> origins = new LinkedHashSet<>();
    private final boolean anyOrigin;

    public Cors(NotifyPluginConfig config) {
        this.config = config;
        for (String origin : config.corsOrigins) {
            origins.add(NotifyPluginConfig.normalizeOrigin(origin));
        }
        this.anyOrigin = origins.contains("*");
    }

    public void mount(RoutesConfig routes) {
        if (origins.isEmpty()) {
            return;
        }
        for (String path : new LinkedHashSet<>(java.util.List.of(config.basePath, config.adminPath, config.recipientsPath))) {
            routes.before(path, this::handle);
            routes.before(path + "/*", this::handle);
        }
    }

    private void handle(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin == null) {
            return;
        }
        boolean allowed = anyOrigin || origins.contains(origin.toLowerCase(java.util.Locale.ROOT));
        boolean preflight = ctx.method() == HandlerType.OPTIONS && ctx.header("Access-Control-Request-Method") != null;
        ctx.header("Vary", "Origin");
        if (!allowed) {
            if (preflight) {
                ctx.skipRemainingHandlers();
                Http.error(ctx, 403, "origin_not_allowed", "origin '" + origin + "' may not call this API;"
                        + " the server allows: " + String.join(", ", origins));
            }
            return;
        }
        ctx.header("Access-Control-Allow-Origin", anyOrigin ? "*" : origin);
        if (preflight) {
            ctx.skipRemainingHandlers();
            ctx.header("Access-Control-Allow-Methods", ALLOW_METHODS);
            ctx.header("Access-Control-Allow-Headers", ALLOW_HEADERS);
            ctx.header("Access-Control-Max-Age", Integer.toString(MAX_AGE_SECONDS));
            ctx.status(204);
        }
    }
}
