package dev.notify.javalin.internal;

import dev.notify.json.Json;

/** HTTP response bodies in JSON: the document followed by one newline, as command-line tools expect. */
public final class JsonBodies {
    private JsonBodies() {
    }

    /** {@code body} as JSON text ending with {@code \n}. */
    public static String write(Object body) {
        return Json.write(body) + "\n";
    }
}
