package dev.notify;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a recipient wants on which out-of-band channel, and when: channels switched off for every
 * notification type ({@link #ALL_TYPES}), for one type or for one template category; quiet hours;
 * digest frequency per category. In-app notifications and real-time streams are never switched
 * off here. Opt-outs are applied when a notification is sent and again when its delivery comes
 * due (a pending email of a type the user has since switched off is dropped); quiet hours when it
 * is sent (the delivery is queued for the end of the window). Templates marked
 * {@code required} bypass opt-outs and quiet hours. Obtain with {@link Notify#preferences()}.
 */
public interface Preferences {

    /** Stands for every notification type in {@link #optOut} and {@link #optIn}. */
    String ALL_TYPES = "*";

    /**
     * Whether a notification of {@code type} may go to {@code recipient} over {@code channel}:
     * false if the recipient opted out of that type or of all types on that channel.
     */
    boolean allows(String recipient, String channel, String type);

    /**
     * As {@link #allows(String, String, String)}, and false also when the recipient switched the
     * channel off for {@code category} (null: no category).
     */
    default boolean allows(String recipient, String channel, String type, String category) {
        return allows(recipient, channel, type);
    }

    /**
     * Stops {@code channel} deliveries of {@code type} (or {@link #ALL_TYPES}) to the recipient.
     * Harmless when already opted out.
     *
     * @throws InvalidRequestException if an argument is blank or too long
     */
    void optOut(String recipient, String channel, String type);

    /** Undoes {@link #optOut} for exactly this channel and type. */
    void optIn(String recipient, String channel, String type);

    /** Stops {@code channel} deliveries of every template of {@code category} to the recipient. */
    default void optOutCategory(String recipient, String channel, String category) {
        throw new UnsupportedOperationException("categories");
    }

    /** Undoes {@link #optOutCategory}. */
    default void optInCategory(String recipient, String channel, String category) {
        throw new UnsupportedOperationException("categories");
    }

    /** The types (including {@link #ALL_TYPES}) the recipient switched off, by channel. */
    default Map<String, List<String>> typeOptOuts(String recipient) {
        return Map.of();
    }

    /** The categories the recipient switched off, by channel. */
    default Map<String, List<String>> categoryOptOuts(String recipient) {
        return Map.of();
    }

    /** The recipient's quiet hours, if set. */
    default Optional<QuietHours> quietHours(String recipient) {
        return Optional.empty();
    }

    /** Sets the recipient's quiet hours; null removes them. Affects deliveries queued from now on. */
    default void quietHours(String recipient, QuietHours quietHours) {
        throw new UnsupportedOperationException("quiet hours");
    }

    /**
     * Digest frequency per category; categories not listed are {@link DigestFrequency#IMMEDIATE}.
     * Notifications from a template of a digested category are stored and streamed at once; their
     * email waits for the recipient's next digest of that category (one email per period, in the
     * recipient's time zone, rendered from the template {@value Notify#DIGEST_TEMPLATE} or a
     * built-in one). Required templates and escalations are never digested; push is not digested.
     */
    default Map<String, DigestFrequency> digests(String recipient) {
        return Map.of();
    }

    /** Sets the digest frequency of one category; {@link DigestFrequency#IMMEDIATE} removes the setting. */
    default void digest(String recipient, String category, DigestFrequency frequency) {
        throw new UnsupportedOperationException("digests");
    }
}
