package dev.notify;

/**
 * The root of every exception notify throws. Unchecked, like Jdbi's {@code JdbiException}.
 * Each subclass carries a stable {@link #code()} that the HTTP layer reports as
 * {@code {"error":{"code":...}}}.
 */
public class NotifyException extends RuntimeException {
    private final String code;

    public NotifyException(String code, String message) {
        super(message);
        this.code = code;
    }

    public NotifyException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** A stable, machine-readable error code such as {@code invalid_request}. */
    public String code() {
        return code;
    }
}
