package dev.notify.javalin.internal;

import dev.notify.javalin.NotifyPluginConfig;

/** Reaches the plugin's admission of new streams from its public shutdown call. */
public final class Shutdown {
    private Shutdown() {
    }

    /** New streams are refused from now on. */
    public static void begin(NotifyPluginConfig config) {
        RateLimiter.of(config).shutDown();
    }
}
