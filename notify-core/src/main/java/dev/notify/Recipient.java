package dev.notify;

import java.time.ZoneId;
import java.util.Locale;
import java.util.Objects;

/**
 * What notify knows of a user, from a {@link RecipientDirectory}.
 *
 * @param userId      the user id (the recipient)
 * @param email       email address, or null for none
 * @param displayName name to address the user by, or null
 * @param locale      preferred language, or null for the default
 * @param timeZone    the user's time zone, or null for UTC
 */
public record Recipient(String userId, String email, String displayName, Locale locale, ZoneId timeZone) {
    /**
     * Validates the texts.
     *
     * @throws InvalidRequestException code {@value InputRules#INVALID_TEXT} if a text breaks {@link InputRules}
     */
    public Recipient {
        Objects.requireNonNull(userId, "userId");
        InputRules.text("user_id", userId);
        InputRules.text("email", email);
        InputRules.text("display_name", displayName);
    }

    /** A recipient known only by id and email address. */
    public static Recipient withEmail(String userId, String email) {
        return new Recipient(userId, email, null, null, null);
    }
}
