package dev.notify;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
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
 * <p>Instead of literal text, a request may name a template of the
 * {@link Notify.Builder#templates(dev.notify.template.TemplateRegistry) registry} with its
 * parameters: {@code SendRequest.to("42").template("low_stock_alert", params).build()}. Each
 * recipient then gets the template rendered in their locale, and the template's type. Instead of
 * (or besides) user ids, a request may name a {@link Topics topic}: it reaches the topic's members
 * at the time of the send.
 *
 * @param recipients     distinct user ids, in the order given, up to {@value Limits#RECIPIENTS_MAX} named
 *                       by the caller (a topic's members are not counted); at least one unless a
 *                       topic is given
 * @param type           what happened, {@code [A-Za-z0-9_.:-]}, 1 to {@value Limits#TYPE_MAX} characters;
 *                       defaults to {@code notification}; null with a template (its type applies)
 * @param title          1 to {@value Limits#TITLE_MAX} characters, not blank; null with a template
 * @param message        0 to {@value Limits#MESSAGE_MAX} characters; null with a template
 * @param data           a JSON-serialisable object, at most {@value Limits#DATA_JSON_MAX} characters as JSON
 * @param link           a URL or app path, at most {@value Limits#LINK_MAX} characters, or null
 * @param priority       defaults to {@link Priority#NORMAL}
 * @param idempotencyKey optional; a repeat with the same key for the same recipient returns the
 *                       first notification and stores nothing new
 * @param email          optional email address to use instead of the recipient directory's; only
 *                       with exactly one recipient
 * @param template       the name of a template to render instead of a literal title and message, or null
 * @param params         the template's parameters (never null; empty without a template)
 * @param locale         the locale to render in for every recipient, or null for each recipient's own
 *                       (the directory's, else the template's default)
 * @param topic          a topic whose members receive the notification too, or null
 * @param key            optional replace key, 1 to {@value Limits#IDEMPOTENCY_KEY_MAX} characters: a
 *                       send with the key of a notification a recipient already has replaces that
 *                       one (new content and sequence, unread and unseen again, streamed as
 *                       {@code notification_updated}) instead of adding one; out-of-band channels
 *                       use it as their collapse identifier (the Web Push {@code Topic})
 * @param actions        up to {@value NotificationAction#MAX_PER_NOTIFICATION} buttons (never null)
 * @param expiresAt      when the notification stops being shown (then housekeeping deletes it), or null;
 *                       in the years 1 to 9999 (UTC)
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
        String email,
        String template,
        Map<String, Object> params,
        Locale locale,
        String topic,
        String key,
        List<NotificationAction> actions,
        java.time.Instant expiresAt) {

    private static final Pattern TYPE = Pattern.compile("[A-Za-z0-9_.:-]+");
    /** The range of {@code expiresAt} every supported database stores as it is. */
    private static final java.time.Instant EARLIEST_EXPIRY = java.time.Instant.parse("0001-01-01T00:00:00Z");
    private static final java.time.Instant LATEST_EXPIRY = java.time.Instant.parse("9999-12-31T23:59:59.999999Z");

    public SendRequest {
        checkTextAndNumbers(recipients, type, title, message, data, link, idempotencyKey, email, template, params, topic);
        if (topic != null) {
            requireText("topic", topic, Limits.TYPE_MAX);
            if (!TYPE.matcher(topic).matches()) {
                throw InvalidRequestException.field("topic",
                        "may hold only letters, digits and _ . : - but was '" + topic + "'");
            }
        }
        if (recipients == null || recipients.isEmpty() && topic == null) {
            throw InvalidRequestException.field("recipients", "must name at least one recipient (or a topic)");
        }
        var distinct = new LinkedHashSet<String>();
        for (String r : recipients) {
            requireText("recipient", r, Limits.RECIPIENT_MAX);
            distinct.add(r);
        }
        if (distinct.size() > Limits.RECIPIENTS_MAX && topic == null) {
            throw InvalidRequestException.field("recipients",
                    "must be at most " + Limits.RECIPIENTS_MAX + " but was " + distinct.size());
        }
        recipients = List.copyOf(distinct);
        if (template != null) {
            requireText("template", template, Limits.TYPE_MAX);
            if (title != null || message != null) {
                throw InvalidRequestException.field("template",
                        "and a literal title or message exclude each other; give one of the two");
            }
            if (type != null) {
                throw InvalidRequestException.field("type", "comes from the template '" + template + "'; leave it out");
            }
            params = params == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
        } else {
            if (params != null && !params.isEmpty()) {
                throw InvalidRequestException.field("params", "are only allowed with a template");
            }
            if (locale != null) {
                throw InvalidRequestException.field("locale", "is only allowed with a template");
            }
            params = Map.of();
            type = type == null ? "notification" : type;
            requireText("title", title, Limits.TITLE_MAX);
            message = message == null ? "" : message;
            requireLength("message", message, Limits.MESSAGE_MAX);
        }
        if (type != null) {
            requireText("type", type, Limits.TYPE_MAX);
            if (!TYPE.matcher(type).matches()) {
                throw InvalidRequestException.field("type",
                        "may hold only letters, digits and _ . : - but was '" + type + "'");
            }
        }
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
        InputRules.text("key", key);
        if (key != null) {
            requireText("key", key, Limits.IDEMPOTENCY_KEY_MAX);
        }
        actions = NotificationAction.checkAll(actions);
        if (!actions.isEmpty()) {
            var views = new ArrayList<Map<String, Object>>();
            actions.forEach(a -> views.add(dev.notify.json.Json.actionView(a)));
            int length = dev.notify.json.Json.write(views).length();
            if (length > Limits.DATA_JSON_MAX) {
                throw InvalidRequestException.field("actions", "must be at most " + Limits.DATA_JSON_MAX
                        + " characters as JSON but were " + length);
            }
        }
        if (expiresAt != null && (expiresAt.isBefore(EARLIEST_EXPIRY) || expiresAt.isAfter(LATEST_EXPIRY))) {
            throw InvalidRequestException.field("expires_at", "must be an instant in the years 1 to 9999 but was "
                    + expiresAt);
        }
        if (email != null) {
            if (recipients.size() != 1 || topic != null) {
                throw InvalidRequestException.field("email", "may only be given with exactly one recipient");
            }
            dev.notify.internal.JdbiRecipientProfiles.validateEmail(email);
        }
    }

    /** Every field through {@link InputRules}, first, so that no other check sees a NUL or lone surrogate. */
    private static void checkTextAndNumbers(List<String> recipients, String type, String title, String message,
                                            Map<String, Object> data, String link, String idempotencyKey,
                                            String email, String template, Map<String, Object> params,
                                            String topic) {
        InputRules.texts("recipients", recipients);
        InputRules.text("type", type);
        InputRules.text("title", title);
        InputRules.text("message", message);
        InputRules.value("data", data);
        InputRules.text("link", link);
        InputRules.text("idempotency_key", idempotencyKey);
        InputRules.text("email", email);
        InputRules.text("template", template);
        InputRules.value("params", params);
        InputRules.text("topic", topic);
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
    /** A request without a replace key, actions or expiry (the components added later). */
    public SendRequest(List<String> recipients, String type, String title, String message, Map<String, Object> data,
                       String link, Priority priority, String idempotencyKey, String email, String template,
                       Map<String, Object> params, Locale locale, String topic) {
        this(recipients, type, title, message, data, link, priority, idempotencyKey, email, template, params, locale,
                topic, null, List.of(), null);
    }

    public static Builder to(String... recipients) {
        return new Builder().recipients(Arrays.asList(recipients));
    }

    /** Starts a request for the given recipients (user ids). */
    public static Builder to(List<String> recipients) {
        return new Builder().recipients(recipients);
    }

    /** Starts a request for the members of a {@link Topics topic}, as they are when it is sent. */
    public static Builder toTopic(String topic) {
        return new Builder().topic(topic);
    }

    /** True when this request renders a template rather than carrying literal text. */
    public boolean templated() {
        return template != null;
    }

    /**
     * This request for other recipients, keeping its topic: what a topic send becomes once its
     * members are known. The resolved list is not bound by {@value Limits#RECIPIENTS_MAX}: a topic
     * may have any number of members, each of whom gets one notification.
     */
    /** This request with other actions (e.g. a template's, rendered). */
    public SendRequest withActions(List<NotificationAction> actions) {
        return new SendRequest(recipients, type, title, message, data, link, priority, idempotencyKey, email, template,
                params, locale, topic, key, actions, expiresAt);
    }

    public SendRequest withRecipients(List<String> recipients) {
        return new SendRequest(recipients, type, title, message, data, link, priority, idempotencyKey, email, template,
                params, locale, topic, key, actions, expiresAt);
    }

    /** Builds a {@link SendRequest}; see the record components for the rules. */
    public static final class Builder {
        private final List<String> recipients = new ArrayList<>();
        private String type;
        private String title;
        private String message;
        private Map<String, Object> data;
        private String link;
        private Priority priority;
        private String idempotencyKey;
        private String email;
        private String template;
        private Map<String, Object> params;
        private Locale locale;
        private String topic;
        private String key;
        private final List<NotificationAction> actions = new ArrayList<>();
        private java.time.Instant expiresAt;

        private Builder() {
        }

        /** The replace key: see {@link SendRequest#key()}. */
        public Builder key(String key) {
            this.key = key;
            return this;
        }

        /** Adds a button (at most {@value NotificationAction#MAX_PER_NOTIFICATION} in all). */
        public Builder action(NotificationAction action) {
            this.actions.add(action);
            return this;
        }

        /** When the notification stops being shown, or null for never. */
        public Builder expiresAt(java.time.Instant expiresAt) {
            this.expiresAt = expiresAt;
            return this;
        }

        /** Renders the named template with these parameters instead of a literal title and message. */
        public Builder template(String name, Map<String, ?> params) {
            this.template = name;
            this.params = params == null ? null : new LinkedHashMap<>(params);
            return this;
        }

        /** The locale to render the template in for every recipient; default each recipient's own. */
        public Builder locale(Locale locale) {
            this.locale = locale;
            return this;
        }

        /** Also sends to every member of this topic at send time. */
        public Builder topic(String topic) {
            this.topic = topic;
            return this;
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
            int named = new LinkedHashSet<>(recipients).size();
            if (named > Limits.RECIPIENTS_MAX) {
                throw InvalidRequestException.field("recipients",
                        "must be at most " + Limits.RECIPIENTS_MAX + " but was " + named);
            }
            return new SendRequest(recipients, type, title, message, data, link, priority, idempotencyKey, email,
                    template, params, locale, topic, key, actions, expiresAt);
        }
    }
}
