package dev.notify.javalin.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.notify.json.Json;
import dev.notify.javalin.NotifyPluginConfig;
import io.javalin.config.RoutesConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Serves the OpenAPI 3.1 description of the HTTP API ({@code openapi.json} beside this class's
 * resources) at {@value #PATH}, with its paths moved to where this plugin mounted them.
 */
public final class OpenApiDocument {
    /** Where the document is served. */
    public static final String PATH = "/openapi.json";
    private static final String RESOURCE = "/dev/notify/javalin/openapi.json";

    private final NotifyPluginConfig config;

    public OpenApiDocument(NotifyPluginConfig config) {
        this.config = config;
    }

    public void mount(RoutesConfig routes) {
        String body = JsonBodies.write(document(config));
        routes.get(PATH, ctx -> ctx.contentType("application/json").result(body));
    }

    /** The document as shipped, before its paths are moved. */
    public static ObjectNode shipped() {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the jar");
            }
            return (ObjectNode) Json.MAPPER.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The document for a plugin with {@code config}'s paths; routes it does not mount are left out. */
    static ObjectNode document(NotifyPluginConfig config) {
        ObjectNode doc = shipped();
        NotifyPluginConfig defaults = new NotifyPluginConfig();
        ObjectNode paths = (ObjectNode) doc.get("paths");
        ObjectNode moved = Json.MAPPER.createObjectNode();
        List<String> names = new ArrayList<>();
        paths.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            String path = move(name, defaults, config);
            if (path != null) {
                moved.set(path, paths.get(name));
            }
        }
        doc.set("paths", moved);
        return doc;
    }

    private static String move(String path, NotifyPluginConfig defaults, NotifyPluginConfig config) {
        if (path.equals(defaults.webPath) || path.equals(WebAssets.CLIENT_PATH) || path.equals(WebAssets.PAGE_SCRIPT_PATH)
                || path.equals(WebAssets.PAGE_STYLE_PATH) || path.equals(WebAssets.SERVICE_WORKER_PATH)) {
            if (config.webPath == null) {
                return null;
            }
            return path.equals(defaults.webPath) ? config.webPath : path;
        }
        if (path.equals(defaults.healthPath)) {
            return config.healthPath;
        }
        for (Map.Entry<String, String> prefix : Map.of(
                defaults.basePath, config.basePath,
                defaults.adminPath, config.adminPath,
                defaults.recipientsPath, config.recipientsPath,
                defaults.templatesPath, config.templatesPath,
                defaults.topicsPath, config.topicsPath).entrySet()) {
            if (path.equals(prefix.getKey()) || path.startsWith(prefix.getKey() + "/")) {
                return prefix.getValue() == null ? null : prefix.getValue() + path.substring(prefix.getKey().length());
            }
        }
        return path;
    }
}
