package dev.notify.internal;

import static dev.notify.internal.JdbiNotificationStore.timestamp;

import dev.notify.InputRules;
import dev.notify.InvalidRequestException;
import dev.notify.Limits;
import dev.notify.Topics;
import java.time.Clock;
import java.util.List;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;

/** {@link Topics} over the {@code notify_topic_member} table. */
public final class JdbiTopics implements Topics {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1," + Limits.TYPE_MAX + "}");

    private final Jdbi jdbi;
    private final Clock clock;

    public JdbiTopics(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    @Override
    public void subscribe(String topic, String userId) {
        validate(topic, userId);
        jdbi.useHandle(h -> h.createUpdate("INSERT INTO notify_topic_member (topic, recipient, created_at)"
                        + " SELECT :t, :r, :now WHERE NOT EXISTS (SELECT 1 FROM notify_topic_member"
                        + " WHERE topic = :t AND recipient = :r)")
                .bind("t", topic)
                .bind("r", userId)
                .bind("now", timestamp(clock.instant()))
                .execute());
    }

    @Override
    public boolean unsubscribe(String topic, String userId) {
        validate(topic, userId);
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM notify_topic_member WHERE topic = :t AND recipient = :r")
                .bind("t", topic)
                .bind("r", userId)
                .execute()) > 0;
    }

    @Override
    public List<String> members(String topic) {
        validateTopic(topic);
        return jdbi.withHandle(h -> h.createQuery("SELECT recipient FROM notify_topic_member WHERE topic = :t"
                        + " ORDER BY recipient")
                .bind("t", topic)
                .mapTo(String.class)
                .list());
    }

    private static void validate(String topic, String userId) {
        validateTopic(topic);
        InputRules.text("user_id", userId);
        if (userId == null || userId.isBlank() || userId.length() > Limits.RECIPIENT_MAX) {
            throw InvalidRequestException.field("user_id", "must be 1 to " + Limits.RECIPIENT_MAX + " characters");
        }
    }

    private static void validateTopic(String topic) {
        InputRules.text("topic", topic);
        if (topic == null || !NAME.matcher(topic).matches()) {
            throw InvalidRequestException.field("topic", "must be 1 to " + Limits.TYPE_MAX
                    + " of letters, digits and _ . : - but was '" + topic + "'");
        }
    }

    @Override
    public java.util.Map<String, Integer> sizes() {
        java.util.Map<String, Integer> sizes = new java.util.LinkedHashMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT topic, COUNT(*) AS n FROM notify_topic_member GROUP BY topic"
                        + " ORDER BY topic")
                .map((rs, ctx) -> sizes.put(rs.getString("topic"), rs.getInt("n")))
                .list());
        return sizes;
    }
}
