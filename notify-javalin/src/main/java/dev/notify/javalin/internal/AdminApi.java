package dev.notify.javalin.internal;

import dev.notify.InvalidRequestException;
import dev.notify.LanguageTags;
import dev.notify.Limits;
import dev.notify.Notify;
import dev.notify.Recipient;
import dev.notify.email.UnsubscribeTokens;
import dev.notify.javalin.NotifyPluginConfig;
import dev.notify.javalin.Principal;
import dev.notify.outbox.OutboxEntry;
import dev.notify.outbox.OutboxStatus;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The outbox admin API (scope {@code admin}), recipient profiles (scope {@code publish} or
 * {@code admin}), and the one-click unsubscribe endpoint of RFC 8058.
 */
public final class AdminApi {
    private static final Set<String> PROFILE_FIELDS = Set.of("email", "display_name", "locale", "time_zone");

    private final NotifyPluginConfig config;
    private final Notify notify;
    private final Http http;

    public AdminApi(NotifyPluginConfig config) {
        this.config = config;
        this.notify = config.notify;
        this.http = new Http(config);
    }

    public void mount(RoutesConfig routes) {
        String admin = config.adminPath + "/outbox";
        routes.get(admin, http.guarded(this::listOutbox));
        routes.get(admin + "/counts", http.guarded(this::counts));
        routes.post(admin + "/{id}/retry", http.guarded(this::retry));
        routes.post(admin + "/retry", http.guarded(this::retryAll));
        routes.get(config.recipientsPath + "/{user_id}", http.guarded(this::getProfile));
        routes.put(config.recipientsPath + "/{user_id}", http.guarded(this::putProfile));
        routes.delete(config.recipientsPath + "/{user_id}", http.guarded(this::deleteProfile));
        routes.get(config.basePath + "/unsubscribe", http.guarded(this::unsubscribePage));
        routes.post(config.basePath + "/unsubscribe", http.guarded(this::unsubscribe));
    }

    // ---- outbox ----

    private void listOutbox(Context ctx) {
        http.requireScope(ctx, Principal.ADMIN);
        String status = ctx.queryParam("status");
        String channel = ctx.queryParam("channel");
        long before = Http.parseLong(ctx, "before", 0);
        int limit = Http.parseInt(ctx, "limit", Limits.PAGE_DEFAULT);
        List<OutboxEntry> rows = notify.outbox().list(status == null || status.isBlank() ? null : OutboxStatus.parse(status),
                channel == null || channel.isBlank() ? null : channel, before, limit);
        List<Map<String, Object>> views = new ArrayList<>();
        for (OutboxEntry e : rows) {
            views.add(view(e));
        }
        var body = new LinkedHashMap<String, Object>();
        body.put("entries", views);
        body.put("next_before", rows.size() == limit ? rows.get(rows.size() - 1).id() : null);
        Http.json(ctx, 200, body);
    }

    private void counts(Context ctx) {
        http.requireScope(ctx, Principal.ADMIN);
        Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
        notify.outbox().counts().forEach((channel, byStatus) -> {
            Map<String, Long> m = new LinkedHashMap<>();
            byStatus.forEach((status, n) -> m.put(status.wireName(), n));
            counts.put(channel, m);
        });
        Http.json(ctx, 200, Map.of("counts", counts));
    }

    /** Makes one pending, retrying or dead row due now: 200 with the row, 404, or 409 {@code not_waiting}. */
    private void retry(Context ctx) {
        http.requireScope(ctx, Principal.ADMIN);
        try {
            Http.json(ctx, 200, view(notify.outbox().retry(Http.pathId(ctx))));
        } catch (dev.notify.NotifyException e) {
            if ("not_waiting".equals(e.code())) {
                throw new dev.notify.javalin.ApiException(409, e.code(), e.getMessage());
            }
            throw e;
        }
    }

    /**
     * {@code POST .../outbox/retry?channel=email}: makes every pending, retrying and dead row of the
     * channel due now; 200 with {@code {"channel": ..., "retried": n}}, 400 without a channel.
     */
    private void retryAll(Context ctx) {
        http.requireScope(ctx, Principal.ADMIN);
        String channel = ctx.queryParam("channel");
        if (channel == null || channel.isBlank()) {
            throw InvalidRequestException.field("channel", "is required (e.g. ?channel=email)");
        }
        var body = new LinkedHashMap<String, Object>();
        body.put("channel", channel);
        body.put("retried", notify.outbox().retryAll(channel));
        Http.json(ctx, 200, body);
    }

    private static Map<String, Object> view(OutboxEntry e) {
        var v = new LinkedHashMap<String, Object>();
        v.put("id", e.id());
        v.put("notification_id", e.notificationId());
        v.put("recipient", e.recipient());
        v.put("channel", e.channel());
        v.put("destination", e.destination());
        v.put("status", e.status().wireName());
        v.put("attempts", e.attempts());
        v.put("due_at", e.dueAt());
        v.put("last_error", e.lastError());
        v.put("created_at", e.createdAt());
        v.put("delivered_at", e.deliveredAt());
        return v;
    }

    // ---- recipient profiles ----

    private void getProfile(Context ctx) {
        http.requireScope(ctx, Principal.PUBLISH, Principal.ADMIN);
        String userId = ctx.pathParam("user_id");
        Recipient r = notify.recipients().find(userId)
                .orElseThrow(() -> new dev.notify.NotFoundException("no profile for user '" + userId + "'"));
        Http.json(ctx, 200, view(r));
    }

    private void putProfile(Context ctx) {
        http.requireScope(ctx, Principal.PUBLISH, Principal.ADMIN);
        String userId = ctx.pathParam("user_id");
        ObjectNode body = http.readJsonObject(ctx);
        Http.rejectUnknownFields(body, PROFILE_FIELDS);
        String locale = Http.text(body, "locale");
        String zone = Http.text(body, "time_zone");
        ZoneId timeZone = null;
        if (zone != null) {
            try {
                timeZone = ZoneId.of(zone);
            } catch (DateTimeException e) {
                throw InvalidRequestException.field("time_zone", "is not a time zone id (e.g. Europe/Paris): '" + zone + "'");
            }
        }
        Recipient r = new Recipient(userId, Http.text(body, "email"), Http.text(body, "display_name"),
                LanguageTags.require("locale", locale), timeZone);
        notify.recipients().put(r);
        Http.json(ctx, 200, view(r));
    }

    private void deleteProfile(Context ctx) {
        http.requireScope(ctx, Principal.PUBLISH, Principal.ADMIN);
        String userId = ctx.pathParam("user_id");
        if (!notify.recipients().delete(userId)) {
            throw new dev.notify.NotFoundException("no profile for user '" + userId + "'");
        }
        ctx.status(204);
    }

    private static Map<String, Object> view(Recipient r) {
        var v = new LinkedHashMap<String, Object>();
        v.put("user_id", r.userId());
        v.put("email", r.email());
        v.put("display_name", r.displayName());
        v.put("locale", r.locale() == null ? null : r.locale().toLanguageTag());
        v.put("time_zone", r.timeZone() == null ? null : r.timeZone().getId());
        return v;
    }

    // ---- one-click unsubscribe (RFC 8058) ----

    /** GET shows a confirmation form and changes nothing: mail scanners follow links. */
    private void unsubscribePage(Context ctx) {
        UnsubscribeTokens.Target target = verify(ctx);
        String action = config.basePath + "/unsubscribe?token=" + ctx.queryParam("token");
        ctx.status(200).contentType("text/html; charset=utf-8").result("<!doctype html><meta charset=utf-8>"
                + "<meta name=viewport content='width=device-width'><title>Unsubscribe</title>"
                + "<form method=post action=\"" + Html.escape(action) + "\">"
                + "<p>Stop " + Html.escape(target.channel()) + " notifications of type <b>"
                + Html.escape(target.type()) + "</b>?</p>"
                + "<input type=hidden name=List-Unsubscribe value=One-Click>"
                + "<button type=submit>Unsubscribe</button></form>");
    }

    /** POST (the mail client's one-click request, or the form above) opts the recipient out. */
    private void unsubscribe(Context ctx) {
        UnsubscribeTokens.Target target = verify(ctx);
        notify.preferences().optOut(target.recipient(), target.channel(), target.type());
        var body = new LinkedHashMap<String, Object>();
        body.put("unsubscribed", true);
        body.put("channel", target.channel());
        body.put("type", target.type());
        Http.json(ctx, 200, body);
    }

    private UnsubscribeTokens.Target verify(Context ctx) {
        if (config.unsubscribeTokens == null) {
            throw new dev.notify.NotFoundException("unsubscribe links are not enabled on this server");
        }
        String token = ctx.queryParam("token");
        if (token == null || token.isBlank()) {
            throw new InvalidRequestException("invalid_token", "this unsubscribe link has no token");
        }
        return config.unsubscribeTokens.verify(token);
    }
}
