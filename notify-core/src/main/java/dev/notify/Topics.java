package dev.notify;

import java.util.List;

/**
 * Named groups of recipients, such as {@code managers}. A {@link SendRequest#toTopic(String) send
 * to a topic} reaches the users who are members when it is sent; joining later does not deliver
 * earlier notifications. Obtain with {@link Notify#topics()}.
 */
public interface Topics {

    /**
     * Adds the user to the topic; harmless when already a member.
     *
     * @throws InvalidRequestException if the topic is not {@code [A-Za-z0-9_.:-]}, 1 to
     *                                 {@value Limits#TYPE_MAX} characters, or the user id is blank or too long
     */
    void subscribe(String topic, String userId);

    /** Removes the user from the topic. @return false if the user was not a member */
    boolean unsubscribe(String topic, String userId);

    /** The topic's members, sorted; empty for an unknown topic. */
    List<String> members(String topic);

    /** Every topic with at least one member, with its member count, by name. */
    default java.util.Map<String, Integer> sizes() {
        throw new UnsupportedOperationException("listing topics");
    }
}
