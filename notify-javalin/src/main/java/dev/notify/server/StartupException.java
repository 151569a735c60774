package dev.notify.server;

/**
 * The standalone server could not start. The message is one or two lines that name the setting to
 * change (e.g. {@code NOTIFY_PORT}); the cause, if any, is what the setting led to.
 */
public final class StartupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StartupException(String message, Throwable cause) {
        super(message, cause);
    }

    StartupException(String message) {
        super(message);
    }
}
