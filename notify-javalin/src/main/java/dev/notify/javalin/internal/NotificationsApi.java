package dev.notify.javalin.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notify.InboxQuery;
import dev.notify.InvalidRequestException;
import dev.notify.Limits;
import dev.notify.NotFoundException;
import dev.notify.Notification;
import dev.notify.Notify;
import dev.notify.NotifyException;
import dev.notify.Page;
import dev.notify.Priority;
import dev.notify.SendRequest;
import dev.notify.SendResult;
import dev.notify.StreamConnection;
import dev.notify.StreamOptions;
import dev.notify.internal.Json;
import dev.notify.javalin.ApiError;
import dev.notify.javalin.ApiException;
import dev.notify.javalin.AuthenticationException;
import dev.notify.javalin.NotifyPluginConfig;
import dev.notify.javalin.Principal;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
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
            "data", "link", "priority", "idempotency_key");

    private final NotifyPluginConfig config;
    private final Notify notify;

    public NotificationsApi(NotifyPluginConfig config) {
        this.config = config;
        this.notify = config.notify;
    }

    public void mount(RoutesConfig routes) {
        String base = config.basePath;
        // Literal paths before {id}, so that "unread-count" is never taken for an id.
        routes.get(base, guarded(this::list));
        routes.post(base, guarded(this::create));
        routes.get(base + "/unread-count", guarded(this::unreadCount));
        routes.post(base + "/mark-all-read", guarded(this::markAllRead));
        routes.get(base + "/sse/stream", guarded(this::stream));
        routes.get(base + "/sse/status", guarded(this::streamStatus));
        routes.post(base + "/sse/close", guarded(this::closeStreams));
        routes.get(base + "/{id}", guarded(this::get));
        routes.post(base + "/{id}/read", guarded(this::markRead));
        routes.delete(base + "/{id}", guarded(this::delete));
        if (config.healthPath != null) {
            routes.get(config.healthPath, guarded(this::health));
        }
    }

    // ---- inbox ----

    private void list(Context ctx) {
        Principal p = authenticate(ctx);
        InboxQuery query = new InboxQuery(
                parseBoolean(ctx, "unread"),
                ctx.queryParam("type"),
                ctx.queryParam("cursor"),
                parseInt(ctx, "limit", Limits.PAGE_DEFAULT));
        Page page = notify.inbox(p.userId()).list(query);
        var body = new LinkedHashMap<String, Object>();
        body.put("notifications", views(page.items()));
        body.put("next_cursor", page.nextCursor());
        body.put("has_more", page.hasMore());
        json(ctx, 200, body);
    }

    private void unreadCount(Context ctx) {
        Principal p = authenticate(ctx);
        json(ctx, 200, Map.of("unread_count", notify.inbox(p.userId()).unreadCount()));
    }

    private void get(Context ctx) {
        Principal p = authenticate(ctx);
        json(ctx, 200, Json.notificationView(notify.inbox(p.userId()).get(pathId(ctx))));
    }

    private void markRead(Context ctx) {
        Principal p = authenticate(ctx);
        json(ctx, 200, Json.notificationView(notify.inbox(p.userId()).markRead(pathId(ctx))));
    }

    private void markAllRead(Context ctx) {
        Principal p = authenticate(ctx);
        json(ctx, 200, Map.of("marked", notify.inbox(p.userId()).markAllRead()));
    }

    private void delete(Context ctx) {
        Principal p = authenticate(ctx);
        notify.inbox(p.userId()).delete(pathId(ctx));
        ctx.status(204);
    }

    // ---- publishing ----

    private void create(Context ctx) {
        Principal p = authenticate(ctx);
        if (!p.has(Principal.PUBLISH)) {
            throw new ApiException(ApiError.INSUFFICIENT_SCOPE, "creating notifications needs the 'publish' scope");
        }
        ObjectNode body = readJsonObject(ctx);
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!CREATE_FIELDS.contains(name)) {
                throw new ApiException(400, "unknown_field", "unknown field '" + name + "'; accepted: "
                        + String.join(", ", CREATE_FIELDS.stream().sorted().toList()));
            }
        }
        List<String> recipients = new ArrayList<>();
        String one = text(body, "recipient");
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
        JsonNode data = body.get("data");
        if (data != null && !data.isNull() && !data.isObject()) {
            throw InvalidRequestException.field("data", "must be a JSON object");
        }
        String priority = text(body, "priority");
        String key = text(body, "idempotency_key");
        if (key == null) {
            key = ctx.header("Idempotency-Key");
        }
        SendRequest request = SendRequest.to(recipients)
                .type(body.has("type") ? text(body, "type") : "notification")
                .title(text(body, "title"))
                .message(text(body, "message"))
                .data(data == null || data.isNull() ? null : Json.MAPPER.convertValue(data, Map.class))
                .link(text(body, "link"))
                .priority(priority == null ? Priority.NORMAL : Priority.parse(priority))
                .idempotencyKey(key)
                .build();
        SendResult result = notify.send(request);
        var response = new LinkedHashMap<String, Object>();
        response.put("notifications", views(result.notifications()));
        response.put("created", result.created());
        json(ctx, result.replayed() ? 200 : 201, response);
    }

    // ---- streams ----

    private void stream(Context ctx) throws IOException {
        Principal p = authenticate(ctx);
        long resumeAfter = lastEventId(ctx);
        var res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream");
        res.setCharacterEncoding("UTF-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
        SseSink sink = new SseSink(ctx);
        var hello = new LinkedHashMap<String, Object>();
        hello.put("type", "connection_established");
        hello.put("message", "SSE connection established");
        hello.put("user_id", p.userId());
        hello.put("heartbeat_seconds", config.heartbeat.toSeconds());
        sink.write("retry: " + config.sseRetry.toMillis() + "\n\n");
        sink.frame(null, "connection_established", hello);
        ctx.future(sink::done);
        StreamOptions options = (resumeAfter >= 0 ? StreamOptions.resumeAfter(resumeAfter) : StreamOptions.live())
                .withHeartbeat(config.heartbeat);
        StreamConnection connection = notify.openStream(p.userId(), sink, options);
        // Whatever ends the response (client gone, server stop) also ends the registration.
        sink.done().whenComplete((v, e) -> connection.close());
    }

    private void streamStatus(Context ctx) {
        Principal p = authenticate(ctx);
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
        json(ctx, 200, body);
    }

    private void closeStreams(Context ctx) {
        Principal p = authenticate(ctx);
        json(ctx, 200, Map.of("closed", notify.closeStreams(p.userId(), "closed by client request")));
    }

    private void health(Context ctx) {
        var body = new LinkedHashMap<String, Object>();
        body.put("status", "ok");
        body.put("open_streams", notify.openStreamCount());
        json(ctx, 200, body);
    }

    // ---- plumbing ----

    private Handler guarded(Handler handler) {
        return ctx -> {
            try {
                handler.handle(ctx);
            } catch (ApiException e) {
                error(ctx, e.status(), e.code(), e.getMessage());
            } catch (AuthenticationException e) {
                ctx.header("WWW-Authenticate", "Bearer");
                error(ctx, 401, e.code(), e.getMessage());
            } catch (InvalidRequestException e) {
                error(ctx, 400, e.code(), e.getMessage());
            } catch (NotFoundException e) {
                error(ctx, 404, e.code(), e.getMessage());
            } catch (NotifyException e) {
                log.warn("{} {} failed: {}", ctx.method(), ctx.path(), e.getMessage());
                int status = "store_unavailable".equals(e.code()) ? 503 : 500;
                error(ctx, status, e.code(), e.getMessage());
            } catch (RuntimeException e) {
                // ctx.path() excludes the query string, so a ?token= never reaches the log.
                log.error("{} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, 500, ApiError.INTERNAL.code(), ApiError.INTERNAL.hint());
            }
        };
    }

    private static void error(Context ctx, int status, String code, String message) {
        json(ctx, status, Map.of("error", Map.of("code", code, "message", message)));
    }

    private static void json(Context ctx, int status, Object body) {
        ctx.status(status).contentType("application/json").result(Json.write(body));
    }

    private Principal authenticate(Context ctx) {
        String header = ctx.header("Authorization");
        String token = null;
        if (header != null) {
            if (!header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
                throw new AuthenticationException("Authorization header must be 'Bearer <token>'");
            }
            token = header.substring(7).trim();
        } else {
            token = ctx.queryParam("token");
        }
        if (token == null || token.isBlank()) {
            throw new AuthenticationException("no token: send 'Authorization: Bearer <token>' or '?token='");
        }
        return config.authenticator.authenticate(token);
    }

    private ObjectNode readJsonObject(Context ctx) {
        String contentType = ctx.contentType();
        if (contentType != null && !contentType.toLowerCase(java.util.Locale.ROOT).contains("json")) {
            throw new ApiException(ApiError.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json but was '"
                    + contentType + "'");
        }
        long declared = ctx.req().getContentLengthLong();
        if (declared > config.maxBodyBytes) {
            throw tooLarge(declared);
        }
        byte[] bytes = readLimited(ctx);
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new ApiException(ApiError.INVALID_JSON, "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ApiException(ApiError.INVALID_JSON, "the body could not be read");
        }
        if (node == null || node.isMissingNode() || !node.isObject()) {
            throw new ApiException(ApiError.INVALID_JSON, "the body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    private byte[] readLimited(Context ctx) {
        try (InputStream in = ctx.req().getInputStream()) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            long total = 0;
            for (int n; (n = in.read(chunk)) != -1; ) {
                total += n;
                if (total > config.maxBodyBytes) {
                    throw tooLarge(total);
                }
                buffer.write(chunk, 0, n);
            }
            return buffer.toByteArray();
        } catch (IOException e) {
            throw new ApiException(ApiError.INVALID_JSON, "the body could not be read");
        }
    }

    private ApiException tooLarge(long size) {
        return new ApiException(ApiError.PAYLOAD_TOO_LARGE, "the body must be at most " + config.maxBodyBytes
                + " bytes but was " + (size > config.maxBodyBytes ? "more" : Long.toString(size)));
    }

    private static String text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw InvalidRequestException.field(field, "must be a string");
        }
        return node.asText();
    }

    private static long pathId(Context ctx) {
        String raw = ctx.pathParam("id");
        try {
            long id = Long.parseLong(raw);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new NotFoundException("notification '" + raw + "' not found");
    }

    private static long lastEventId(Context ctx) {
        String raw = ctx.header("Last-Event-ID");
        if (raw == null || raw.isBlank()) {
            raw = ctx.queryParam("last_event_id");
        }
        if (raw == null || raw.isBlank()) {
            return -1;
        }
        try {
            long seq = Long.parseLong(raw.trim());
            if (seq >= 0) {
                return seq;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw InvalidRequestException.field("last_event_id", "must be a sequence number this server sent but was '"
                + raw + "'");
    }

    private static boolean parseBoolean(Context ctx, String name) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) {
            return false;
        }
        return switch (raw.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw InvalidRequestException.field(name, "must be true or false but was '" + raw + "'");
        };
    }

    private static int parseInt(Context ctx, String name, int fallback) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw InvalidRequestException.field(name, "must be a whole number but was '" + raw + "'");
        }
    }

    private static List<Map<String, Object>> views(List<Notification> notifications) {
        List<Map<String, Object>> views = new ArrayList<>(notifications.size());
        for (Notification n : notifications) {
            views.add(Json.notificationView(n));
        }
        return views;
    }
}
