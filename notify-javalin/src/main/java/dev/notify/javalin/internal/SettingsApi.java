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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The caller's own channel settings: {@code GET|PUT {basePath}/settings} with
 * {@code {"channels": {"email": true, "push": false}}}, one switch per configured out-of-band
 * channel, over {@link Preferences} with {@link Preferences#ALL_TYPES}. In-app notifications
 * and streams cannot be switched off. A {@code PUT} may name some channels only; the others
 * keep their setting.
 */
public final class SettingsApi {
    private static final Set<String> FIELDS = Set.of("channels");

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
        JsonNode channels = body.get("channels");
        if (channels == null || !channels.isObject()) {
            throw InvalidRequestException.field("channels", "must be an object of channel name to true or false");
        }
        Set<String> configured = new TreeSet<>(notify.channels().keySet());
        Map<String, Boolean> wanted = new LinkedHashMap<>();
        for (var fields = channels.fields(); fields.hasNext(); ) {
            var field = fields.next();
            if (!configured.contains(field.getKey())) {
                throw InvalidRequestException.field("channels", "names unknown channel '" + field.getKey()
                        + "'; this server has: " + (configured.isEmpty() ? "none" : String.join(", ", configured)));
            }
            if (!field.getValue().isBoolean()) {
                throw InvalidRequestException.field("channels", "value of '" + field.getKey()
                        + "' must be true or false but was " + field.getValue());
            }
            wanted.put(field.getKey(), field.getValue().asBoolean());
        }
        // Validated in full before the first change, so a bad body changes nothing.
        Preferences preferences = notify.preferences();
        wanted.forEach((channel, on) -> {
            if (on) {
                preferences.optIn(p.userId(), channel, Preferences.ALL_TYPES);
            } else {
                preferences.optOut(p.userId(), channel, Preferences.ALL_TYPES);
            }
        });
        Http.json(ctx, 200, view(p.userId()));
    }

    private Map<String, Object> view(String userId) {
        Map<String, Boolean> channels = new LinkedHashMap<>();
        for (String channel : new TreeSet<>(notify.channels().keySet())) {
            channels.put(channel, notify.preferences().allows(userId, channel, Preferences.ALL_TYPES));
        }
        return Map.of("channels", channels);
    }
}
