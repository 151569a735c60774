package dev.notify.javalin.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notify.InvalidRequestException;
import dev.notify.Notify;
import dev.notify.Preferences;
import dev.notify.javalin.NotifyPluginConfig;
import dev.notify.javalin.Principal;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import dev.notify.DigestFrequency;
import dev.notify.Limits;
import dev.notify.QuietHours;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The caller's own preferences: {@code GET|PUT {basePath}/settings}.
 *
 * <pre>{@code
 * {
 *   "channels":    {"email": true, "push": false},
 *   "types":       {"new_order": {"email": false}},
 *   "categories":  {"inventory": {"push": false}},
 *   "quiet_hours": {"start": "22:00", "end": "07:00", "time_zone": "Europe/Paris"},
 *   "digests":     {"inventory": "daily"}
 * }
 * }</pre>
 *
 * <p>{@code channels}: one switch per configured out-of-band channel, over {@link Preferences}
 * with {@link Preferences#ALL_TYPES}. {@code types} and {@code categories}: per notification type
 * or template category, per channel, {@code false} switches off and {@code true} back on; a
 * {@code GET} lists what is switched off. {@code quiet_hours}: {@code null} removes them;
 * {@code time_zone} may be left out for the recipient profile's zone. {@code digests}: category
 * to {@code immediate|hourly|daily|weekly}. In-app notifications and streams cannot be switched
 * off. A {@code PUT} may give any subset of the fields and of their entries; the rest keep their
 * setting. The whole body is validated before the first change, so a 400 changes nothing.
 */
public final class SettingsApi {
    private static final Set<String> FIELDS = Set.of("channels", "types", "categories", "quiet_hours", "digests");
    private static final Set<String> QUIET_FIELDS = Set.of("start", "end", "time_zone");

    private final NotifyPluginConfig config;
    private final Notify notify;
    private final Http http;

    public SettingsApi(NotifyPluginConfig config) {
        this.config = config;
        this.notify = config.notify;
        this.http = new Http(config);
    }

    public void mount(RoutesConfig routes) {
        routes.get(config.basePath + "/settings", http.guarded(this::get));
        routes.put(config.basePath + "/settings", http.guarded(this::put));
    }

    private void get(Context ctx) {
        Principal p = http.authenticate(ctx);
        Http.json(ctx, 200, view(p.userId()));
    }

    private void put(Context ctx) {
        Principal p = http.authenticate(ctx);
        ObjectNode body = http.readJsonObject(ctx);
        Http.rejectUnknownFields(body, FIELDS);
        List<Runnable> changes = new ArrayList<>();
        Preferences preferences = notify.preferences();
        String user = p.userId();

        JsonNode channels = body.get("channels");
        if (channels != null) {
            switches("channels", channels).forEach((channel, on) -> changes.add(on
                    ? () -> preferences.optIn(user, channel, Preferences.ALL_TYPES)
                    : () -> preferences.optOut(user, channel, Preferences.ALL_TYPES)));
        }
        JsonNode types = body.get("types");
        if (types != null) {
            scoped("types", types).forEach((type, perChannel) -> perChannel.forEach((channel, on) -> changes.add(on
                    ? () -> preferences.optIn(user, channel, type)
                    : () -> preferences.optOut(user, channel, type))));
        }
        JsonNode categories = body.get("categories");
        if (categories != null) {
            scoped("categories", categories).forEach((category, perChannel) -> perChannel.forEach((channel, on) ->
                    changes.add(on
                            ? () -> preferences.optInCategory(user, channel, category)
                            : () -> preferences.optOutCategory(user, channel, category))));
        }
        if (body.has("quiet_hours")) {
            JsonNode q = body.get("quiet_hours");
            QuietHours quiet = null;
            if (!q.isNull()) {
                if (!q.isObject()) {
                    throw InvalidRequestException.field("quiet_hours",
                            "must be an object {\"start\": \"HH:MM\", \"end\": \"HH:MM\", \"time_zone\": ...} or null");
                }
                Http.rejectUnknownFields((ObjectNode) q, QUIET_FIELDS);
                quiet = QuietHours.parse(Http.text(q, "start"), Http.text(q, "end"), Http.text(q, "time_zone"));
            }
            QuietHours chosen = quiet;
            changes.add(() -> preferences.quietHours(user, chosen));
        }
        JsonNode digests = body.get("digests");
        if (digests != null) {
            if (!digests.isObject()) {
                throw InvalidRequestException.field("digests", "must be an object of category to frequency");
            }
            for (var fields = digests.fields(); fields.hasNext(); ) {
                var field = fields.next();
                checkName("digests", field.getKey());
                if (!field.getValue().isTextual()) {
                    throw InvalidRequestException.field("digests", "frequency of '" + field.getKey()
                            + "' must be immediate, hourly, daily or weekly");
                }
                DigestFrequency f = DigestFrequency.parse(field.getValue().asText());
                changes.add(() -> preferences.digest(user, field.getKey(), f));
            }
        }
        // Validated in full before the first change, so a bad body changes nothing.
        changes.forEach(Runnable::run);
        Http.json(ctx, 200, view(user));
    }

    /** {@code {"name": {"email": false}}}, each channel checked. */
    private Map<String, Map<String, Boolean>> scoped(String field, JsonNode node) {
        if (!node.isObject()) {
            throw InvalidRequestException.field(field, "must be an object of name to {channel: true or false}");
        }
        Map<String, Map<String, Boolean>> out = new LinkedHashMap<>();
        for (var fields = node.fields(); fields.hasNext(); ) {
            var entry = fields.next();
            checkName(field, entry.getKey());
            out.put(entry.getKey(), switches(field + "." + entry.getKey(), entry.getValue()));
        }
        return out;
    }

    private static void checkName(String field, String name) {
        if (name.isBlank() || name.length() > Limits.TYPE_MAX) {
            throw InvalidRequestException.field(field, "names must be 1 to " + Limits.TYPE_MAX + " characters");
        }
    }

    /** {@code {"email": true, "push": false}} over configured channels only. */
    private Map<String, Boolean> switches(String field, JsonNode node) {
        if (!node.isObject()) {
            throw InvalidRequestException.field(field, "must be an object of channel name to true or false");
        }
        Set<String> configured = new TreeSet<>(notify.channels().keySet());
        Map<String, Boolean> wanted = new LinkedHashMap<>();
        for (var fields = node.fields(); fields.hasNext(); ) {
            var entry = fields.next();
            if (!configured.contains(entry.getKey())) {
                throw InvalidRequestException.field(field, "names unknown channel '" + entry.getKey()
                        + "'; this server has: " + (configured.isEmpty() ? "none" : String.join(", ", configured)));
            }
            if (!entry.getValue().isBoolean()) {
                throw InvalidRequestException.field(field, "value of '" + entry.getKey()
                        + "' must be true or false but was " + entry.getValue());
            }
            wanted.put(entry.getKey(), entry.getValue().asBoolean());
        }
        return wanted;
    }

    private Map<String, Object> view(String userId) {
        Preferences preferences = notify.preferences();
        Map<String, Boolean> channels = new LinkedHashMap<>();
        for (String channel : new TreeSet<>(notify.channels().keySet())) {
            channels.put(channel, preferences.allows(userId, channel, Preferences.ALL_TYPES));
        }
        var body = new LinkedHashMap<String, Object>();
        body.put("channels", channels);
        body.put("types", offSwitches(preferences.typeOptOuts(userId), true));
        body.put("categories", offSwitches(preferences.categoryOptOuts(userId), false));
        body.put("quiet_hours", preferences.quietHours(userId).map(q -> {
            var v = new LinkedHashMap<String, Object>();
            v.put("start", q.start().toString());
            v.put("end", q.end().toString());
            v.put("time_zone", q.timeZone() == null ? null : q.timeZone().getId());
            return (Object) v;
        }).orElse(null));
        var digests = new TreeMap<String, String>();
        preferences.digests(userId).forEach((category, f) -> digests.put(category, f.wireName()));
        body.put("digests", digests);
        return body;
    }

    /** Channel to names switched off, turned around: name to {channel: false}. */
    private static Map<String, Map<String, Boolean>> offSwitches(Map<String, List<String>> byChannel, boolean types) {
        Map<String, Map<String, Boolean>> out = new TreeMap<>();
        byChannel.forEach((channel, names) -> {
            for (String name : names) {
                if (types && Preferences.ALL_TYPES.equals(name)) {
                    continue; // shown under "channels"
                }
                out.computeIfAbsent(name, n -> new TreeMap<>()).put(channel, false);
            }
        });
        return out;
    }
}
