package dev.notify.template;

import dev.notify.LanguageTags;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads one template file (format in the package documentation). Strict: unknown fields,
 * duplicate keys and wrongly typed values are errors naming the file and the field, so a typo
 * such as {@code "mesage"} is caught at start-up instead of rendering an empty message.
 */
final class TemplateJson {
    /** Template files are named {@code <name>.json}. */
    static final String EXTENSION = ".json";

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final TypeReference<LinkedHashMap<String, Object>> OBJECT = new TypeReference<>() {
    };

    private static final List<String> TOP = List.of("name", "type", "actions", "category", "required", "default_locale",
            "escalate_after", "locales", "sample");
    private static final List<String> IN_APP = List.of("title", "message");
    /** The email part's fields: its title and body are called subject and text. */
    private static final List<String> EMAIL = List.of("subject", "text", "html");
    private static final List<String> CHANNEL = List.of("title", "body", "html");

    private TemplateJson() {
    }

    /**
     * Parses one file.
     *
     * @param origin the file's path or URL, for error messages
     * @param name   the template name the file name implies ({@code low_stock_alert} for {@code low_stock_alert.json})
     * @param json   the file's bytes, UTF-8
     * @throws TemplateException naming {@code origin} and the offending field
     */
    static Template parse(String origin, String name, byte[] json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
            throw TemplateException.source(origin, "is not valid JSON" + where + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw TemplateException.source(origin, "cannot be read: " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode()) {
            throw TemplateException.source(origin, "is empty; expected a JSON object", null);
        }
        var file = new Reader(origin);
        file.requireObject(root, null);
        file.onlyFields(root, null, TOP);

        String declared = file.text(root, "name");
        if (declared != null && !declared.equals(name)) {
            throw TemplateException.field(origin, "name",
                    "must match the file name '" + name + EXTENSION + "' but was '" + declared + "'");
        }
        Template.Builder builder = Template.builder(name)
                .type(file.text(root, "type"))
                .category(file.text(root, "category"));
        JsonNode required = root.get("required");
        if (required != null && !required.isNull()) {
            if (!required.isBoolean()) {
                throw file.wrongType("required", required, "a boolean");
            }
            builder.required(required.booleanValue());
        }
        JsonNode actions = root.get("actions");
        if (actions != null && !actions.isNull()) {
            try {
                dev.notify.json.Json.readActions(dev.notify.json.Json.MAPPER.convertValue(actions, Object.class))
                        .forEach(builder::action);
            } catch (dev.notify.InvalidRequestException e) {
                throw TemplateException.field(origin, "actions", e.getMessage());
            }
        }
        String defaultLocale = file.text(root, "default_locale");
        if (defaultLocale != null) {
            builder.defaultLocale(file.locale("default_locale", defaultLocale));
        }
        String escalate = file.text(root, "escalate_after");
        if (escalate != null) {
            try {
                builder.escalateAfter(Duration.parse(escalate));
            } catch (DateTimeParseException e) {
                throw TemplateException.field(origin, "escalate_after",
                        "must be an ISO-8601 duration such as PT30M but was '" + escalate + "'");
            }
        }

        JsonNode locales = root.get("locales");
        if (locales == null || locales.isNull()) {
            throw TemplateException.field(origin, "locales", "is required");
        }
        file.requireObject(locales, "locales");
        var seen = new LinkedHashMap<Locale, String>();
        for (Map.Entry<String, JsonNode> entry : locales.properties()) {
            String at = "locales." + entry.getKey();
            Locale locale = file.locale(at, entry.getKey());
            String before = seen.put(locale, entry.getKey());
            if (before != null) {
                throw TemplateException.field(origin, at, "is the same locale as locales." + before);
            }
            builder.locale(locale, file.parts(at, entry.getValue()));
        }

        JsonNode sample = root.get("sample");
        if (sample != null && !sample.isNull()) {
            file.requireObject(sample, "sample");
            builder.sample(MAPPER.convertValue(sample, OBJECT));
        }
        return builder.build(origin);
    }

    /** Field access that reports errors against one file. */
    private record Reader(String origin) {
        Template.Parts parts(String at, JsonNode node) {
            requireObject(node, at);
            String title = text(node, at, "title");
            if (title == null) {
                throw TemplateException.field(origin, at + ".title", "is required");
            }
            var parts = Template.Parts.of(title, text(node, at, "message"));
            for (Map.Entry<String, JsonNode> property : node.properties()) {
                String channel = property.getKey();
                JsonNode part = property.getValue();
                if (IN_APP.contains(channel) || part.isNull()) {
                    continue;
                }
                String c = at + "." + channel;
                if (!part.isObject()) {
                    // Most often a misspelt title or message: say what the key was taken for.
                    throw TemplateException.field(origin, c, "must be an object (any key besides title and message"
                            + " is a channel's part) but was " + kind(part));
                }
                List<String> fields = channel.equals("email") ? EMAIL : CHANNEL;
                onlyFields(part, c, fields);
                var own = new Template.ChannelPart(text(part, c, fields.get(0)), text(part, c, fields.get(1)),
                        text(part, c, "html"));
                try {
                    parts = parts.withChannel(channel, own);
                } catch (IllegalArgumentException e) {
                    throw TemplateException.field(origin, c, "is not a channel name: lower-case letters, digits,"
                            + " _ and -, at most 32 characters, not in_app");
                }
            }
            return parts;
        }

        /** A BCP 47 tag such as {@code en} or {@code fr-CA}, with a 2- or 3-letter language. */
        Locale locale(String field, String tag) {
            return LanguageTags.parse(tag).orElseThrow(() -> TemplateException.field(origin, field,
                    "'" + tag + "' is not a BCP 47 language tag such as en or fr-CA"));
        }

        String text(JsonNode node, String field) {
            return text(node, null, field);
        }

        String text(JsonNode node, String at, String field) {
            JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                return null;
            }
            if (!value.isTextual()) {
                throw wrongType(path(at, field), value, "a string");
            }
            return value.textValue();
        }

        void requireObject(JsonNode node, String field) {
            if (!node.isObject()) {
                if (field == null) {
                    throw TemplateException.source(origin,
                            "must hold a JSON object but holds " + kind(node), null);
                }
                throw wrongType(field, node, "an object");
            }
        }

        void onlyFields(JsonNode node, String at, List<String> allowed) {
            for (Map.Entry<String, JsonNode> property : node.properties()) {
                String field = property.getKey();
                if (!allowed.contains(field)) {
                    throw TemplateException.field(origin, path(at, field),
                            "is not a known field; expected one of " + String.join(", ", allowed));
                }
            }
        }

        TemplateException wrongType(String field, JsonNode value, String expected) {
            return TemplateException.field(origin, field, "must be " + expected + " but was " + kind(value));
        }

        private static String path(String at, String field) {
            return at == null ? field : at + "." + field;
        }

        private static String kind(JsonNode node) {
            return switch (node.getNodeType()) {
                case ARRAY -> "an array";
                case OBJECT -> "an object";
                case STRING -> "a string";
                case NUMBER -> "a number";
                case BOOLEAN -> "a boolean";
                case NULL -> "null";
                default -> node.getNodeType().name().toLowerCase(Locale.ROOT);
            };
        }
    }
}
