package dev.notify.internal;

import static dev.notify.internal.JdbiNotificationStore.timestamp;

import dev.notify.InvalidRequestException;
import dev.notify.Limits;
import dev.notify.Preferences;
import java.time.Clock;
import org.jdbi.v3.core.Jdbi;

/** {@link Preferences} over the {@code notify_channel_optout} table. */
public final class JdbiPreferences implements Preferences {
    private final Jdbi jdbi;
    private final Clock clock;

    public JdbiPreferences(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    @Override
    public boolean allows(String recipient, String channel, String type) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM notify_channel_optout"
                        + " WHERE recipient = :r AND channel = :c AND type IN (:t, '*')")
                .bind("r", recipient)
                .bind("c", channel)
                .bind("t", type)
                .mapTo(Integer.class)
                .one()) == 0;
    }

    @Override
    public void optOut(String recipient, String channel, String type) {
        validate(recipient, channel, type);
        jdbi.useHandle(h -> h.createUpdate("INSERT INTO notify_channel_optout (recipient, channel, type, created_at)"
                        + " SELECT :r, :c, :t, :now WHERE NOT EXISTS (SELECT 1 FROM notify_channel_optout"
                        + " WHERE recipient = :r AND channel = :c AND type = :t)")
                .bind("r", recipient)
                .bind("c", channel)
                .bind("t", type)
                .bind("now", timestamp(clock.instant()))
                .execute());
    }

    @Override
    public void optIn(String recipient, String channel, String type) {
        validate(recipient, channel, type);
        jdbi.useHandle(h -> h.createUpdate("DELETE FROM notify_channel_optout"
                        + " WHERE recipient = :r AND channel = :c AND type = :t")
                .bind("r", recipient)
                .bind("c", channel)
                .bind("t", type)
                .execute());
    }

    private static void validate(String recipient, String channel, String type) {
        require("recipient", recipient, Limits.RECIPIENT_MAX);
        require("channel", channel, 32);
        require("type", type, Limits.TYPE_MAX);
    }

    private static void require(String field, String value, int max) {
        if (value == null || value.isBlank() || value.length() > max) {
            throw InvalidRequestException.field(field, "must be 1 to " + max + " characters");
        }
    }
}
