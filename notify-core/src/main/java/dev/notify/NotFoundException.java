package dev.notify;

/**
 * Thrown when a notification does not exist for the calling recipient. A notification that
 * exists but belongs to somebody else is reported the same way, so ids do not leak. HTTP 404.
 */
public class NotFoundException extends NotifyException {
    public NotFoundException(String message) {
        super("not_found", message);
    }

    /** No notification {@code id} for this recipient. */
    public static NotFoundException notification(long id) {
        return new NotFoundException("notification " + id + " not found");
    }
}
