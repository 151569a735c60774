package dev.notify.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.notify.InvalidRequestException;
import dev.notify.Notification;
import dev.notify.NotificationAction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * notify's JSON: snake_case names, ISO-8601 UTC times (RFC 8259 text). The HTTP API, the SSE
 * events and the WebSocket messages are written with it; {@link #notificationView} is the shape
 * of a notification on all of them (see {@code docs/protocol.md}).
 */
public final class Json {
    /**
     * The configured mapper. Shared by the whole process: use it, never reconfigure it (a change
     * would alter every response).
     */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final TypeReference<LinkedHashMap<String, Object>> OBJECT = new TypeReference<>() {
    };

    private Json() {
    }

    /**
     * Writes {@code value} as JSON text.
     *
     * @param value a map, list, record or value Jackson can serialise
     * @return the JSON text, without a trailing newline
     * @throws IllegalArgumentException if {@code value} cannot be serialised
     */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not serialisable as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Serialises a notification's {@code data}, enforcing its size limit.
     *
     * @param data the notification's data object
     * @return the JSON text, at most {@link dev.notify.Limits#DATA_JSON_MAX} characters
     * @throws InvalidRequestException code {@code invalid_data} when it cannot be serialised or is too large
     */
    public static String writeData(Map<String, Object> data) {
        String json;
        try {
            json = MAPPER.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw InvalidRequestException.field("data", "is not serialisable as JSON: " + e.getOriginalMessage());
        }
        if (json.length() > dev.notify.Limits.DATA_JSON_MAX) {
            throw InvalidRequestException.field("data", "must be at most " + dev.notify.Limits.DATA_JSON_MAX
                    + " characters as JSON but was " + json.length());
        }
        return json;
    }

    /**
     * Reads a JSON object.
     *
     * @param json JSON text holding one object
     * @return its fields in document order
     * @throws IllegalStateException if {@code json} is not a JSON object
     */
    public static Map<String, Object> readObject(String json) {
        try {
            return MAPPER.readValue(json, OBJECT);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored data is not a JSON object", e);
        }
    }

    /**
     * The wire form of a notification: every record component in snake_case, plus {@code read}.
     *
     * @param n the notification
     * @return {@code id}, {@code recipient}, {@code seq}, {@code type}, {@code title},
     *         {@code message}, {@code data}, {@code link}, {@code priority}, {@code read},
     *         {@code created_at}, {@code read_at}, then the inbox states {@code seen},
     *         {@code seen_at}, {@code archived_at}, {@code snoozed_until}, {@code expires_at},
     *         {@code updated_at}, and {@code key}, {@code category}, {@code actions} (a list of
     *         {@link #actionView action objects}), in that order
     */
    public static Map<String, Object> notificationView(Notification n) {
        var view = new LinkedHashMap<String, Object>();
        view.put("id", n.id());
        view.put("recipient", n.recipient());
        view.put("seq", n.seq());
        view.put("type", n.type());
        view.put("title", n.title());
        view.put("message", n.message());
        view.put("data", n.data());
        view.put("link", n.link());
        view.put("priority", n.priority().wireName());
        view.put("read", n.read());
        view.put("created_at", n.createdAt());
        view.put("read_at", n.readAt());
        view.put("seen", n.seen());
        view.put("seen_at", n.seenAt());
        view.put("archived_at", n.archivedAt());
        view.put("snoozed_until", n.snoozedUntil());
        view.put("expires_at", n.expiresAt());
        view.put("updated_at", n.updatedAt());
        view.put("key", n.key());
        view.put("category", n.category());
        List<Map<String, Object>> actions = new ArrayList<>(n.actions().size());
        for (NotificationAction a : n.actions()) {
            actions.add(actionView(a));
        }
        view.put("actions", actions);
        return view;
    }

    /**
     * The wire form of an action.
     *
     * @return {@code id}, {@code label}, {@code kind} ({@code link} or {@code callback}),
     *         {@code url} (links) or {@code payload} (callbacks), {@code style}
     */
    public static Map<String, Object> actionView(NotificationAction a) {
        var view = new LinkedHashMap<String, Object>();
        view.put("id", a.id());
        view.put("label", a.label());
        view.put("kind", a.kind().wireName());
        if (a.kind() == NotificationAction.Kind.LINK) {
            view.put("url", a.url());
        } else {
            view.put("payload", a.payload());
        }
        view.put("style", a.style().wireName());
        return view;
    }

    /**
     * Reads actions in the form {@link #actionView} writes (also how a request gives them).
     *
     * @param value a JSON array of action objects, or null
     * @return the actions, checked with {@link NotificationAction#checkAll}
     * @throws InvalidRequestException if the value is not such an array or an action breaks a rule
     */
    @SuppressWarnings("unchecked")
    public static List<NotificationAction> readActions(Object value) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw InvalidRequestException.field("actions", "must be an array of action objects");
        }
        List<NotificationAction> actions = new ArrayList<>(list.size());
        for (Object item : list) {
            if (!(item instanceof Map<?, ?> m)) {
                throw InvalidRequestException.field("actions", "must be an array of action objects");
            }
            for (Object field : m.keySet()) {
                if (!ACTION_FIELDS.contains(field)) {
                    throw InvalidRequestException.field("actions", "has an unknown field '" + field
                            + "' (known: " + String.join(", ", ACTION_FIELDS) + ")");
                }
            }
            Object payload = m.get("payload");
            if (payload != null && !(payload instanceof Map)) {
                throw InvalidRequestException.field("actions", "payload must be a JSON object");
            }
            actions.add(new NotificationAction(string(m, "id"), string(m, "label"),
                    NotificationAction.Kind.parse(string(m, "kind")), string(m, "url"), (Map<String, Object>) payload,
                    m.get("style") == null ? null : NotificationAction.Style.parse(string(m, "style"))));
        }
        return NotificationAction.checkAll(actions);
    }

    private static final List<String> ACTION_FIELDS = List.of("id", "label", "kind", "url", "payload", "style");

    private static String string(Map<?, ?> m, String field) {
        Object v = m.get(field);
        if (v != null && !(v instanceof String)) {
            throw InvalidRequestException.field("actions", field + " must be a string");
        }
        return (String) v;
    }
}
