package dev.notify.javalin.internal;

import dev.notify.Notify;
import dev.notify.QuietHours;
import dev.notify.javalin.NotifyPluginConfig;
import dev.notify.javalin.Principal;
import dev.notify.outbox.OutboxEntry;
import dev.notify.outbox.OutboxStatus;
import dev.notify.push.PushChannel;
import dev.notify.push.StoredPushSubscription;
import dev.notify.template.Template;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The admin page ({@code GET {adminPagePath}}, with {@code admin.js} and {@code admin.css} beside
 * it) and the admin calls only it needs, all scope {@code admin}:
 * {@code POST {adminPath}/outbox/retry-dead?channel=} (every dead row of a channel due again),
 * {@code GET {adminPath}/recipients/{user_id}} (profile, push subscriptions, preferences),
 * {@code GET {adminPath}/templates} (names and locales) and {@code GET {adminPath}/topics}
 * (names and member counts). The page is a static shell that holds no data: it asks for an admin
 * token and reads everything through the admin API, so without one nothing is shown.
 */
public final class AdminPage {
    private static final String RESOURCES = "/dev/notify/javalin/web/";
    private static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self';"
            + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final NotifyPluginConfig config;
    private final Notify notify;
    private final Http http;

    public AdminPage(NotifyPluginConfig config) {
        this.config = config;
        this.notify = config.notify;
        this.http = new Http(config);
    }

    public void mount(RoutesConfig routes) {
        String admin = config.adminPath;
        routes.post(admin + "/outbox/retry-dead", http.guarded(this::retryDead));
        routes.get(admin + "/recipients/{user_id}", http.guarded(this::recipient));
        routes.get(admin + "/templates", http.guarded(this::templates));
        routes.get(admin + "/topics", http.guarded(this::topics));
        if (config.adminPagePath == null) {
            return;
        }
        String page = new String(bytes("admin.html"), java.nio.charset.StandardCharsets.UTF_8)
                .replace("{{admin_path}}", Html.escape(admin))
                .replace("{{templates_path}}", Html.escape(config.templatesPath == null ? "" : config.templatesPath))
                .replace("{{topics_path}}", Html.escape(config.topicsPath == null ? "" : config.topicsPath))
                .replace("{{page_path}}", Html.escape(config.adminPagePath));
        byte[] html = page.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] script = bytes("admin.js");
        byte[] style = bytes("admin.css");
        String base = config.adminPagePath.endsWith("/") ? config.adminPagePath : config.adminPagePath + "/";
        routes.get(config.adminPagePath, ctx -> serve(ctx, html, "text/html; charset=utf-8", true));
        routes.get(base + "admin.js", ctx -> serve(ctx, script, "text/javascript; charset=utf-8", false));
        routes.get(base + "admin.css", ctx -> serve(ctx, style, "text/css; charset=utf-8", false));
    }

    private static void serve(Context ctx, byte[] body, String type, boolean page) {
        if (page) {
            ctx.header("Content-Security-Policy", PAGE_POLICY);
            ctx.header("Referrer-Policy", "no-referrer");
            ctx.header("X-Frame-Options", "DENY");
        }
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.contentType(type).result(body);
    }

    private void retryDead(Context ctx) {
        http.requireScope(ctx, Principal.ADMIN);
        String channel = ctx.queryParam("channel");
        if (channel == null || channel.isBlank()) {
            throw dev.notify.InvalidRequestException.field("channel", "is required: the channel whose dead rows to retry");
        }
        int retried = 0;
        // Each retried row leaves the dead set, so the first page is read again until it is empty.
        for (List<OutboxEntry> page; !(page = notify.outbox().list(OutboxStatus.DEAD, channel, 0,
                dev.notify.Limits.PAGE_MAX)).isEmpty(); ) {
            for (OutboxEntry e : page) {
                try {
                    notify.outbox().retry(e.id());
                    retried++;
                } catch (dev.notify.NotifyException ex) {
                    if (!"not_dead".equals(ex.code())) {
                        throw ex; // else revived meanwhile by someone else
                    }
                }
            }
        }
        var body = new LinkedHashMap<String, Object>();
        body.put("channel", channel);
        body.put("retried", retried);
        Http.json(ctx, 200, body);
    }

    private void recipient(Context ctx) {
        http.requireScope(ctx, Principal.ADMIN);
        String userId = ctx.pathParam("user_id");
        var body = new LinkedHashMap<String, Object>();
        body.put("user_id", userId);
        body.put("profile", notify.recipients().find(userId).map(r -> {
            var v = new LinkedHashMap<String, Object>();
            v.put("email", r.email());
            v.put("display_name", r.displayName());
            v.put("locale", r.locale() == null ? null : r.locale().toLanguageTag());
            v.put("time_zone", r.timeZone() == null ? null : r.timeZone().getId());
            return v;
        }).orElse(null));
        List<Map<String, Object>> subscriptions = new ArrayList<>();
        notify.channel(PushChannel.class).ifPresent(push -> {
            for (StoredPushSubscription s : push.subscriptions(userId)) {
                var v = new LinkedHashMap<String, Object>();
                v.put("id", s.id());
                // The push service's host only: the full endpoint URL is a capability.
                v.put("push_service", URI.create(s.subscription().endpoint()).getHost());
                v.put("user_agent", s.userAgent());
                v.put("created_at", s.createdAt());
                v.put("last_success_at", s.lastSuccessAt());
                subscriptions.add(v);
            }
        });
        body.put("push_subscriptions", subscriptions);
        var prefs = new LinkedHashMap<String, Object>();
        prefs.put("type_opt_outs", notify.preferences().typeOptOuts(userId));
        prefs.put("category_opt_outs", notify.preferences().categoryOptOuts(userId));
        QuietHours quiet = notify.preferences().quietHours(userId).orElse(null);
        prefs.put("quiet_hours", quiet == null ? null : quiet.start() + "-" + quiet.end()
                + (quiet.timeZone() == null ? "" : " " + quiet.timeZone().getId()));
        var digests = new LinkedHashMap<String, Object>();
        notify.preferences().digests(userId).forEach((category, f) -> digests.put(category, f.name().toLowerCase(Locale.ROOT)));
        prefs.put("digests", digests);
        body.put("preferences", prefs);
        body.put("unread", notify.inbox(userId).unreadCount());
        Http.json(ctx, 200, body);
    }

    private void templates(Context ctx) {
        http.requireScope(ctx, Principal.ADMIN);
        List<Map<String, Object>> list = new ArrayList<>();
        for (String name : notify.templates().names()) {
            Template t = notify.templates().find(name).orElse(null);
            if (t == null) {
                continue;
            }
            var v = new LinkedHashMap<String, Object>();
            v.put("name", name);
            v.put("type", t.type());
            v.put("locales", t.locales().keySet().stream().map(Locale::toLanguageTag).sorted().toList());
            list.add(v);
        }
        Http.json(ctx, 200, Map.of("templates", list));
    }

    private void topics(Context ctx) {
        http.requireScope(ctx, Principal.ADMIN);
        List<Map<String, Object>> list = new ArrayList<>();
        notify.topics().sizes().forEach((topic, n) -> list.add(Map.of("topic", topic, "members", n)));
        Http.json(ctx, 200, Map.of("topics", list));
    }

    private static byte[] bytes(String name) {
        try (java.io.InputStream in = AdminPage.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCES + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read resource " + RESOURCES + name, e);
        }
    }
}
