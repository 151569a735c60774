package dev.notify.javalin.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notify.InboxQuery;
import dev.notify.InboxSelection;
import dev.notify.InvalidRequestException;
import dev.notify.LanguageTags;
import dev.notify.Limits;
import dev.notify.Notification;
import dev.notify.Notify;
import dev.notify.Page;
import dev.notify.Priority;
import dev.notify.SendRequest;
import dev.notify.SendResult;
import dev.notify.StreamConnection;
import dev.notify.StreamLimitException;
import dev.notify.StreamOptions;
import dev.notify.json.Json;
import dev.notify.javalin.ApiError;
import dev.notify.javalin.ApiException;
import dev.notify.javalin.NotifyPluginConfig;
import dev.notify.javalin.Principal;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API and SSE endpoints. Every handler authenticates first, acts only on the caller's
 * own inbox (ids of other users' notifications answer 404, like ids that do not exist), and
 * reports errors as {@code {"error":{"code","message"}}}.
 */
public final class NotificationsApi {
    private static final Logger log = LoggerFactory.getLogger(NotificationsApi.class);
    private static final Set<String> CREATE_FIELDS = Set.of("recipient", "recipients", "type", "title", "message",
            "data", "link", "priority", "idempotency_key", "email", "template", "params", "locale", "topic", "key",
            "actions", "expires_at");

    private final NotifyPluginConfig config;
    private final Notify notify;
    private final Http http;
    private final StreamTickets tickets;

    /** @param tickets the ticket store shared with the WebSocket endpoint */
    public NotificationsApi(NotifyPluginConfig config, StreamTickets tickets) {
        this.config = config;
        this.notify = config.notify;
        this.http = new Http(config);
        this.tickets = tickets;
    }

    public void mount(RoutesConfig routes) {
        String base = config.basePath;
        // Literal paths before {id}, so that "unread-count" is never taken for an id.
        routes.get(base, http.guarded(this::list));
        routes.post(base, http.guarded(this::create));
        routes.get(base + "/unread-count", http.guarded(this::unreadCount));
        routes.post(base + "/mark-all-read", http.guarded(this::markAllRead));
        routes.get(base + "/unseen-count", http.guarded(this::unseenCount));
        routes.post(base + "/mark-seen", http.guarded(this::markSeen));
        routes.post(base + "/mark-read", http.guarded(this::markManyRead));
        routes.post(base + "/archive", http.guarded(this::archiveMany));
        routes.post(base + "/archive-all-read", http.guarded(this::archiveAllRead));
        routes.post(base + "/unarchive", http.guarded(this::unarchiveMany));
        routes.delete(base + "/by-key/{key}", http.guarded(this::deleteByKey));
        routes.get(base + "/sse/stream", http.guarded(this::stream));
        routes.post(base + "/sse/ticket", http.guarded(this::issueTicket));
        routes.get(base + "/sse/status", http.guarded(this::streamStatus));
        routes.post(base + "/sse/close", http.guarded(this::closeStreams));
        routes.get(base + "/{id}", http.guarded(this::get));
        routes.post(base + "/{id}/read", http.guarded(this::markRead));
        routes.delete(base + "/{id}", http.guarded(this::delete));
        routes.post(base + "/{id}/archive", http.guarded(this::archive));
        routes.post(base + "/{id}/unarchive", http.guarded(this::unarchive));
        routes.post(base + "/{id}/snooze", http.guarded(this::snooze));
        routes.post(base + "/{id}/unsnooze", http.guarded(this::unsnooze));
        routes.post(base + "/{id}/actions/{action_id}", http.guarded(this::performAction));
        if (config.healthPath != null) {
            routes.get(config.healthPath, http.guarded(this::health));
        }
    }

    // ---- inbox ----

    private void list(Context ctx) {
        Principal p = http.authenticate(ctx);
        String priority = ctx.queryParam("priority");
        InboxQuery query = new InboxQuery(
                Http.parseBoolean(ctx, "unread"),
                ctx.queryParam("type"),
                ctx.queryParam("cursor"),
                Http.parseInt(ctx, "limit", Limits.PAGE_DEFAULT),
                ctx.queryParam("category"),
                priority == null || priority.isBlank() ? null : Priority.parse(priority),
                Http.parseBoolean(ctx, "unseen"),
                Http.parseBoolean(ctx, "archived"),
                Http.parseBoolean(ctx, "snoozed"));
        Page page = notify.inbox(p.userId()).list(query);
        var body = new LinkedHashMap<String, Object>();
        body.put("notifications", views(page.items()));
        body.put("next_cursor", page.nextCursor());
        body.put("has_more", page.hasMore());
        Http.json(ctx, 200, body);
    }

    private void unreadCount(Context ctx) {
        Principal p = http.authenticate(ctx);
        Http.json(ctx, 200, Map.of("unread_count", notify.inbox(p.userId()).unreadCount()));
    }

    private void get(Context ctx) {
        Principal p = http.authenticate(ctx);
        Http.json(ctx, 200, Json.notificationView(notify.inbox(p.userId()).get(Http.pathId(ctx))));
    }

    private void markRead(Context ctx) {
        Principal p = http.authenticate(ctx);
        Http.json(ctx, 200, Json.notificationView(notify.inbox(p.userId()).markRead(Http.pathId(ctx))));
    }

    private void markAllRead(Context ctx) {
        Principal p = http.authenticate(ctx);
        Http.json(ctx, 200, Map.of("marked", notify.inbox(p.userId()).markAllRead()));
    }

    private void delete(Context ctx) {
        Principal p = http.authenticate(ctx);
        notify.inbox(p.userId()).delete(Http.pathId(ctx));
        ctx.status(204);
    }

    // ---- the inbox model: seen, archive, snooze, actions, keys ----

    private void unseenCount(Context ctx) {
        Principal p = http.authenticate(ctx);
        Http.json(ctx, 200, Map.of("unseen_count", notify.inbox(p.userId()).unseenCount()));
    }

    /** The body of a bulk operation: a selection, or an empty body (or none, or {}) for all. */
    private InboxSelection selection(Context ctx) {
        ObjectNode body = http.readOptionalJsonObject(ctx);
        Http.rejectUnknownFields(body, InboxRequests.SELECTION_FIELDS);
        return InboxRequests.selection(body);
    }

    private void markSeen(Context ctx) {
        Principal p = http.authenticate(ctx);
        Http.json(ctx, 200, Map.of("marked", notify.inbox(p.userId()).markSeen(selection(ctx))));
    }

    private void markManyRead(Context ctx) {
        Principal p = http.authenticate(ctx);
        Http.json(ctx, 200, Map.of("marked", notify.inbox(p.userId()).markRead(selection(ctx))));
    }

    private void archiveMany(Context ctx) {
        Principal p = http.authenticate(ctx);
        Http.json(ctx, 200, Map.of("archived", notify.inbox(p.userId()).archive(selection(ctx))));
    }

    private void archiveAllRead(Context ctx) {
        Principal p = http.authenticate(ctx);
        Http.json(ctx, 200, Map.of("archived", notify.inbox(p.userId()).archiveAllRead()));
    }

    private void unarchiveMany(Context ctx) {
        Principal p = http.authenticate(ctx);
        Http.json(ctx, 200, Map.of("unarchived", notify.inbox(p.userId()).unarchive(selection(ctx))));
    }

    private void archive(Context ctx) {
        Principal p = http.authenticate(ctx);
        Http.json(ctx, 200, Json.notificationView(notify.inbox(p.userId()).archive(Http.pathId(ctx))));
    }

    private void unarchive(Context ctx) {
        Principal p = http.authenticate(ctx);
        Http.json(ctx, 200, Json.notificationView(notify.inbox(p.userId()).unarchive(Http.pathId(ctx))));
    }

    private void snooze(Context ctx) {
        Principal p = http.authenticate(ctx);
        long id = Http.pathId(ctx);
        ObjectNode body = http.readJsonObject(ctx);
        Http.rejectUnknownFields(body, Set.of("until"));
        Http.json(ctx, 200, Json.notificationView(notify.inbox(p.userId()).snooze(id, InboxRequests.until(body))));
    }

    private void unsnooze(Context ctx) {
        Principal p = http.authenticate(ctx);
        Http.json(ctx, 200, Json.notificationView(notify.inbox(p.userId()).unsnooze(Http.pathId(ctx))));
    }

    private void performAction(Context ctx) {
        Principal p = http.authenticate(ctx);
        long id = Http.pathId(ctx);
        Http.json(ctx, 200, InboxRequests.performedView(
                notify.inbox(p.userId()).performAction(id, ctx.pathParam("action_id"))));
    }

    private void deleteByKey(Context ctx) {
        Principal p = http.authenticate(ctx);
        notify.inbox(p.userId()).deleteByKey(ctx.pathParam("key"));
        ctx.status(204);
    }

    // ---- publishing ----

    private void create(Context ctx) {
        Principal p = http.authenticate(ctx);
        if (!p.has(Principal.PUBLISH)) {
            throw new ApiException(ApiError.INSUFFICIENT_SCOPE, "creating notifications needs the 'publish' scope");
        }
        http.limits().sends.take(ctx, p.userId());
        ObjectNode body = http.readJsonObject(ctx);
        Http.rejectUnknownFields(body, CREATE_FIELDS);
        List<String> recipients = new ArrayList<>();
        String one = Http.text(body, "recipient");
        if (one != null) {
            recipients.add(one);
        }
        JsonNode many = body.get("recipients");
        if (many != null && !many.isNull()) {
            if (!many.isArray()) {
                throw InvalidRequestException.field("recipients", "must be an array of user ids");
            }
            for (JsonNode r : many) {
                if (!r.isTextual()) {
                    throw InvalidRequestException.field("recipients", "must be an array of user ids");
                }
                recipients.add(r.asText());
            }
        }
        Map<String, Object> data = Http.object(body, "data");
        String priority = Http.text(body, "priority");
        String key = Http.text(body, "idempotency_key");
        if (key == null) {
            key = ctx.header("Idempotency-Key");
        }
        String template = Http.text(body, "template");
        Map<String, Object> params = Http.object(body, "params");
        String locale = Http.text(body, "locale");
        SendRequest.Builder builder = SendRequest.to(recipients)
                .topic(Http.text(body, "topic"))
                .type(Http.text(body, "type"))
                .title(Http.text(body, "title"))
                .message(Http.text(body, "message"));
        if (template != null || params != null) {
            builder.template(template, params);
        }
        if (locale != null) {
            builder.locale(LanguageTags.require("locale", locale));
        }
        SendRequest request = InboxRequests.sendFields(body, builder)
                .data(data)
                .link(Http.text(body, "link"))
                .priority(priority == null ? Priority.NORMAL : Priority.parse(priority))
                .idempotencyKey(key)
                .email(Http.text(body, "email"))
                .build();
        SendResult result = notify.send(request);
        var response = new LinkedHashMap<String, Object>();
        response.put("notifications", views(result.notifications()));
        response.put("created", result.created());
        Http.json(ctx, result.replayed() ? 200 : 201, response);
    }

    // ---- streams ----

    private void issueTicket(Context ctx) {
        Principal p = http.authenticate(ctx);
        http.limits().tickets.take(ctx, p.userId());
        var body = new LinkedHashMap<String, Object>();
        body.put("ticket", tickets.issue(p));
        body.put("expires_in", tickets.ttl().toSeconds());
        ctx.header("Cache-Control", "no-store");
        Http.json(ctx, 200, body);
    }

    private void stream(Context ctx) throws IOException {
        Principal p = http.authenticateStream(ctx, tickets);
        http.limits().admitStream(ctx, p.userId());
        long resumeAfter = Http.lastEventId(ctx);
        SseSink sink = new SseSink(ctx, config.sseRetry);
        StreamOptions options = (resumeAfter >= 0 ? StreamOptions.resumeAfter(resumeAfter) : StreamOptions.live())
                .withHeartbeat(config.heartbeat);
        // Register first, greet second: a client that has seen connection_established can rely on
        // every notification committed from then on reaching it.
        StreamConnection connection;
        try {
            connection = notify.openStream(p.userId(), sink, options);
        } catch (StreamLimitException e) {
            StreamRefusal.of(e, config.streamRetryAfter).answer(ctx);
            return;
        }
        var res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream");
        res.setCharacterEncoding("UTF-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
        // The stream is the connection's last response: nothing reads a next request from it.
        res.setHeader("Connection", "close");
        var hello = new LinkedHashMap<String, Object>();
        hello.put("type", "connection_established");
        hello.put("message", "SSE connection established");
        hello.put("user_id", p.userId());
        hello.put("connection_id", connection.id());
        hello.put("heartbeat_seconds", config.heartbeat.toSeconds());
        try {
            sink.greet("retry: " + config.sseRetry.toMillis() + "\n\n", hello);
        } catch (IOException e) {
            connection.close();
            return;
        }
        ctx.future(sink::done);
        // Whatever ends the response (client gone, server stop) also ends the registration.
        sink.done().whenComplete((v, e) -> connection.close());
        sink.watchForDisconnect();
    }

    private void streamStatus(Context ctx) {
        Principal p = http.authenticate(ctx);
        List<Map<String, Object>> connections = new ArrayList<>();
        for (StreamConnection c : notify.streams(p.userId())) {
            var view = new LinkedHashMap<String, Object>();
            view.put("connection_id", c.id());
            view.put("opened_at", c.openedAt());
            view.put("last_event_id", c.lastDeliveredSeq());
            connections.add(view);
        }
        var body = new LinkedHashMap<String, Object>();
        body.put("connected", !connections.isEmpty());
        body.put("connection_count", connections.size());
        body.put("connections", connections);
        body.put("heartbeat_seconds", config.heartbeat.toSeconds());
        Http.json(ctx, 200, body);
    }

    private void closeStreams(Context ctx) {
        Principal p = http.authenticate(ctx);
        Http.json(ctx, 200, Map.of("closed", notify.closeStreams(p.userId(), "closed by client request")));
    }

    private void health(Context ctx) {
        var body = new LinkedHashMap<String, Object>();
        body.put("status", "ok");
        body.put("version", BuildVersion.get());
        body.put("open_streams", notify.openStreamCount());
        Http.json(ctx, 200, body);
    }

    private static List<Map<String, Object>> views(List<Notification> notifications) {
        List<Map<String, Object>> views = new ArrayList<>(notifications.size());
        for (Notification n : notifications) {
            views.add(Json.notificationView(n));
        }
        return views;
    }
}
