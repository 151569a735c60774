package dev.notify.javalin.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notify.InboxQuery;
import dev.notify.InputRules;
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
import dev.notify.StreamLimitException;
import dev.notify.StreamOptions;
import dev.notify.json.Json;
import dev.notify.javalin.ApiError;
import dev.notify.javalin.ApiException;
import dev.notify.javalin.AuthenticationException;
import dev.notify.javalin.NotifyPluginConfig;
import dev.notify.javalin.Principal;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.websocket.WsBinaryMessageContext;
import io.javalin.websocket.WsCloseContext;
import io.javalin.websocket.WsConnectContext;
import io.javalin.websocket.WsErrorContext;
import io.javalin.websocket.WsMessageContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket endpoint with notify's JSON messages ({@code docs/protocol.md}), on the same stream hub as SSE: a
 * notification, read or delete reaches every SSE and WebSocket connection of its user.
 *
 * <p>The upgrade is authenticated first ({@code ?ticket=}, {@code ?token=} or
 * {@code Authorization: Bearer}); without valid credentials it is refused with HTTP 401 and the
 * usual JSON error, so no socket is opened. {@code ?last_event_id=} resumes after a notification
 * sequence, as SSE's {@code Last-Event-ID} does.
 *
 * <p>Client messages: {@code get_notifications}, {@code mark_read}, {@code mark_all_read},
 * {@code delete_notification}, {@code send_notification} (scope {@code publish}), and for the inbox
 * model {@code mark_seen}, {@code mark_many_read}, {@code archive}, {@code unarchive},
 * {@code archive_all_read}, {@code snooze}, {@code unsnooze}, {@code perform_action},
 * {@code delete_by_key}. Each may carry a
 * {@code request_id} (string or number), echoed in its reply or error. A bad message is answered
 * with {@code {"type":"error","code":...,"message":...}} and the socket stays open; a message
 * over {@link NotifyPluginConfig#wsMaxMessageBytes} closes it with 1009.
 */
public final class WebSocketApi {
    private static final Logger log = LoggerFactory.getLogger(WebSocketApi.class);
    private static final String PRINCIPAL = "dev.notify.ws.principal";
    private static final String RESUME_AFTER = "dev.notify.ws.resume-after";
    private static final int REQUEST_ID_MAX = 100;
    private static final List<String> TYPES = List.of("get_notifications", "mark_read", "mark_all_read",
            "delete_notification", "send_notification", "mark_seen", "mark_many_read", "archive", "unarchive",
            "archive_all_read", "snooze", "unsnooze", "perform_action", "delete_by_key");
    /** Duplicate keys are an error, not "last one wins": a message that repeats "type" is ambiguous. */
    private static final ObjectReader READER = Json.MAPPER.reader().with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final NotifyPluginConfig config;
    private final Notify notify;
    private final Http http;
    private final StreamTickets tickets;
    private final Map<String, Client> clients = new ConcurrentHashMap<>();

    /** One open socket: who it is, how to write to it, and its registration with the hub. */
    private static final class Client {
        final Principal principal;
        final WsSink sink;
        /** This connection's message rate limit; null when there is none. */
        final io.github.bucket4j.Bucket messages;
        volatile StreamConnection connection;
        volatile boolean gone;

        Client(Principal principal, WsSink sink, io.github.bucket4j.Bucket messages) {
            this.principal = principal;
            this.sink = sink;
            this.messages = messages;
        }

        void end() {
            gone = true;
            StreamConnection c = connection;
            if (c != null) {
                c.close();
            }
        }
    }

    public WebSocketApi(NotifyPluginConfig config, StreamTickets tickets) {
        this.config = config;
        this.notify = config.notify;
        this.http = new Http(config);
        this.tickets = tickets;
    }

    public void mount(RoutesConfig routes) {
        routes.wsBeforeUpgrade(config.wsPath, this::beforeUpgrade);
        routes.ws(config.wsPath, ws -> {
            ws.onConnect(this::connected);
            ws.onMessage(this::message);
            ws.onBinaryMessage(this::binaryMessage);
            ws.onClose(this::closed);
            ws.onError(this::failed);
        });
    }

    // ---- lifecycle ----

    private void beforeUpgrade(Context ctx) {
        try {
            Http.checkParameters(ctx);
            Principal principal = http.authenticateStream(ctx, tickets);
            http.limits().admitStream(ctx, principal.userId());
            long resumeAfter = Http.lastEventId(ctx);
            // Checked again, atomically, when the stream opens; refusing here answers with an HTTP
            // status the client can read, instead of a socket closed right after it opened.
            notify.checkStreamCapacity(principal.userId());
            ctx.attribute(PRINCIPAL, principal);
            ctx.attribute(RESUME_AFTER, resumeAfter);
        } catch (StreamLimitException e) {
            StreamRefusal refusal = StreamRefusal.of(e, config.streamRetryAfter);
            ctx.res().setHeader("Retry-After", refusal.retryAfterSeconds());
            ctx.res().setHeader("Connection", "close");
            refuse(ctx, refusal.error().status(), refusal.error().code(), refusal.message());
        } catch (AuthenticationException e) {
            ctx.res().setHeader("WWW-Authenticate", "Bearer");
            refuse(ctx, 401, e.code(), e.getMessage());
        } catch (InvalidRequestException e) {
            refuse(ctx, 400, Http.errorBody(e.code(), e.getMessage(), e.field()));
        } catch (ApiException e) {
            refuse(ctx, e.status(), e.code(), e.getMessage());
        } catch (RuntimeException e) {
            ServerFailure failure = ServerFailure.of(e, "WebSocket upgrade " + ctx.path());
            if (failure.retryable()) {
                ctx.res().setHeader("Retry-After", Long.toString(ServerFailure.RETRY_AFTER_SECONDS));
            }
            refuse(ctx, failure.status(), failure.body());
        }
    }

    /** Answers the upgrade request with an HTTP error instead of switching protocols. */
    private static void refuse(Context ctx, int status, String code, String message) {
        refuse(ctx, status, Http.errorBody(code, message, null));
    }

    private static void refuse(Context ctx, int status, Map<String, Object> error) {
        ctx.skipRemainingHandlers();
        byte[] body = JsonBodies.write(Map.of("error", error)).getBytes(StandardCharsets.UTF_8);
        try {
            var res = ctx.res();
            res.setStatus(status);
            res.setContentType("application/json");
            res.setContentLength(body.length);
            res.getOutputStream().write(body);
            res.flushBuffer();
        } catch (IOException e) {
            log.debug("could not send the refusal of a WebSocket upgrade", e);
        }
    }

    private void connected(WsConnectContext ctx) {
        Principal principal = ctx.attribute(PRINCIPAL);
        Long resumeAfter = ctx.attribute(RESUME_AFTER);
        Session session = ctx.session;
        if (principal == null) {
            // Not reachable through beforeUpgrade; refuse rather than serve an anonymous socket.
            ctx.closeSession(StatusCode.POLICY_VIOLATION, "unauthenticated");
            return;
        }
        session.setMaxTextMessageSize(config.wsMaxMessageBytes);
        session.setMaxBinaryMessageSize(config.wsMaxMessageBytes);
        // Pings keep the connection busy, so only a peer silent through two of them times out.
        session.setIdleTimeout(config.wsPing.multipliedBy(2).plus(Duration.ofSeconds(10)));
        WsSink sink = new WsSink(session);
        Client client = new Client(principal, sink,
                http.limits().wsMessages.enabled() ? http.limits().wsMessages.newBucket() : null);
        clients.put(ctx.sessionId(), client);
        try {
            var hello = new LinkedHashMap<String, Object>();
            hello.put("type", "connection_established");
            hello.put("user_id", principal.userId());
            hello.put("ping_seconds", config.wsPing.toSeconds());
            // The greeting goes first, but only once the hub has registered the socket: a client
            // that has it receives every change from then on.
            sink.greetWith(hello);
            StreamOptions options = (resumeAfter != null && resumeAfter >= 0
                    ? StreamOptions.resumeAfter(resumeAfter) : StreamOptions.live()).withHeartbeat(config.wsPing);
            client.connection = notify.openStream(principal.userId(), sink, options);
            if (client.gone) {
                // The socket closed while the stream was being opened.
                client.connection.close();
                return;
            }
            sink.greet();
        } catch (IOException e) {
            forget(ctx.sessionId());
        } catch (StreamLimitException e) {
            // Lost a race with another open after the upgrade's check: 1013, try again later.
            forget(ctx.sessionId());
            sink.close(StatusCode.TRY_AGAIN_LATER, e.getMessage());
        } catch (RuntimeException e) {
            log.warn("opening the WebSocket stream for {} failed: {}", principal.userId(), e.getMessage());
            forget(ctx.sessionId());
            sink.close(StatusCode.SERVER_ERROR, "server error");
        }
    }

    private void closed(WsCloseContext ctx) {
        forget(ctx.sessionId());
    }

    private void failed(WsErrorContext ctx) {
        // Jetty closes the session after an error (e.g. 1009 for a message over the limit).
        log.debug("websocket error: {}", ctx.error() == null ? "unknown" : ctx.error().toString());
        forget(ctx.sessionId());
    }

    private void forget(String sessionId) {
        Client client = clients.remove(sessionId);
        if (client != null) {
            client.end();
        }
    }

    // ---- messages ----

    private void binaryMessage(WsBinaryMessageContext ctx) {
        Client client = clients.get(ctx.sessionId());
        if (client != null) {
            reply(client, error(null, ApiError.INVALID_JSON.code(), "send JSON as text messages, not binary"));
        }
    }

    private void message(WsMessageContext ctx) {
        Client client = clients.get(ctx.sessionId());
        if (client == null) {
            return;
        }
        if (client.messages != null) {
            long wait = http.limits().wsMessages.takeOrWait(client.messages);
            if (wait > 0) {
                Map<String, Object> refused = error(null, ApiError.RATE_LIMITED.code(), "more than "
                        + config.limits.wsMessagesPerSecond() + " messages per second; retry in " + wait + " s");
                refused.put("retry_after", wait);
                reply(client, refused);
                return;
            }
        }
        reply(client, handle(client.principal, ctx.message()));
    }

    private void reply(Client client, Map<String, Object> message) {
        try {
            client.sink.send(message);
        } catch (IOException e) {
            client.end();
        }
    }

    /** Handles one client message and returns the reply: a result, or an {@code error}. */
    Map<String, Object> handle(Principal principal, String text) {
        JsonNode node;
        try {
            node = READER.readTree(text);
        } catch (JsonProcessingException e) {
            NotifyException failure = Http.parseFailure(e, "the message");
            return error(null, failure.code(), failure.getMessage(),
                    failure instanceof InvalidRequestException invalid ? invalid.field() : null);
        } catch (IOException e) {
            return error(null, ApiError.INVALID_JSON.code(), "the message could not be read");
        }
        if (node == null || !node.isObject()) {
            return error(null, ApiError.INVALID_JSON.code(), "a message must be a JSON object with a \"type\"");
        }
        ObjectNode message = (ObjectNode) node;
        JsonNode requestId = message.get("request_id");
        boolean idValid = requestId == null || requestId.isNull() || requestId.isIntegralNumber()
                || (requestId.isTextual() && requestId.asText().length() <= REQUEST_ID_MAX);
        Object id = !idValid || requestId == null || requestId.isNull() ? null
                : requestId.isTextual() ? requestId.asText() : requestId.numberValue();
        try {
            Http.checkTree(message);
        } catch (InvalidRequestException e) {
            return error(InputRules.INVALID_TEXT.equals(e.code()) || "request_id".equals(e.field()) ? null : id,
                    e.code(), e.getMessage(), e.field());
        }
        if (!idValid) {
            return error(null, ApiError.INVALID_REQUEST.code(), "request_id must be a number or a string of at most "
                    + REQUEST_ID_MAX + " characters");
        }
        JsonNode type = message.get("type");
        if (type == null || !type.isTextual()) {
            return error(id, ApiError.INVALID_REQUEST.code(), "type is required: one of " + String.join(", ", TYPES));
        }
        try {
            Map<String, Object> reply = switch (type.asText()) {
                case "get_notifications" -> list(principal, message);
                case "mark_read" -> markRead(principal, message);
                case "mark_all_read" -> markAllRead(principal);
                case "delete_notification" -> delete(principal, message);
                case "send_notification" -> send(principal, message);
                case "mark_seen" -> counted("marked_seen",
                        notify.inbox(principal.userId()).markSeen(InboxRequests.selection(message)));
                case "mark_many_read" -> counted("marked_read",
                        notify.inbox(principal.userId()).markRead(InboxRequests.selection(message)));
                case "archive" -> message.hasNonNull("notification_id")
                        ? changed("archived", notify.inbox(principal.userId())
                                .archive(notificationId(message)))
                        : counted("archived", notify.inbox(principal.userId())
                                .archive(InboxRequests.selection(message)));
                case "unarchive" -> message.hasNonNull("notification_id")
                        ? changed("unarchived", notify.inbox(principal.userId())
                                .unarchive(notificationId(message)))
                        : counted("unarchived", notify.inbox(principal.userId())
                                .unarchive(InboxRequests.selection(message)));
                case "archive_all_read" -> counted("archived",
                        notify.inbox(principal.userId()).archiveAllRead());
                case "snooze" -> changed("snoozed", notify.inbox(principal.userId())
                        .snooze(notificationId(message), InboxRequests.until(message)));
                case "unsnooze" -> changed("unsnoozed", notify.inbox(principal.userId())
                        .unsnooze(notificationId(message)));
                case "perform_action" -> performAction(principal, message);
                case "delete_by_key" -> deleteByKey(principal, message);
                default -> null;
            };
            if (reply == null) {
                return error(id, "unknown_type", "unknown message type '" + type.asText() + "'; expected one of "
                        + String.join(", ", TYPES));
            }
            if (id != null) {
                reply.put("request_id", id);
            }
            return reply;
        } catch (ApiException e) {
            return error(id, e.code(), e.getMessage());
        } catch (InvalidRequestException e) {
            // Text and number rules keep their own codes, as over HTTP; other field errors are invalid_request.
            boolean rule = InputRules.INVALID_TEXT.equals(e.code()) || InputRules.INVALID_NUMBER.equals(e.code());
            return error(id, rule ? e.code() : ApiError.INVALID_REQUEST.code(), e.getMessage(), e.field());
        } catch (NotFoundException e) {
            return error(id, e.code(), e.getMessage());
        } catch (RuntimeException e) {
            ServerFailure failure = ServerFailure.of(e, "websocket " + type.asText());
            Map<String, Object> error = error(id, failure.code(), failure.message());
            error.put("error_id", failure.errorId());
            return error;
        }
    }

    private static Map<String, Object> error(Object requestId, String code, String message) {
        return error(requestId, code, message, null);
    }

    private static Map<String, Object> error(Object requestId, String code, String message, String field) {
        var error = new LinkedHashMap<String, Object>();
        error.put("type", "error");
        error.put("code", code);
        error.put("message", message);
        if (field != null) {
            error.put("field", field);
        }
        if (requestId != null) {
            error.put("request_id", requestId);
        }
        return error;
    }

    private static Map<String, Object> reply(String type) {
        var reply = new LinkedHashMap<String, Object>();
        reply.put("type", type);
        return reply;
    }

    private Map<String, Object> list(Principal principal, ObjectNode message) {
        String priority = text(message, "priority");
        InboxQuery query = new InboxQuery(
                bool(message, "unread"),
                text(message, "notification_type"),
                text(message, "cursor"),
                message.hasNonNull("limit") ? integer(message, "limit") : Limits.PAGE_DEFAULT,
                text(message, "category"),
                priority == null ? null : Priority.parse(priority),
                bool(message, "unseen"),
                bool(message, "archived"),
                bool(message, "snoozed"));
        var inbox = notify.inbox(principal.userId());
        Page page = inbox.list(query);
        List<Map<String, Object>> views = new ArrayList<>(page.items().size());
        for (Notification n : page.items()) {
            views.add(Json.notificationView(n));
        }
        Map<String, Object> reply = reply("notifications_list");
        reply.put("notifications", views);
        reply.put("total", views.size());
        reply.put("unread_count", inbox.unreadCount());
        reply.put("unseen_count", inbox.unseenCount());
        reply.put("next_cursor", page.nextCursor());
        reply.put("has_more", page.hasMore());
        return reply;
    }

    private Map<String, Object> markRead(Principal principal, ObjectNode message) {
        long id = notificationId(message);
        notify.inbox(principal.userId()).markRead(id);
        Map<String, Object> reply = reply("notification_marked_read");
        reply.put("notification_id", id);
        reply.put("success", true);
        return reply;
    }

    private Map<String, Object> markAllRead(Principal principal) {
        int count = notify.inbox(principal.userId()).markAllRead();
        Map<String, Object> reply = reply("all_marked_read");
        reply.put("count", count);
        reply.put("success", true);
        return reply;
    }

    private Map<String, Object> delete(Principal principal, ObjectNode message) {
        long id = notificationId(message);
        notify.inbox(principal.userId()).delete(id);
        Map<String, Object> reply = reply("notification_deleted");
        reply.put("notification_id", id);
        reply.put("success", true);
        return reply;
    }

    /** The reply to a bulk operation: its type, how many changed. */
    private static Map<String, Object> counted(String type, int count) {
        Map<String, Object> reply = reply(type);
        reply.put("count", count);
        reply.put("success", true);
        return reply;
    }

    /** The reply to a change of one notification: its type and the notification as now stored. */
    private static Map<String, Object> changed(String type, Notification n) {
        Map<String, Object> reply = reply(type);
        reply.put("notification_id", n.id());
        reply.put("notification", Json.notificationView(n));
        reply.put("success", true);
        return reply;
    }

    private Map<String, Object> performAction(Principal principal, ObjectNode message) {
        String actionId = text(message, "action_id");
        if (actionId == null) {
            throw InvalidRequestException.field("action_id", "is required");
        }
        Map<String, Object> reply = reply("action_performed");
        reply.putAll(InboxRequests.performedView(notify.inbox(principal.userId())
                .performAction(notificationId(message), actionId)));
        reply.put("success", true);
        return reply;
    }

    private Map<String, Object> deleteByKey(Principal principal, ObjectNode message) {
        String key = text(message, "key");
        notify.inbox(principal.userId()).deleteByKey(key);
        Map<String, Object> reply = reply("deleted_by_key");
        reply.put("key", key);
        reply.put("success", true);
        return reply;
    }

    private Map<String, Object> send(Principal principal, ObjectNode message) {
        if (!principal.has(Principal.PUBLISH)) {
            throw new ApiException(ApiError.INSUFFICIENT_SCOPE, "send_notification needs the 'publish' scope");
        }
        List<String> recipients = new ArrayList<>();
        JsonNode userId = message.get("user_id");
        if (userId != null && !userId.isNull()) {
            if (!(userId.isTextual() || userId.isIntegralNumber())) {
                throw InvalidRequestException.field("user_id", "must be a string or a whole number");
            }
            recipients.add(userId.asText());
        }
        String recipient = text(message, "recipient");
        if (recipient != null) {
            recipients.add(recipient);
        }
        JsonNode many = message.get("recipients");
        if (many != null && !many.isNull()) {
            if (!many.isArray()) {
                throw InvalidRequestException.field("recipients", "must be an array of user ids");
            }
            for (JsonNode r : many) {
                if (!(r.isTextual() || r.isIntegralNumber())) {
                    throw InvalidRequestException.field("recipients", "must be an array of user ids");
                }
                recipients.add(r.asText());
            }
        }
        String type = text(message, "notification_type");
        String priority = text(message, "priority");
        Map<String, Object> dataMap = Http.object(message, "data");
        SendResult result = notify.send(InboxRequests.sendFields(message, SendRequest.to(recipients))
                .type(type != null ? type : "notification")
                .title(text(message, "title"))
                .message(text(message, "message"))
                .data(dataMap)
                .link(text(message, "link"))
                .priority(priority == null ? Priority.NORMAL : Priority.parse(priority))
                .idempotencyKey(text(message, "idempotency_key"))
                .build());
        List<Long> ids = result.notifications().stream().map(Notification::id).toList();
        Map<String, Object> reply = reply("notification_sent");
        reply.put("success", true);
        reply.put("notification_id", ids.get(0));
        reply.put("notification_ids", ids);
        reply.put("created", result.created());
        return reply;
    }

    // ---- fields ----

    private static long notificationId(ObjectNode message) {
        JsonNode node = message.get("notification_id");
        if (node == null || node.isNull()) {
            throw InvalidRequestException.field("notification_id", "is required");
        }
        long id = -1;
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            id = node.asLong();
        } else if (node.isTextual()) {
            try {
                id = Long.parseLong(node.asText().trim());
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        if (id < 1) {
            throw InvalidRequestException.field("notification_id", "must be a positive whole number but was " + node);
        }
        return id;
    }

    private static String text(ObjectNode message, String field) {
        return Http.text(message, field);
    }

    private static boolean bool(ObjectNode message, String field) {
        JsonNode node = message.get(field);
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            throw InvalidRequestException.field(field, "must be true or false but was " + node);
        }
        return node.asBoolean();
    }

    private static int integer(ObjectNode message, String field) {
        JsonNode node = message.get(field);
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw InvalidRequestException.field(field, "must be a whole number but was " + node);
        }
        return node.asInt();
    }
}
