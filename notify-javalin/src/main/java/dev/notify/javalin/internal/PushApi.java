package dev.notify.javalin.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notify.NotFoundException;
import dev.notify.Notify;
import dev.notify.javalin.NotifyPluginConfig;
import dev.notify.javalin.Principal;
import dev.notify.push.PushChannel;
import dev.notify.push.PushSubscription;
import dev.notify.push.StoredPushSubscription;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Web Push subscriptions (RFC 8030, VAPID per RFC 8292): the public key a page passes to
 * {@code pushManager.subscribe}, and subscribe / unsubscribe of the caller's browsers. Answers
 * 404 {@code push_not_configured} when the server has no push channel.
 */
public final class PushApi {
    private static final Set<String> SUBSCRIBE_FIELDS = Set.of("endpoint", "expirationTime", "expiration_time", "keys");

    private final NotifyPluginConfig config;
    private final Notify notify;
    private final Http http;

    public PushApi(NotifyPluginConfig config) {
        this.config = config;
        this.notify = config.notify;
        this.http = new Http(config);
    }

    public void mount(RoutesConfig routes) {
        String push = config.basePath + "/push";
        routes.get(push + "/public-key", http.guarded(this::publicKey));
        routes.post(push + "/subscribe", http.guarded(this::subscribe));
        routes.post(push + "/unsubscribe", http.guarded(this::unsubscribe));
        routes.get(push + "/subscriptions", http.guarded(this::subscriptions));
    }

    private PushChannel channel() {
        return notify.channel(PushChannel.class).orElseThrow(() -> new dev.notify.javalin.ApiException(404,
                "push_not_configured", "Web Push is not configured on this server"));
    }

    /** The VAPID public key is public by design: no authentication. */
    private void publicKey(Context ctx) {
        Http.json(ctx, 200, Map.of("public_key", channel().publicKey()));
    }

    private void subscribe(Context ctx) {
        Principal p = http.authenticate(ctx);
        PushChannel channel = channel();
        ObjectNode body = http.readJsonObject(ctx);
        Http.rejectUnknownFields(body, SUBSCRIBE_FIELDS);
        StoredPushSubscription stored = channel.subscribe(p.userId(), PushSubscription.fromJson(body.toString()),
                ctx.header("User-Agent"));
        Http.json(ctx, 201, view(stored));
    }

    private void unsubscribe(Context ctx) {
        Principal p = http.authenticate(ctx);
        PushChannel channel = channel();
        ObjectNode body = http.readJsonObject(ctx);
        String endpoint = Http.text(body, "endpoint");
        if (endpoint == null || !channel.unsubscribe(p.userId(), endpoint)) {
            // The same answer whether the endpoint is unknown or another user's.
            throw new NotFoundException("no such subscription");
        }
        ctx.status(204);
    }

    private void subscriptions(Context ctx) {
        Principal p = http.authenticate(ctx);
        List<Map<String, Object>> views = new ArrayList<>();
        for (StoredPushSubscription s : channel().subscriptions(p.userId())) {
            views.add(view(s));
        }
        Http.json(ctx, 200, Map.of("subscriptions", views));
    }

    private static Map<String, Object> view(StoredPushSubscription s) {
        var v = new LinkedHashMap<String, Object>();
        v.put("id", s.id());
        v.put("endpoint", s.endpoint());
        v.put("created_at", s.createdAt());
        v.put("last_success_at", s.lastSuccessAt());
        return v;
    }
}
