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
     * @throws AuthenticationException if the credential is invalid, expired or unsigned (HTTP 401)
     * @throws dev.notify.InvalidRequestException code {@code invalid_text} if the user id breaks
     *                                            {@link dev.notify.InputRules} (HTTP 400)
     */
    Principal authenticate(String token);
}
