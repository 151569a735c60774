package dev.notify.javalin;

/**
 * The catalogue of HTTP API errors: each a stable code, its status, and what a caller can do.
 * The body is always {@code {"error":{"code":"...","message":"..."}}}.
 */
public enum ApiError {
    INVALID_JSON(400, "the body is not valid JSON"),
    INVALID_REQUEST(400, "a field is missing or invalid"),
    /** Text with U+0000 or a lone surrogate; see {@link dev.notify.InputRules}. */
    INVALID_TEXT(400, "a text holds U+0000 (NUL) or a lone surrogate"),
    /** A number that is not finite or does not fit 64 bits; see {@link dev.notify.InputRules}. */
    INVALID_NUMBER(400, "a number is beyond the range of a double or a 64-bit integer"),
    UNAUTHENTICATED(401, "send a valid token as 'Authorization: Bearer <token>' or '?token='"),
    INSUFFICIENT_SCOPE(403, "the token lacks the scope this call needs"),
    NOT_FOUND(404, "no such notification"),
    ROUTE_NOT_FOUND(404, "no such route; the API is under /api/v1/notifications"),
    METHOD_NOT_ALLOWED(405, "the route does not take this method; the Allow header lists those it takes"),
    PAYLOAD_TOO_LARGE(413, "the body is larger than the server accepts"),
    UNSUPPORTED_MEDIA_TYPE(415, "send the body as application/json"),
    TOO_MANY_STREAMS(429, "this user already has as many open streams as allowed; close one and retry"),
    RATE_LIMITED(429, "too many requests; retry after the number of seconds in Retry-After"),
    STORE_UNAVAILABLE(503, "the database is unavailable; retry later"),
    /** A database failure that retrying cannot cure. */
    STORE_ERROR(500, "the database could not complete the request"),
    /** The identity provider's key set cannot be fetched and the token's key is not cached. */
    AUTH_UNAVAILABLE(503, "the identity provider's keys cannot be fetched; retry later"),
    STREAMS_UNAVAILABLE(503, "the server holds as many open streams as it allows; retry after Retry-After"),
    INTERNAL(500, "unexpected server error");

    private final int status;
    private final String hint;

    ApiError(int status, String hint) {
        this.status = status;
        this.hint = hint;
    }

    public int status() {
        return status;
    }

    /** The default message when none more precise is known. */
    public String hint() {
        return hint;
    }

    /** The wire code, e.g. {@code invalid_json}. */
    public String code() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
