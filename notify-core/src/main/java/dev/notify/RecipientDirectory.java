package dev.notify;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
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

    /**
     * The profiles of many users at once, for a send to a topic or a list of recipients. The
     * default calls {@link #find} once per user; a directory over a database should override it
     * with a set-based query (notify's own profiles read 1,000 users per statement).
     *
     * @param userIds the recipients' user ids; duplicates are allowed
     * @return the users that are known, keyed by user id; unknown users are absent
     */
    default Map<String, Recipient> findAll(Collection<String> userIds) {
        Map<String, Recipient> found = new HashMap<>();
        for (String id : userIds) {
            if (!found.containsKey(id)) {
                find(id).ifPresent(r -> found.put(id, r));
            }
        }
        return found;
    }
}
