package dev.notify.push;

import dev.notify.InputRules;
import dev.notify.InvalidRequestException;
import dev.notify.Limits;
import dev.notify.NotifyException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * Push subscriptions in notify's database (table {@code notify_push_subscription}, created by
 * notify's migrations; H2 or PostgreSQL), with Jdbi. Thread-safe.
 *
 * <p>An endpoint is stored once: subscribing it again updates the keys and user agent of the
 * existing row when it is the same recipient's, and replaces the row (with a new id) when another
 * recipient now owns it, so that deliveries still queued for the previous owner find their
 * subscription gone instead of reaching the new owner's browser. A recipient keeps at most
 * {@link #maxPerRecipient()} subscriptions; subscribing one more drops the one that worked (or was
 * made) longest ago.
 *
 * <p>Database errors surface as {@link NotifyException} with code {@code store_unavailable}.
 */
public final class PushSubscriptionStore {
    /** Subscriptions one recipient may keep when not configured. */
    public static final int DEFAULT_MAX_PER_RECIPIENT = 20;
    /** Longest user agent kept, in characters; longer ones are cut. */
    public static final int USER_AGENT_MAX = 512;

    private static final String COLUMNS = "id, recipient, endpoint, p256dh, auth, user_agent, created_at, last_success_at";
    /** SQLSTATE of a unique constraint violation, in both H2 and PostgreSQL. */
    private static final String UNIQUE_VIOLATION = "23505";

    private final Jdbi jdbi;
    private final Clock clock;
    private final int maxPerRecipient;

    /**
     * A store over notify's database, with {@value #DEFAULT_MAX_PER_RECIPIENT} subscriptions per
     * recipient.
     *
     * @param dataSource a database migrated by notify
     * @param clock      stamps {@code created_at}
     */
    public PushSubscriptionStore(DataSource dataSource, Clock clock) {
        this(Jdbi.create(dataSource), clock, DEFAULT_MAX_PER_RECIPIENT);
    }

    /**
     * @param jdbi            over a database migrated by notify
     * @param clock           stamps {@code created_at}
     * @param maxPerRecipient subscriptions one recipient may keep, {@code >= 1}
     */
    public PushSubscriptionStore(Jdbi jdbi, Clock clock, int maxPerRecipient) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxPerRecipient < 1) {
            throw new IllegalArgumentException("maxPerRecipient must be >= 1 but was " + maxPerRecipient);
        }
        this.maxPerRecipient = maxPerRecipient;
    }

    /** Subscriptions one recipient may keep. */
    public int maxPerRecipient() {
        return maxPerRecipient;
    }

    /**
     * Stores a subscription for a recipient, or updates it when its endpoint is stored already
     * (see the class description).
     *
     * @param recipient    the user id, 1 to {@value Limits#RECIPIENT_MAX} characters
     * @param subscription the validated subscription
     * @param userAgent    the browser's {@code User-Agent}, or null; cut to {@value #USER_AGENT_MAX}
     * @return the row as stored
     * @throws InvalidRequestException {@code invalid_recipient} for a blank or too long recipient
     */
    public StoredPushSubscription subscribe(String recipient, PushSubscription subscription, String userAgent) {
        requireRecipient(recipient);
        Objects.requireNonNull(subscription, "subscription");
        String agent = userAgent == null || userAgent.isBlank() ? null
                : userAgent.length() > USER_AGENT_MAX ? userAgent.substring(0, USER_AGENT_MAX) : userAgent;
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        try {
            return inTransaction(h -> upsert(h, recipient, subscription, agent, now));
        } catch (NotifyException e) {
            if (!isUniqueViolation(e)) {
                throw e;
            }
            // Another node inserted the same endpoint between our SELECT and INSERT: now it exists.
            return inTransaction(h -> upsert(h, recipient, subscription, agent, now));
        }
    }

    private StoredPushSubscription upsert(Handle h, String recipient, PushSubscription s, String agent, Instant now) {
        Optional<StoredPushSubscription> existing = h.createQuery(
                        "SELECT " + COLUMNS + " FROM notify_push_subscription WHERE endpoint = :endpoint FOR UPDATE")
                .bind("endpoint", s.endpoint())
                .map(PushSubscriptionStore::map)
                .findOne();
        if (existing.isPresent() && existing.get().recipient().equals(recipient)) {
            long id = existing.get().id();
            h.createUpdate("UPDATE notify_push_subscription SET p256dh = :p256dh, auth = :auth, user_agent = :agent "
                            + "WHERE id = :id")
                    .bind("p256dh", s.p256dh())
                    .bind("auth", s.auth())
                    .bind("agent", agent)
                    .bind("id", id)
                    .execute();
            return new StoredPushSubscription(id, recipient, s, agent, existing.get().createdAt(),
                    existing.get().lastSuccessAt());
        }
        existing.ifPresent(other -> h.createUpdate("DELETE FROM notify_push_subscription WHERE id = :id")
                .bind("id", other.id()).execute());
        long id = h.createUpdate("INSERT INTO notify_push_subscription "
                        + "(recipient, endpoint, p256dh, auth, user_agent, created_at) "
                        + "VALUES (:recipient, :endpoint, :p256dh, :auth, :agent, :now)")
                .bind("recipient", recipient)
                .bind("endpoint", s.endpoint())
                .bind("p256dh", s.p256dh())
                .bind("auth", s.auth())
                .bind("agent", agent)
                .bind("now", timestamp(now))
                .executeAndReturnGeneratedKeys("id")
                .mapTo(Long.class)
                .one();
        List<Long> surplus = h.createQuery("SELECT id FROM notify_push_subscription WHERE recipient = :recipient "
                        + "AND id <> :id ORDER BY COALESCE(last_success_at, created_at) DESC, id DESC")
                .bind("recipient", recipient)
                .bind("id", id)
                .mapTo(Long.class)
                .list();
        for (Long old : surplus.subList(Math.min(surplus.size(), maxPerRecipient - 1), surplus.size())) {
            h.createUpdate("DELETE FROM notify_push_subscription WHERE id = :id").bind("id", old).execute();
        }
        return new StoredPushSubscription(id, recipient, s, agent, now, null);
    }

    /**
     * Removes a recipient's subscription to an endpoint. Only the recipient's own: another user's
     * subscription to the same endpoint is left alone.
     *
     * @return whether a subscription was removed
     */
    public boolean unsubscribe(String recipient, String endpoint) {
        if (recipient == null || endpoint == null) {
            return false;
        }
        return withHandle(h -> h.createUpdate(
                        "DELETE FROM notify_push_subscription WHERE recipient = :recipient AND endpoint = :endpoint")
                .bind("recipient", recipient)
                .bind("endpoint", endpoint.strip())
                .execute()) > 0;
    }

    /** A recipient's subscriptions, oldest first. */
    public List<StoredPushSubscription> list(String recipient) {
        return withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM notify_push_subscription "
                        + "WHERE recipient = :recipient ORDER BY id")
                .bind("recipient", recipient)
                .map(PushSubscriptionStore::map)
                .list());
    }

    /** The ids of a recipient's subscriptions, oldest first. */
    public List<Long> ids(String recipient) {
        return withHandle(h -> h.createQuery("SELECT id FROM notify_push_subscription "
                        + "WHERE recipient = :recipient ORDER BY id")
                .bind("recipient", recipient)
                .mapTo(Long.class)
                .list());
    }

    /** The subscription with this id, if it still exists. */
    public Optional<StoredPushSubscription> find(long id) {
        return withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM notify_push_subscription WHERE id = :id")
                .bind("id", id)
                .map(PushSubscriptionStore::map)
                .findOne());
    }

    /** The subscriptions with these ids that still exist, by id: one query for a delivery batch. */
    public Map<Long, StoredPushSubscription> findAll(Collection<Long> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        List<StoredPushSubscription> rows = withHandle(h -> h.createQuery("SELECT " + COLUMNS
                        + " FROM notify_push_subscription WHERE id IN (<ids>)")
                .bindList("ids", List.copyOf(new LinkedHashSet<>(ids)))
                .map(PushSubscriptionStore::map)
                .list());
        Map<Long, StoredPushSubscription> byId = new HashMap<>();
        for (StoredPushSubscription row : rows) {
            byId.put(row.id(), row);
        }
        return byId;
    }

    /**
     * Deletes a subscription, whoever owns it (a push service said it is gone).
     *
     * @return whether it existed
     */
    public boolean delete(long id) {
        return withHandle(h -> h.createUpdate("DELETE FROM notify_push_subscription WHERE id = :id")
                .bind("id", id)
                .execute()) > 0;
    }

    /** Notes that a push service accepted a message for the subscription at {@code at}. */
    public void recordSuccess(long id, Instant at) {
        withHandle(h -> h.createUpdate("UPDATE notify_push_subscription SET last_success_at = :at WHERE id = :id")
                .bind("at", timestamp(at.truncatedTo(ChronoUnit.MICROS)))
                .bind("id", id)
                .execute());
    }

    /** As {@link #recordSuccess(long, Instant)} for many subscriptions, in one statement. */
    void recordSuccess(Collection<Long> ids, Instant at) {
        if (ids.isEmpty()) {
            return;
        }
        withHandle(h -> h.createUpdate("UPDATE notify_push_subscription SET last_success_at = :at WHERE id IN (<ids>)")
                .bind("at", timestamp(at.truncatedTo(ChronoUnit.MICROS)))
                .bindList("ids", List.copyOf(ids))
                .execute());
    }

    /**
     * Deletes subscriptions that never worked or stopped working: those with no accepted message
     * that were created before {@code neverConfirmedCreatedBefore}, and those whose last accepted
     * message is older than {@code lastSuccessBefore}. For housekeeping.
     *
     * @param neverConfirmedCreatedBefore cut-off for never-confirmed rows, or null to keep them
     * @param lastSuccessBefore           cut-off for rows that once worked, or null to keep them
     * @return how many were deleted
     */
    public int expire(Instant neverConfirmedCreatedBefore, Instant lastSuccessBefore) {
        return withHandle(h -> {
            int deleted = 0;
            if (neverConfirmedCreatedBefore != null) {
                deleted += h.createUpdate("DELETE FROM notify_push_subscription "
                                + "WHERE last_success_at IS NULL AND created_at < :before")
                        .bind("before", timestamp(neverConfirmedCreatedBefore))
                        .execute();
            }
            if (lastSuccessBefore != null) {
                deleted += h.createUpdate("DELETE FROM notify_push_subscription WHERE last_success_at < :before")
                        .bind("before", timestamp(lastSuccessBefore))
                        .execute();
            }
            return deleted;
        });
    }

    static void requireRecipient(String recipient) {
        InputRules.text("recipient", recipient);
        if (recipient == null || recipient.isBlank()) {
            throw InvalidRequestException.field("recipient", "is required");
        }
        if (recipient.length() > Limits.RECIPIENT_MAX) {
            throw InvalidRequestException.field("recipient", "must be at most " + Limits.RECIPIENT_MAX
                    + " characters but was " + recipient.length());
        }
    }

    private static StoredPushSubscription map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new StoredPushSubscription(
                rs.getLong("id"),
                rs.getString("recipient"),
                new PushSubscription(rs.getString("endpoint"), rs.getString("p256dh"), rs.getString("auth")),
                rs.getString("user_agent"),
                instant(rs, "created_at"),
                instant(rs, "last_success_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    /** Binds as {@code TIMESTAMP WITH TIME ZONE} in UTC, independent of the JVM's zone. */
    private static Argument timestamp(Instant instant) {
        OffsetDateTime utc = instant.atOffset(ZoneOffset.UTC);
        return (position, statement, ctx) -> statement.setObject(position, utc);
    }

    private <T> T withHandle(HandleCallback<T, RuntimeException> callback) {
        try {
            return jdbi.withHandle(callback);
        } catch (JdbiException e) {
            throw failure(e);
        }
    }

    private <T> T inTransaction(HandleCallback<T, RuntimeException> callback) {
        try {
            return jdbi.inTransaction(TransactionIsolationLevel.READ_COMMITTED, callback);
        } catch (JdbiException e) {
            throw failure(e);
        }
    }

    private static NotifyException failure(JdbiException e) {
        return dev.notify.StoreFailures.of("push subscription store", e);
    }

    private static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
