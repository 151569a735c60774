package dev.notify.server;

import dev.notify.javalin.internal.RequestUser;
import io.javalin.http.Context;
import io.javalin.http.RequestLogger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per HTTP request on the logger {@code dev.notify.access}: method, path without the
 * query (so a {@code ?token=} never reaches the log), status, duration in milliseconds, and the
 * authenticated user or {@code -}. Switched off with {@code NOTIFY_ACCESS_LOG=off}.
 */
final class AccessLog implements RequestLogger {
    private static final Logger log = LoggerFactory.getLogger("dev.notify.access");

    @Override
    public void handle(Context ctx, Float executionTimeMs) {
        if (!log.isInfoEnabled()) {
            return;
        }
        String user = RequestUser.get(ctx);
        log.info("{} {} {} {}ms user={}", ctx.method(), ctx.path(), ctx.statusCode(),
                Math.round(executionTimeMs), user == null ? "-" : user);
    }
}
