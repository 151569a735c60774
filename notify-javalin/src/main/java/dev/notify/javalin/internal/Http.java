package dev.notify.javalin.internal;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notify.InputRules;
import dev.notify.InvalidRequestException;
import dev.notify.NotFoundException;
import dev.notify.NotifyException;
import dev.notify.json.Json;
import dev.notify.javalin.ApiError;
import dev.notify.javalin.ApiException;
import dev.notify.javalin.AuthenticationException;
import dev.notify.javalin.NotifyPluginConfig;
import dev.notify.javalin.Principal;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every endpoint shares: authentication, JSON bodies with a size limit, query parsing, and
 * errors from one catalogue as {@code {"error":{"code","message"}}}.
 */
final class Http {
    private static final Logger log = LoggerFactory.getLogger(Http.class);

    private final NotifyPluginConfig config;

    private final RateLimiter limiter;

    Http(NotifyPluginConfig config) {
        this.config = config;
        this.limiter = RateLimiter.of(config);
    }

    /** The plugin's rate limits. */
    RateLimiter limits() {
        return limiter;
    }

    Handler guarded(Handler handler) {
        return ctx -> {
            try {
                checkParameters(ctx);
                handler.handle(ctx);
            } catch (ApiException e) {
                error(ctx, e.status(), e.code(), e.getMessage());
            } catch (AuthenticationException e) {
                ctx.header("WWW-Authenticate", "Bearer");
                error(ctx, 401, e.code(), e.getMessage());
            } catch (InvalidRequestException e) {
                error(ctx, 400, e.code(), e.getMessage(), e.field());
            } catch (NotFoundException e) {
                error(ctx, 404, e.code(), e.getMessage());
            } catch (RuntimeException e) {
                // ctx.path() excludes the query string, so a ?token= never reaches the log.
                ServerFailure failure = ServerFailure.of(e, ctx.method() + " " + ctx.path());
                if (failure.retryable()) {
                    ctx.header("Retry-After", Long.toString(ServerFailure.RETRY_AFTER_SECONDS));
                }
                json(ctx, failure.status(), Map.of("error", failure.body()));
            }
        };
    }

    static void error(Context ctx, int status, String code, String message) {
        error(ctx, status, code, message, null);
    }

    /** An error body; {@code field} (may be null) names the request field at fault. */
    static void error(Context ctx, int status, String code, String message, String field) {
        json(ctx, status, Map.of("error", errorBody(code, message, field)));
    }

    static Map<String, Object> errorBody(String code, String message, String field) {
        var body = new java.util.LinkedHashMap<String, Object>();
        body.put("code", code);
        body.put("message", message);
        if (field != null) {
            body.put("field", field);
        }
        return body;
    }

    /**
     * Applies {@link InputRules#text} to every query and path parameter, named as sent.
     *
     * @throws InvalidRequestException code {@code invalid_text}
     */
    static void checkParameters(Context ctx) {
        for (var e : ctx.queryParamMap().entrySet()) {
            InputRules.text(e.getKey(), e.getKey());
            for (String value : e.getValue()) {
                InputRules.text(e.getKey(), value);
            }
        }
        for (var e : ctx.pathParamMap().entrySet()) {
            InputRules.text(e.getKey(), e.getValue());
        }
    }

    /**
     * Applies {@link InputRules} to every string (object keys included) and number of a JSON
     * document. Top-level fields are named as sent; nested ones by path ({@code data.order.id},
     * {@code recipients[2]}); a bad key is reported under its parent's name ({@code data}), and a
     * bad top-level name with no field at all.
     *
     * @throws InvalidRequestException code {@code invalid_text} or {@code invalid_number}
     */
    static void checkTree(JsonNode root) {
        checkTree(null, root);
    }

    private static void checkTree(String path, JsonNode node) {
        if (node.isTextual()) {
            InputRules.text(path, node.textValue());
        } else if (node.isNumber()) {
            InputRules.number(path, node.numberValue());
        } else if (node.isObject()) {
            for (var fields = node.fields(); fields.hasNext(); ) {
                var field = fields.next();
                String name = path == null ? field.getKey() : path + "." + field.getKey();
                if (path == null) {
                    try {
                        InputRules.text("a field name", field.getKey());
                    } catch (InvalidRequestException e) {
                        // The name itself is at fault: there is no field to name.
                        throw new InvalidRequestException(e.code(), null, e.getMessage());
                    }
                } else {
                    InputRules.text(path, field.getKey());
                }
                checkTree(name, field.getValue());
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                checkTree((path == null ? "" : path) + "[" + i + "]", node.get(i));
            }
        }
    }

    static void json(Context ctx, int status, Object body) {
        ctx.status(status).contentType("application/json").result(JsonBodies.write(body));
    }

    /**
     * The caller's principal from its bearer token. A client address past its failed-authentication
     * limit is refused (429) before its token is looked at.
     */
    Principal authenticate(Context ctx) {
        limiter.authFailures.check(ctx, ctx.ip());
        try {
            return verifyToken(ctx);
        } catch (AuthenticationException e) {
            limiter.authFailures.record(ctx.ip());
            throw e;
        }
    }

    private Principal verifyToken(Context ctx) {
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
        Principal principal = config.authenticator.authenticate(token);
        RequestUser.set(ctx, principal);
        return principal;
    }

    /**
     * Authenticates a stream request (SSE, WebSocket upgrade): a {@code ?ticket=} from
     * {@link StreamTickets} if there is one, else as {@link #authenticate}.
     */
    Principal authenticateStream(Context ctx, StreamTickets tickets) {
        String ticket = ctx.queryParam("ticket");
        if (ticket != null) {
            Principal principal = tickets.redeem(ticket);
            RequestUser.set(ctx, principal);
            return principal;
        }
        return authenticate(ctx);
    }

    ObjectNode readJsonObject(Context ctx) {
        return readJsonObject(ctx, false);
    }

    /** As {@link #readJsonObject(Context)}, but an empty body (or none) reads as an empty object. */
    ObjectNode readOptionalJsonObject(Context ctx) {
        return readJsonObject(ctx, true);
    }

    private ObjectNode readJsonObject(Context ctx, boolean emptyAllowed) {
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
        if (emptyAllowed && new String(bytes, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            return Json.MAPPER.createObjectNode();
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw parseFailure(e, "the body");
        } catch (IOException e) {
            throw new ApiException(ApiError.INVALID_JSON, "the body could not be read");
        }
        if (node == null || node.isMissingNode() || !node.isObject()) {
            throw new ApiException(ApiError.INVALID_JSON, "the body must be a JSON object");
        }
        checkTree(node);
        return (ObjectNode) node;
    }

    /**
     * What a JSON document that Jackson could not read is reported as: {@code invalid_text} when
     * it failed on a lone surrogate (Jackson refuses those in object keys itself), naming the
     * object whose key it was; else {@code invalid_json}.
     *
     * @param what "the body" or "the message", for the error message
     */
    static NotifyException parseFailure(JsonProcessingException e, String what) {
        String problem = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (e instanceof JsonParseException parse && problem.toLowerCase(Locale.ROOT).contains("surrogate")
                && parse.getProcessor() != null) {
            String field = objectPath(parse.getProcessor().getParsingContext());
            return new InvalidRequestException(InputRules.INVALID_TEXT, field, (field == null ? "a field name"
                    : "a key of " + field) + " must be valid Unicode but has a lone surrogate");
        }
        return new ApiException(ApiError.INVALID_JSON, what + " is not valid JSON: " + problem);
    }

    /** The dotted path of the object or array {@code context} is in; null at the top level. */
    private static String objectPath(JsonStreamContext context) {
        StringBuilder path = new StringBuilder();
        for (JsonStreamContext c = context; c != null && c.getParent() != null; c = c.getParent()) {
            JsonStreamContext parent = c.getParent();
            if (parent.inObject() && parent.getCurrentName() != null) {
                path.insert(0, "." + parent.getCurrentName());
            } else if (parent.inArray()) {
                path.insert(0, "[" + parent.getCurrentIndex() + "]");
            }
        }
        if (path.length() == 0) {
            return null;
        }
        return path.charAt(0) == '.' ? path.substring(1) : path.toString();
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

    static String text(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw InvalidRequestException.field(field, "must be a string");
        }
        return node.asText();
    }

    /**
     * A JSON object field as a map, or null when absent or null.
     *
     * @throws InvalidRequestException code {@code invalid_<field>} when it is not an object
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> object(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw InvalidRequestException.field(field, "must be a JSON object");
        }
        return Json.MAPPER.convertValue(node, Map.class);
    }

    static long pathId(Context ctx) {
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

    static long lastEventId(Context ctx) {
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

    static boolean parseBoolean(Context ctx, String name) {
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

    static int parseInt(Context ctx, String name, int fallback) {
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

    /** Authenticates and requires one of the scopes. */
    Principal requireScope(Context ctx, String... scopes) {
        Principal p = authenticate(ctx);
        for (String scope : scopes) {
            if (p.has(scope)) {
                return p;
            }
        }
        throw new ApiException(ApiError.INSUFFICIENT_SCOPE, "this call needs the '" + String.join("' or '", scopes)
                + "' scope");
    }

    static long parseLong(Context ctx, String name, long fallback) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw InvalidRequestException.field(name, "must be a whole number but was '" + raw + "'");
        }
    }

    /** @throws ApiException {@code unknown_field} naming the first field not in {@code accepted} */
    static void rejectUnknownFields(ObjectNode body, java.util.Set<String> accepted) {
        for (var names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!accepted.contains(name)) {
                throw new ApiException(400, "unknown_field", "unknown field '" + name + "'; accepted: "
                        + String.join(", ", accepted.stream().sorted().toList()));
            }
        }
    }
}
