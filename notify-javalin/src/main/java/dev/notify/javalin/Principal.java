package dev.notify.javalin;

import java.util.Objects;
import java.util.Set;

/**
 * Who is calling: the user id (the JWT {@code sub}) and the scopes granted.
 *
 * @param userId the recipient whose inbox this caller may read and change
 * @param scopes granted scopes, e.g. {@value #PUBLISH} and {@value #ADMIN}
 */
public record Principal(String userId, Set<String> scopes) {
    /** Scope that allows creating notifications for any recipient. */
    public static final String PUBLISH = "publish";
    /** Scope for administrative calls. */
    public static final String ADMIN = "admin";

    public Principal {
        Objects.requireNonNull(userId, "userId");
        scopes = Set.copyOf(scopes);
    }

    public boolean has(String scope) {
        return scopes.contains(scope);
    }
}
