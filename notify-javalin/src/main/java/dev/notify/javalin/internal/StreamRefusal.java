package dev.notify.javalin.internal;

import dev.notify.StreamLimitException;
import dev.notify.javalin.ApiError;
import java.time.Duration;

/**
 * How a stream request (SSE, or a WebSocket upgrade) that a cap refused is answered: 429
 * {@code too_many_streams} when the user already holds as many streams as allowed, 503
 * {@code streams_unavailable} when the server does, always with {@code Retry-After} in whole
 * seconds (RFC 9110 section 10.2.3) and {@code Connection: close}, so that a refused client holds
 * no socket.
 */
record StreamRefusal(ApiError error, String message, String retryAfterSeconds) {

    static StreamRefusal of(StreamLimitException e, Duration retryAfter) {
        ApiError error = e.limit() == StreamLimitException.Limit.PER_RECIPIENT
                ? ApiError.TOO_MANY_STREAMS : ApiError.STREAMS_UNAVAILABLE;
        return new StreamRefusal(error, e.getMessage(), Long.toString(Math.max(1, retryAfter.toSeconds())));
    }

    /** Answers an SSE request with this refusal. */
    void answer(io.javalin.http.Context ctx) {
        ctx.header("Retry-After", retryAfterSeconds);
        ctx.header("Connection", "close");
        Http.error(ctx, error.status(), error.code(), message);
    }
}
