package dev.notify;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a publisher asks notify to send: the same notification to one or several recipients.
 * Validated when built; an invalid request throws {@link InvalidRequestException} and nothing is
 * stored.
 *
 * <pre>{@code
 * SendRequest request = SendRequest.to("alice")
 *         .type("task_assigned")
 *         .title("New task: review the Q3 report")
 *         .message("Bob assigned you a task due Friday.")
 *         .data(Map.of("task_id", 42))
 *         .priority(Priority.HIGH)
 *         .idempotencyKey("task-42-assigned")
 *         .build();
 * }</pre>
 *
 * @param recipients     distinct user ids, in the order given, 1 to {@value Limits#RECIPIENTS_MAX}
 * @param type           what happened, {@code [A-Za-z0-9_.:-]}, 1 to {@value Limits#TYPE_MAX} characters
 * @param title          1 to {@value Limits#TITLE_MAX} characters, not blank
 * @param message        0 to {@value Limits#MESSAGE_MAX} characters
 * @param data           a JSON-serialisable object, at most {@value Limits#DATA_JSON_MAX} characters as JSON
 * @param link           a URL or app path, at most {@value Limits#LINK_MAX} characters, or null
 * @param priority       defaults to {@link Priority#NORMAL}
 * @param idempotencyKey optional; a repeat with the same key for the same recipient returns the
 *                       first notification and stores nothing new
 * @param email          optional email address to use instead of the recipient directory's; only
 *                       with exactly one recipient
 */
public record SendRequest(
        List<String> recipients,
        String type,
        String title,
        String message,
        Map<String, Object> data,
        String link,
        Priority priority,
        String idempotencyKey,
        String email) {

    private static final Pattern TYPE = Pattern.compile("[A-Za-z0-9_.:-]+");

    public SendRequest {
        if (recipients == null || recipients.isEmpty()) {
            throw InvalidRequestException.field("recipients", "must name at least one recipient");
        }
        var distinct = new LinkedHashSet<String>();
        for (String r : recipients) {
            requireText("recipient", r, Limits.RECIPIENT_MAX);
            distinct.add(r);
        }
        if (distinct.size() > Limits.RECIPIENTS_MAX) {
            throw InvalidRequestException.field("recipients",
                    "must be at most " + Limits.RECIPIENTS_MAX + " but was " + distinct.size());
        }
        recipients = List.copyOf(distinct);
        requireText("type", type, Limits.TYPE_MAX);
        if (!TYPE.matcher(type).matches()) {
            throw InvalidRequestException.field("type",
                    "may hold only letters, digits and _ . : - but was '" + type + "'");
        }
        requireText("title", title, Limits.TITLE_MAX);
        message = message == null ? "" : message;
        requireLength("message", message, Limits.MESSAGE_MAX);
        data = data == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(data));
        if (link != null) {
            if (link.isBlank()) {
                link = null;
            } else {
                requireLength("link", link, Limits.LINK_MAX);
            }
        }
        priority = priority == null ? Priority.NORMAL : priority;
        if (idempotencyKey != null) {
            requireText("idempotency_key", idempotencyKey, Limits.IDEMPOTENCY_KEY_MAX);
        }
        if (email != null) {
            if (recipients.size() != 1) {
                throw InvalidRequestException.field("email", "may only be given with exactly one recipient");
            }
            dev.notify.internal.JdbiRecipientProfiles.validateEmail(email);
        }
    }

    private static void requireText(String field, String value, int max) {
        if (value == null || value.isBlank()) {
            throw InvalidRequestException.field(field, "is required");
        }
        requireLength(field, value, max);
    }

    private static void requireLength(String field, String value, int max) {
        if (value.length() > max) {
            throw InvalidRequestException.field(field,
                    "must be at most " + max + " characters but was " + value.length());
        }
    }

    /** Starts a request for the given recipients (user ids). */
    public static Builder to(String... recipients) {
        return new Builder().recipients(Arrays.asList(recipients));
    }

    /** Starts a request for the given recipients (user ids). */
    public static Builder to(List<String> recipients) {
        return new Builder().recipients(recipients);
    }

    /** Builds a {@link SendRequest}; see the record components for the rules. */
    public static final class Builder {
        private final List<String> recipients = new ArrayList<>();
        private String type = "notification";
        private String title;
        private String message;
        private Map<String, Object> data;
        private String link;
        private Priority priority;
        private String idempotencyKey;
        private String email;

        private Builder() {
        }

        public Builder recipients(List<String> recipients) {
            this.recipients.addAll(Objects.requireNonNull(recipients, "recipients"));
            return this;
        }

        public Builder type(String type) {
            this.type = type;
            return this;
        }

        public Builder title(String title) {
            this.title = title;
            return this;
        }

        public Builder message(String message) {
            this.message = message;
            return this;
        }

        public Builder data(Map<String, ?> data) {
            this.data = data == null ? null : new LinkedHashMap<>(data);
            return this;
        }

        public Builder link(String link) {
            this.link = link;
            return this;
        }

        public Builder priority(Priority priority) {
            this.priority = priority;
            return this;
        }

        public Builder idempotencyKey(String idempotencyKey) {
            this.idempotencyKey = idempotencyKey;
            return this;
        }

        /** An email address for the (single) recipient, overriding the recipient directory. */
        public Builder email(String email) {
            this.email = email;
            return this;
        }

        /** @throws InvalidRequestException naming the first field that is invalid */
        public SendRequest build() {
            return new SendRequest(recipients, type, title, message, data, link, priority, idempotencyKey, email);
        }
    }
}
