package dev.notify.internal;

import static dev.notify.internal.JdbiNotificationStore.timestamp;

import dev.notify.DigestFrequency;
import dev.notify.InputRules;
import dev.notify.InvalidRequestException;
import dev.notify.Limits;
import dev.notify.Preferences;
import dev.notify.QuietHours;
import java.time.Clock;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jdbi.v3.core.Jdbi;

/**
 * {@link Preferences} over the {@code notify_channel_optout}, {@code notify_category_optout},
 * {@code notify_quiet_hours} and {@code notify_digest_setting} tables.
 */
public final class JdbiPreferences implements Preferences {
    /** The recipients of the outbox batch being decided on this thread, and their preferences once read. */
    private static final ThreadLocal<Batch> BATCH = new ThreadLocal<>();

    private final Jdbi jdbi;
    private final Clock clock;

    public JdbiPreferences(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /**
     * Until the returned scope is closed, {@link #allows} on this thread answers for these
     * recipients from one {@link #snapshot} of them, read at its first call, instead of one query
     * per call: an outbox batch of 50 rows then costs four queries, not 50. Scopes do not nest.
     */
    public static Scope batch(Collection<String> recipients) {
        BATCH.set(new Batch(Set.copyOf(recipients)));
        return BATCH::remove;
    }

    /** A {@link #batch} scope; closing it throws nothing. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    private static final class Batch {
        final Set<String> recipients;
        JdbiPreferences readBy;
        PreferenceSnapshot snapshot;

        Batch(Set<String> recipients) {
            this.recipients = recipients;
        }
    }

    /** The batch snapshot that covers {@code recipient}, or null to query. */
    private PreferenceSnapshot batchSnapshot(String recipient) {
        Batch b = BATCH.get();
        if (b == null || !b.recipients.contains(recipient)) {
            return null;
        }
        if (b.readBy != this) {
            b.snapshot = snapshot(b.recipients);
            b.readBy = this;
        }
        return b.snapshot;
    }

    @Override
    public boolean allows(String recipient, String channel, String type) {
        PreferenceSnapshot batch = batchSnapshot(recipient);
        if (batch != null) {
            return batch.allows(recipient, channel, type, null);
        }
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM notify_channel_optout"
                        + " WHERE recipient = :r AND channel = :c AND type IN (:t, '*')")
                .bind("r", recipient)
                .bind("c", channel)
                .bind("t", type)
                .mapTo(Integer.class)
                .one()) == 0;
    }

    @Override
    public boolean allows(String recipient, String channel, String type, String category) {
        if (category == null) {
            return allows(recipient, channel, type);
        }
        PreferenceSnapshot batch = batchSnapshot(recipient);
        if (batch != null) {
            return batch.allows(recipient, channel, type, category);
        }
        // One round trip for both tables: this runs per recipient and channel on every send.
        return jdbi.withHandle(h -> h.createQuery("SELECT (SELECT COUNT(*) FROM notify_channel_optout"
                        + " WHERE recipient = :r AND channel = :c AND type IN (:t, '*'))"
                        + " + (SELECT COUNT(*) FROM notify_category_optout"
                        + " WHERE recipient = :r AND channel = :c AND category = :k)")
                .bind("r", recipient)
                .bind("c", channel)
                .bind("t", type)
                .bind("k", category)
                .mapTo(Integer.class)
                .one()) == 0;
    }

    /** Most values bound in one {@code IN (...)} list by the bulk reads. */
    static final int IN_LIST_MAX = 1000;

    /**
     * Every preference of the given recipients, in four set-based queries per
     * {@value #IN_LIST_MAX} recipients (type opt-outs, category opt-outs, quiet hours, digests)
     * instead of several queries per recipient.
     */
    public PreferenceSnapshot snapshot(Collection<String> recipients) {
        Map<String, Map<String, Set<String>>> types = new HashMap<>();
        Map<String, Map<String, Set<String>>> categories = new HashMap<>();
        Map<String, QuietHours> quiet = new HashMap<>();
        Map<String, Map<String, DigestFrequency>> digests = new HashMap<>();
        List<String> all = List.copyOf(new LinkedHashSet<>(recipients));
        for (int from = 0; from < all.size(); from += IN_LIST_MAX) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + IN_LIST_MAX));
            jdbi.useHandle(h -> {
                h.createQuery("SELECT recipient, channel, type FROM notify_channel_optout WHERE recipient IN (<rs>)")
                        .bindList("rs", chunk)
                        .map((rs, ctx) -> types.computeIfAbsent(rs.getString(1), r -> new HashMap<>())
                                .computeIfAbsent(rs.getString(2), c -> new HashSet<>()).add(rs.getString(3)))
                        .list();
                h.createQuery("SELECT recipient, channel, category FROM notify_category_optout WHERE recipient IN (<rs>)")
                        .bindList("rs", chunk)
                        .map((rs, ctx) -> categories.computeIfAbsent(rs.getString(1), r -> new HashMap<>())
                                .computeIfAbsent(rs.getString(2), c -> new HashSet<>()).add(rs.getString(3)))
                        .list();
                h.createQuery("SELECT recipient, start_time, end_time, time_zone FROM notify_quiet_hours"
                                + " WHERE recipient IN (<rs>)")
                        .bindList("rs", chunk)
                        .map((rs, ctx) -> quiet.put(rs.getString(1), new QuietHours(LocalTime.parse(rs.getString(2)),
                                LocalTime.parse(rs.getString(3)), QuietHours.zone(rs.getString(4)))))
                        .list();
                h.createQuery("SELECT recipient, category, frequency FROM notify_digest_setting WHERE recipient IN (<rs>)")
                        .bindList("rs", chunk)
                        .map((rs, ctx) -> digests.computeIfAbsent(rs.getString(1), r -> new HashMap<>())
                                .put(rs.getString(2), DigestFrequency.parse(rs.getString(3))))
                        .list();
            });
        }
        return new PreferenceSnapshot(types, categories, quiet, digests);
    }

    @Override
    public void optOutCategory(String recipient, String channel, String category) {
        validate(recipient, channel, "category", category);
        addOptOut("notify_category_optout", "category", recipient, channel, category);
    }

    @Override
    public void optInCategory(String recipient, String channel, String category) {
        validate(recipient, channel, "category", category);
        removeOptOut("notify_category_optout", "category", recipient, channel, category);
    }

    @Override
    public Map<String, List<String>> typeOptOuts(String recipient) {
        return grouped("SELECT channel, type AS v FROM notify_channel_optout WHERE recipient = :r ORDER BY channel, type",
                recipient);
    }

    @Override
    public Map<String, List<String>> categoryOptOuts(String recipient) {
        return grouped("SELECT channel, category AS v FROM notify_category_optout WHERE recipient = :r"
                + " ORDER BY channel, category", recipient);
    }

    private Map<String, List<String>> grouped(String sql, String recipient) {
        Map<String, List<String>> out = new TreeMap<>();
        jdbi.useHandle(h -> h.createQuery(sql).bind("r", recipient)
                .map((rs, ctx) -> out.computeIfAbsent(rs.getString("channel"), c -> new ArrayList<>())
                        .add(rs.getString("v")))
                .list());
        return out;
    }

    @Override
    public Optional<QuietHours> quietHours(String recipient) {
        return jdbi.withHandle(h -> h.createQuery("SELECT start_time, end_time, time_zone FROM notify_quiet_hours"
                        + " WHERE recipient = :r")
                .bind("r", recipient)
                .map((rs, ctx) -> new QuietHours(LocalTime.parse(rs.getString("start_time")),
                        LocalTime.parse(rs.getString("end_time")), QuietHours.zone(rs.getString("time_zone"))))
                .findOne());
    }

    @Override
    public void quietHours(String recipient, QuietHours quietHours) {
        require("recipient", recipient, Limits.RECIPIENT_MAX);
        jdbi.useTransaction(h -> {
            h.createUpdate("DELETE FROM notify_quiet_hours WHERE recipient = :r").bind("r", recipient).execute();
            if (quietHours != null) {
                h.createUpdate("INSERT INTO notify_quiet_hours (recipient, start_time, end_time, time_zone, updated_at)"
                                + " VALUES (:r, :s, :e, :z, :now)")
                        .bind("r", recipient)
                        .bind("s", quietHours.start().toString())
                        .bind("e", quietHours.end().toString())
                        .bind("z", quietHours.timeZone() == null ? null : quietHours.timeZone().getId())
                        .bind("now", timestamp(clock.instant()))
                        .execute();
            }
        });
    }

    @Override
    public Map<String, DigestFrequency> digests(String recipient) {
        Map<String, DigestFrequency> out = new TreeMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT category, frequency FROM notify_digest_setting WHERE recipient = :r")
                .bind("r", recipient)
                .map((rs, ctx) -> out.put(rs.getString("category"), DigestFrequency.parse(rs.getString("frequency"))))
                .list());
        return out;
    }

    @Override
    public void digest(String recipient, String category, DigestFrequency frequency) {
        require("recipient", recipient, Limits.RECIPIENT_MAX);
        require("category", category, Limits.TYPE_MAX);
        java.util.Objects.requireNonNull(frequency, "frequency");
        jdbi.useTransaction(h -> {
            h.createUpdate("DELETE FROM notify_digest_setting WHERE recipient = :r AND category = :k")
                    .bind("r", recipient).bind("k", category).execute();
            if (frequency != DigestFrequency.IMMEDIATE) {
                h.createUpdate("INSERT INTO notify_digest_setting (recipient, category, frequency, updated_at)"
                                + " VALUES (:r, :k, :f, :now)")
                        .bind("r", recipient)
                        .bind("k", category)
                        .bind("f", frequency.wireName())
                        .bind("now", timestamp(clock.instant()))
                        .execute();
            }
        });
    }

    @Override
    public void optOut(String recipient, String channel, String type) {
        validate(recipient, channel, "type", type);
        addOptOut("notify_channel_optout", "type", recipient, channel, type);
    }

    @Override
    public void optIn(String recipient, String channel, String type) {
        validate(recipient, channel, "type", type);
        removeOptOut("notify_channel_optout", "type", recipient, channel, type);
    }

    /** Inserts an opt-out row unless present; {@code table} and {@code column} are constants of this class. */
    private void addOptOut(String table, String column, String recipient, String channel, String value) {
        jdbi.useHandle(h -> h.createUpdate("INSERT INTO " + table + " (recipient, channel, " + column + ", created_at)"
                        + " SELECT :r, :c, :v, :now WHERE NOT EXISTS (SELECT 1 FROM " + table
                        + " WHERE recipient = :r AND channel = :c AND " + column + " = :v)")
                .bind("r", recipient)
                .bind("c", channel)
                .bind("v", value)
                .bind("now", timestamp(clock.instant()))
                .execute());
    }

    private void removeOptOut(String table, String column, String recipient, String channel, String value) {
        jdbi.useHandle(h -> h.createUpdate("DELETE FROM " + table
                        + " WHERE recipient = :r AND channel = :c AND " + column + " = :v")
                .bind("r", recipient)
                .bind("c", channel)
                .bind("v", value)
                .execute());
    }

    private static void validate(String recipient, String channel, String field, String value) {
        require("recipient", recipient, Limits.RECIPIENT_MAX);
        require("channel", channel, 32);
        require(field, value, Limits.TYPE_MAX);
    }

    private static void require(String field, String value, int max) {
        InputRules.text(field, value);
        if (value == null || value.isBlank() || value.length() > max) {
            throw InvalidRequestException.field(field, "must be 1 to " + max + " characters");
        }
    }
}
