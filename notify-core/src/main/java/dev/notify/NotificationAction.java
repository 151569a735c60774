package dev.notify;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A button on a notification: at most {@value #MAX_PER_NOTIFICATION} per notification.
 *
 * <p>A {@link Kind#LINK} action opens its {@code url}; a {@link Kind#CALLBACK} action is performed
 * through the server ({@link Inbox#performAction}, {@code POST
 * /api/v1/notifications/{id}/actions/{action_id}}), recorded once, and handed to the host's
 * {@link ActionListener} with its opaque {@code payload}.
 *
 * @param id      identifies the action within its notification: 1 to {@value #ID_MAX} letters,
 *                digits, {@code _} or {@code -}; when null, its position ({@code "1"} to
 *                {@code "3"})
 * @param label   the button's text, 1 to {@value #LABEL_MAX} characters
 * @param kind    link or callback
 * @param url     for a link: the URL or app path to open, at most {@value Limits#LINK_MAX}
 *                characters; must be null for a callback
 * @param payload for a callback: a JSON object handed back as given (never null, may be empty);
 *                must be empty for a link
 * @param style   how the button looks; {@link Style#SECONDARY} when null
 */
public record NotificationAction(String id, String label, Kind kind, String url, Map<String, Object> payload,
                                 Style style) {

    /** Most actions one notification carries. */
    public static final int MAX_PER_NOTIFICATION = 3;
    /** Longest action id, in characters. */
    public static final int ID_MAX = 64;
    /** Longest label, in characters. */
    public static final int LABEL_MAX = 100;

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1," + ID_MAX + "}");

    /** What pressing the button does. */
    public enum Kind {
        /** Opens {@link NotificationAction#url()}. */
        LINK,
        /** Performed through the server and handed to the host. */
        CALLBACK;

        /** The wire name: {@code link} or {@code callback}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * @throws InvalidRequestException if {@code value} is not {@code link} or {@code callback}
         */
        public static Kind parse(String value) {
            if ("link".equals(value)) {
                return LINK;
            }
            if ("callback".equals(value)) {
                return CALLBACK;
            }
            throw InvalidRequestException.field("actions", "kind must be 'link' or 'callback' but was '" + value + "'");
        }
    }

    /** How the button looks. */
    public enum Style {
        PRIMARY, SECONDARY, DANGER;

        /** The wire name: {@code primary}, {@code secondary} or {@code danger}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * @throws InvalidRequestException if {@code value} is not one of the wire names
         */
        public static Style parse(String value) {
            for (Style s : values()) {
                if (s.wireName().equals(value)) {
                    return s;
                }
            }
            throw InvalidRequestException.field("actions",
                    "style must be 'primary', 'secondary' or 'danger' but was '" + value + "'");
        }
    }

    /**
     * @throws InvalidRequestException if a field breaks the rules above
     */
    public NotificationAction {
        InputRules.text("actions", id);
        InputRules.text("actions", label);
        InputRules.text("actions", url);
        InputRules.value("actions", payload);
        if (id != null && !ID.matcher(id).matches()) {
            throw InvalidRequestException.field("actions", "id must be 1 to " + ID_MAX
                    + " letters, digits, _ or - but was '" + id + "'");
        }
        if (label == null || label.isBlank()) {
            throw InvalidRequestException.field("actions", "label is required");
        }
        if (label.length() > LABEL_MAX) {
            throw InvalidRequestException.field("actions", "label must be at most " + LABEL_MAX
                    + " characters but was " + label.length());
        }
        if (kind == null) {
            throw InvalidRequestException.field("actions", "kind is required ('link' or 'callback')");
        }
        payload = payload == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(payload));
        if (kind == Kind.LINK) {
            if (url == null || url.isBlank()) {
                throw InvalidRequestException.field("actions", "url is required for a link action");
            }
            if (url.length() > Limits.LINK_MAX) {
                throw InvalidRequestException.field("actions", "url must be at most " + Limits.LINK_MAX
                        + " characters but was " + url.length());
            }
            if (!payload.isEmpty()) {
                throw InvalidRequestException.field("actions", "payload is only allowed on a callback action");
            }
        } else if (url != null) {
            throw InvalidRequestException.field("actions", "url is only allowed on a link action");
        }
        style = style == null ? Style.SECONDARY : style;
    }

    /** A link action with the default style. */
    public static NotificationAction link(String id, String label, String url) {
        return new NotificationAction(id, label, Kind.LINK, url, null, null);
    }

    /** A callback action with the default style. */
    public static NotificationAction callback(String id, String label, Map<String, ?> payload) {
        return new NotificationAction(id, label, Kind.CALLBACK, null,
                payload == null ? null : new LinkedHashMap<>(payload), null);
    }

    /** This action with another style. */
    public NotificationAction withStyle(Style style) {
        return new NotificationAction(id, label, kind, url, payload, style);
    }

    /**
     * Checks a notification's actions and gives each one without an id its position as id.
     *
     * @return the actions, immutable (empty for null)
     * @throws InvalidRequestException if there are more than {@value #MAX_PER_NOTIFICATION} or two
     *                                 share an id
     */
    public static List<NotificationAction> checkAll(List<NotificationAction> actions) {
        if (actions == null || actions.isEmpty()) {
            return List.of();
        }
        if (actions.size() > MAX_PER_NOTIFICATION) {
            throw InvalidRequestException.field("actions", "must be at most " + MAX_PER_NOTIFICATION
                    + " but were " + actions.size());
        }
        var byId = new LinkedHashMap<String, NotificationAction>();
        for (int i = 0; i < actions.size(); i++) {
            NotificationAction a = actions.get(i);
            if (a == null) {
                throw InvalidRequestException.field("actions", "must not contain null");
            }
            String id = a.id() != null ? a.id() : Integer.toString(i + 1);
            if (byId.put(id, new NotificationAction(id, a.label(), a.kind(), a.url(), a.payload(), a.style())) != null) {
                throw InvalidRequestException.field("actions", "ids must be distinct but '" + id + "' repeats");
            }
        }
        return List.copyOf(byId.values());
    }
}
