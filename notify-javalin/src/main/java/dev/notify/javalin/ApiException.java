package dev.notify.javalin;

import dev.notify.NotifyException;

/** An error the HTTP layer reports with its catalogue status and a specific code and message. */
public class ApiException extends NotifyException {
    private final int status;

    public ApiException(ApiError error, String message) {
        this(error.status(), error.code(), message);
    }

    public ApiException(int status, String code, String message) {
        super(code, message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
