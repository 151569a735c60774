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
import java.util.LinkedHashMap;
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
     *         {@code created_at}, {@code read_at}, in that order
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
        return view;
    }
}
