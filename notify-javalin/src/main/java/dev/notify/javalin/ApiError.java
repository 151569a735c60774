package dev.notify.javalin;

/**
 * The catalogue of HTTP API errors: each a stable code, its status, and what a caller can do.
 * The body is always {@code {"error":{"code":"...","message":"..."}}}.
 */
public enum ApiError {
    INVALID_JSON(400, "the body is not valid JSON"),
    INVALID_REQUEST(400, "a field is missing or invalid"),
    UNAUTHENTICATED(401, "send a valid token as 'Authorization: Bearer <token>' or '?token='"),
    INSUFFICIENT_SCOPE(403, "the token lacks the scope this call needs"),
    NOT_FOUND(404, "no such notification"),
    PAYLOAD_TOO_LARGE(413, "the body is larger than the server accepts"),
    UNSUPPORTED_MEDIA_TYPE(415, "send the body as application/json"),
    RATE_LIMITED(429, "too many requests; retry after the number of seconds in Retry-After"),
    STORE_UNAVAILABLE(503, "the database is unavailable; retry later"),
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
