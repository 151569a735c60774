package dev.notify;

import java.util.Optional;

/**
 * Looks up users: user id to email address, name, locale and time zone. A host application
 * implements it over its own user table; the standalone server stores profiles set through
 * {@code PUT /api/v1/recipients/{user_id}}.
 */
@FunctionalInterface
public interface RecipientDirectory {

    /** Knows nobody. */
    RecipientDirectory NONE = userId -> Optional.empty();

    /**
     * @param userId the recipient's user id
     * @return the user's profile, or empty if unknown
     */
    Optional<Recipient> find(String userId);
}
