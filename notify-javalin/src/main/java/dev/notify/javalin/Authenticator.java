package dev.notify.javalin;

/**
 * Turns a bearer credential into a {@link Principal}. The plugin takes the credential from
 * {@code Authorization: Bearer ...}, or from the {@code ?token=} query parameter for clients that
 * cannot send headers (EventSource, WebSocket).
 */
@FunctionalInterface
public interface Authenticator {

    /**
     * @param token the credential as sent, never null or empty
     * @return the caller
     * @throws AuthenticationException if the credential is invalid, expired or unsigned
     */
    Principal authenticate(String token);
}
