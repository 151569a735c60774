package dev.notify;

import java.util.Optional;

/**
 * Recipient profiles kept in notify's own database: the directory the standalone server uses
 * (set through {@code PUT /api/v1/recipients/{user_id}}). Obtain with
 * {@link Notify#recipients()}.
 */
public interface RecipientProfiles extends RecipientDirectory {

    /**
     * Creates or replaces a profile.
     *
     * @throws InvalidRequestException if the email address is malformed or a field too long
     */
    void put(Recipient recipient);

    /** @return whether a profile was deleted */
    boolean delete(String userId);

    @Override
    Optional<Recipient> find(String userId);
}
