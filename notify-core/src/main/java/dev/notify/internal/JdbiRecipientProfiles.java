package dev.notify.internal;

import static dev.notify.internal.JdbiNotificationStore.timestamp;

import dev.notify.InvalidRequestException;
import dev.notify.Limits;
import dev.notify.Recipient;
import dev.notify.RecipientProfiles;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;

/** {@link RecipientProfiles} over the {@code notify_recipient_profile} table. */
public final class JdbiRecipientProfiles implements RecipientProfiles {
    /** Deliberately loose (RFC 5321 allows much); the SMTP server has the last word. */
    private static final Pattern EMAIL = Pattern.compile("[^@\\s<>]+@[^@\\s<>]+");

    private final Jdbi jdbi;
    private final Clock clock;

    public JdbiRecipientProfiles(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /** @throws InvalidRequestException if the address is not a plausible email address */
    public static void validateEmail(String email) {
        if (email.length() > 320 || !EMAIL.matcher(email).matches()) {
            throw InvalidRequestException.field("email", "is not an email address: '" + email + "'");
        }
    }

    @Override
    public void put(Recipient r) {
        if (r.userId().isBlank() || r.userId().length() > Limits.RECIPIENT_MAX) {
            throw InvalidRequestException.field("user_id", "must be 1 to " + Limits.RECIPIENT_MAX + " characters");
        }
        if (r.email() != null) {
            validateEmail(r.email());
        }
        if (r.displayName() != null && r.displayName().length() > 255) {
            throw InvalidRequestException.field("display_name", "must be at most 255 characters");
        }
        jdbi.useTransaction(h -> {
            h.createUpdate("DELETE FROM notify_recipient_profile WHERE user_id = :id").bind("id", r.userId()).execute();
            h.createUpdate("INSERT INTO notify_recipient_profile (user_id, email, display_name, locale, time_zone, updated_at)"
                            + " VALUES (:id, :email, :name, :locale, :zone, :now)")
                    .bind("id", r.userId())
                    .bind("email", r.email())
                    .bind("name", r.displayName())
                    .bind("locale", r.locale() == null ? null : r.locale().toLanguageTag())
                    .bind("zone", r.timeZone() == null ? null : r.timeZone().getId())
                    .bind("now", timestamp(clock.instant()))
                    .execute();
        });
    }

    @Override
    public boolean delete(String userId) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM notify_recipient_profile WHERE user_id = :id")
                .bind("id", userId)
                .execute()) > 0;
    }

    /** One query per {@value JdbiPreferences#IN_LIST_MAX} users. */
    @Override
    public Map<String, Recipient> findAll(Collection<String> userIds) {
        Map<String, Recipient> found = new HashMap<>();
        List<String> all = List.copyOf(new LinkedHashSet<>(userIds));
        for (int from = 0; from < all.size(); from += JdbiPreferences.IN_LIST_MAX) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + JdbiPreferences.IN_LIST_MAX));
            jdbi.useHandle(h -> h.createQuery("SELECT user_id, email, display_name, locale, time_zone"
                            + " FROM notify_recipient_profile WHERE user_id IN (<ids>)")
                    .bindList("ids", chunk)
                    .map((rs, ctx) -> found.put(rs.getString("user_id"), profile(rs)))
                    .list());
        }
        return found;
    }

    private static Recipient profile(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Recipient(rs.getString("user_id"), rs.getString("email"), rs.getString("display_name"),
                rs.getString("locale") == null ? null : Locale.forLanguageTag(rs.getString("locale")),
                zone(rs.getString("time_zone")));
    }

    @Override
    public Optional<Recipient> find(String userId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT user_id, email, display_name, locale, time_zone"
                        + " FROM notify_recipient_profile WHERE user_id = :id")
                .bind("id", userId)
                .map((rs, ctx) -> profile(rs))
                .findOne());
    }

    private static ZoneId zone(String id) {
        if (id == null) {
            return null;
        }
        try {
            return ZoneId.of(id);
        } catch (DateTimeException e) {
            return null;
        }
    }
}
