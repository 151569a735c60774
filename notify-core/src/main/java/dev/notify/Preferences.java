package dev.notify;

/**
 * Which out-of-band channels a recipient accepts, per notification type. In-app notifications
 * and real-time streams are never switched off here. Obtain with {@link Notify#preferences()}.
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
     * Stops {@code channel} deliveries of {@code type} (or {@link #ALL_TYPES}) to the recipient.
     * Harmless when already opted out. Deliveries already in the outbox are not recalled.
     *
     * @throws InvalidRequestException if an argument is blank or too long
     */
    void optOut(String recipient, String channel, String type);

    /** Undoes {@link #optOut} for exactly this channel and type. */
    void optIn(String recipient, String channel, String type);
}
