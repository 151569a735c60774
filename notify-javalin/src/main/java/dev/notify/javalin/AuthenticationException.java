package dev.notify.javalin;

import dev.notify.NotifyException;

/** A credential was missing, malformed, expired or wrongly signed. HTTP 401. */
public class AuthenticationException extends NotifyException {
    public AuthenticationException(String message) {
        super("unauthenticated", message);
    }
}
