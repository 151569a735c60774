package dev.notify.javalin.internal;

import dev.notify.NotifyException;
import dev.notify.StoreFailures;
import dev.notify.javalin.ApiError;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A failure on the server's side, as HTTP and WebSocket clients see it: a status, a stable code, a
 * generic message and an error id. The full exception, database message included, goes only to
 * the log, under the same id, so an operator can find what a client reports.
 *
 * <ul>
 *   <li>503 {@code store_unavailable}, with {@code Retry-After}, when a retry can succeed
 *       ({@link StoreFailures#retryable}: no connection, timeouts, serialization failures,
 *       deadlocks, lock timeouts);</li>
 *   <li>500 {@code store_error} for any other database failure;</li>
 *   <li>500 with the exception's own code (a {@link NotifyException}) or {@code internal} for
 *       anything else.</li>
 * </ul>
 *
 * @param status    the HTTP status
 * @param code      the stable error code
 * @param message   what the client is told; never the exception's message
 * @param errorId   12 hex digits, also in the log line
 * @param retryable whether retrying the same request can succeed
 */
record ServerFailure(int status, String code, String message, String errorId, boolean retryable) {
    /** The {@code Retry-After} sent with a 503, in seconds. */
    static final long RETRY_AFTER_SECONDS = 2;

    private static final Logger log = LoggerFactory.getLogger(ServerFailure.class);

    /**
     * Classifies {@code e}, logs it with a new error id, and returns what the client sees.
     *
     * @param where what failed, for the log (e.g. {@code "POST /api/v1/notifications"}); never
     *              anything with a token in it
     */
    static ServerFailure of(Throwable e, String where) {
        String id = String.format("%012x", ThreadLocalRandom.current().nextLong() & 0xffff_ffff_ffffL);
        if (StoreFailures.retryable(e)) {
            log.warn("error {}: {} failed; the database is unavailable", id, where, e);
            return new ServerFailure(503, StoreFailures.UNAVAILABLE,
                    "the database is unavailable; try again later (error id " + id + ")", id, true);
        }
        log.error("error {}: {} failed", id, where, e);
        if (StoreFailures.isStoreFailure(e)) {
            return new ServerFailure(500, StoreFailures.FAILED,
                    "the database could not complete the request (error id " + id + ")", id, false);
        }
        String code = e instanceof NotifyException n ? n.code() : ApiError.INTERNAL.code();
        return new ServerFailure(500, code, ApiError.INTERNAL.hint() + " (error id " + id + ")", id, false);
    }

    /** The {@code error} object of the response: code, message, error_id. */
    Map<String, Object> body() {
        var body = new LinkedHashMap<String, Object>();
        body.put("code", code);
        body.put("message", message);
        body.put("error_id", errorId);
        return body;
    }
}
