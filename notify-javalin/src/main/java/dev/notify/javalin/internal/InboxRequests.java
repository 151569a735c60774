package dev.notify.javalin.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notify.ActionListener;
import dev.notify.InboxSelection;
import dev.notify.InvalidRequestException;
import dev.notify.SendRequest;
import dev.notify.json.Json;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parsing of the inbox model's request fields, one parser per operation, shared by the HTTP API
 * and the WebSocket messages (see {@code docs/protocol.md}).
 */
final class InboxRequests {
    /** The fields of a bulk selection. */
    static final Set<String> SELECTION_FIELDS = Set.of("ids", "notification_type", "before_seq", "up_to_seq");
    /** The create request's fields for the inbox model. */
    static final Set<String> SEND_FIELDS = Set.of("key", "actions", "expires_at");

    private InboxRequests() {
    }

    /**
     * A bulk selection: {@code ids} (an array of notification ids), {@code notification_type},
     * {@code before_seq} or {@code up_to_seq}; none of them selects all.
     *
     * @throws InvalidRequestException if a field has the wrong shape or more than one is given
     */
    static InboxSelection selection(JsonNode body) {
        List<Long> ids = new ArrayList<>();
        JsonNode list = body.get("ids");
        if (list != null && !list.isNull()) {
            if (!list.isArray() || list.isEmpty()) {
                throw InvalidRequestException.field("ids", "must be a non-empty array of notification ids");
            }
            for (JsonNode id : list) {
                if (!id.isIntegralNumber() || !id.canConvertToLong() || id.asLong() < 1) {
                    throw InvalidRequestException.field("ids", "must be an array of positive whole numbers but held "
                            + id);
                }
                ids.add(id.asLong());
            }
        }
        String type = Http.text(body, "notification_type");
        long before = positive(body, "before_seq");
        long upTo = positive(body, "up_to_seq");
        if (upTo > 0) {
            if (before > 0) {
                throw InvalidRequestException.field("up_to_seq", "and before_seq exclude each other");
            }
            before = upTo + 1;
        }
        return new InboxSelection(ids, type, before);
    }

    /** {@code until}: an ISO-8601 instant, required. */
    static Instant until(JsonNode body) {
        return instant(body, "until", true);
    }

    /** Adds {@code key}, {@code actions} and {@code expires_at} of a create request to the builder. */
    static SendRequest.Builder sendFields(JsonNode body, SendRequest.Builder builder) {
        builder.key(Http.text(body, "key"));
        JsonNode actions = body.get("actions");
        if (actions != null && !actions.isNull()) {
            Json.readActions(Json.MAPPER.convertValue(actions, Object.class)).forEach(builder::action);
        }
        return builder.expiresAt(instant(body, "expires_at", false));
    }

    /** The answer to a performed action. */
    static Map<String, Object> performedView(ActionListener.Performed performed) {
        var view = new LinkedHashMap<String, Object>();
        view.put("notification", Json.notificationView(performed.notification()));
        view.put("action_id", performed.action().id());
        view.put("performed_at", performed.performedAt());
        view.put("first", performed.first());
        return view;
    }

    private static long positive(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return 0;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong() || node.asLong() < 1 || node.asLong() == Long.MAX_VALUE) {
            throw InvalidRequestException.field(field, "must be a positive whole number but was " + node);
        }
        return node.asLong();
    }

    private static Instant instant(JsonNode body, String field, boolean required) {
        String raw = Http.text(body, field);
        if (raw == null) {
            if (required) {
                throw InvalidRequestException.field(field, "is required (an ISO-8601 instant, e.g. 2026-11-22T09:00:00Z)");
            }
            return null;
        }
        try {
            return Instant.parse(raw);
        } catch (DateTimeParseException e) {
            throw InvalidRequestException.field(field, "must be an ISO-8601 instant such as 2026-11-22T09:00:00Z but was '"
                    + raw + "'");
        }
    }
}
