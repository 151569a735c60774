package dev.notify.internal;

import static dev.notify.internal.JdbiNotificationStore.timestamp;

import dev.notify.Notification;
import dev.notify.NotFoundException;
import dev.notify.NotifyException;
import dev.notify.Priority;
import dev.notify.outbox.Delivery;
import dev.notify.outbox.OutboxEntry;
import dev.notify.outbox.OutboxStatus;
import dev.notify.template.Rendered;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * The outbox table: rows are inserted in the send transaction, claimed with leases, and closed
 * with an outcome. Outcome updates are fenced by the lease owner, so a worker whose lease expired
 * (and whose rows another worker took over) cannot overwrite the newer outcome.
 */
public final class OutboxStore {
    private static final String COLUMNS = "id, notification_id, recipient, channel, destination, payload, status,"
            + " attempts, due_at, last_error, created_at, delivered_at";

    /**
     * One delivery to insert with a notification.
     *
     * @param dueAt      when it is first due; null for the send time
     * @param rendered   the notification's template rendered for the recipient, or null for literal text
     * @param category   the template category, or null
     * @param required   the template bypasses opt-outs
     * @param escalation drop the row if the notification is read before it is due
     */
    public record Planned(String channel, String destination, Instant dueAt, Rendered rendered, String category,
                          boolean required, boolean escalation) {
        public Planned(String channel, String destination) {
            this(channel, destination, null, null, null, false, false);
        }
    }

    /**
     * What the outbox re-checks when a row comes due.
     *
     * @param category   the template category, or null
     * @param required   the template bypasses opt-outs
     * @param escalation the row is an escalation: drop it if the notification was read
     */
    public record Rules(String category, boolean required, boolean escalation, Digest digest) {
        static final Rules NONE = new Rules(null, false, false, null);
    }

    /** A digest row: which digest it sends. */
    public record Digest(String category, String frequency, Instant periodEnd) {
    }

    /** A claimed row: the delivery and its rules. */
    public record Claimed(Delivery delivery, Rules rules) {
    }

    private final Jdbi jdbi;
    /** Whether the database is PostgreSQL (claims in one statement); null until first asked. */
    private volatile Boolean postgres;

    public OutboxStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    private boolean postgres() {
        Boolean pg = postgres;
        if (pg == null) {
            try {
                pg = jdbi.withHandle(h -> "PostgreSQL".equalsIgnoreCase(h.getConnection().getMetaData()
                        .getDatabaseProductName()));
            } catch (SQLException e) {
                throw new NotifyException("store_unavailable", "cannot read the database's product name: " + e, e);
            }
            postgres = pg;
        }
        return pg;
    }

    /** Inserts rows for one notification, inside the caller's (send) transaction. */
    public void insert(Handle h, Notification n, List<Planned> planned, Instant now) {
        insert(h, List.of(n), r -> planned, now);
    }

    /**
     * Inserts the rows of many notifications as one batch, inside the caller's (send) transaction.
     *
     * @param plannedFor the rows planned for a recipient (empty for none)
     */
    public void insert(Handle h, List<Notification> created, Function<String, List<Planned>> plannedFor, Instant now) {
        PreparedBatch batch = null;
        for (Notification n : created) {
            for (Planned p : plannedFor.apply(n.recipient())) {
                if (batch == null) {
                    batch = h.prepareBatch("INSERT INTO notify_outbox (notification_id, recipient, channel, destination,"
                            + " payload, status, attempts, due_at, created_at, updated_at)"
                            + " VALUES (:n, :r, :c, :d, :p, 'pending', 0, :due, :now, :now)");
                }
                Instant due = p.dueAt() == null ? now : p.dueAt().truncatedTo(ChronoUnit.MICROS);
                batch.bind("n", n.id()).bind("r", n.recipient()).bind("c", p.channel()).bind("d", p.destination())
                        .bind("p", payload(n, p).toJson()).bind("due", timestamp(due)).bind("now", timestamp(now))
                        .add();
            }
        }
        if (batch != null) {
            batch.execute();
        }
    }

    private static OutboxPayload payload(Notification n, Planned p) {
        Rendered.Part part = p.rendered() == null ? null : p.rendered().part(p.channel());
        return new OutboxPayload(n, part, p.category(), p.required(), p.escalation(), null);
    }

    /**
     * Claims up to {@code limit} due rows of the given channels for {@code lease}. Uses
     * {@code FOR UPDATE SKIP LOCKED}, so concurrent claimers (threads or nodes) never take the same
     * row, and a row locked by another claimer is skipped instead of waited for.
     */
    public List<Delivery> claim(String owner, Collection<String> channels, int limit, Instant now, Duration lease) {
        return claimRows(owner, channels, limit, now, lease).stream().map(Claimed::delivery).toList();
    }

    /**
     * As {@link #claim}, with each row's {@link Rules}. On PostgreSQL one statement under
     * auto-commit (one round trip, one commit): an {@code UPDATE ... RETURNING} of the ids that an
     * {@code ARRAY(SELECT ... FOR UPDATE SKIP LOCKED)} sub-query locked, evaluated once; elsewhere
     * a transaction of three statements (select and lock, lease, read).
     */
    public List<Claimed> claimRows(String owner, Collection<String> channels, int limit, Instant now, Duration lease) {
        if (channels.isEmpty()) {
            return List.of();
        }
        Instant at = now.truncatedTo(ChronoUnit.MICROS);
        if (postgres()) {
            return claimInOneStatement(owner, channels, limit, at, lease);
        }
        return jdbi.inTransaction(TransactionIsolationLevel.READ_COMMITTED, h -> {
            // One query per status, each ordered as the (status, due_at) index is: H2 then reads the
            // index in order and stops after the limit, where "status IN (...) ORDER BY due_at, id"
            // sorts every due row (75 ms per claim with 90,000 due rows, and worse the larger a backlog).
            List<Candidate> candidates = new java.util.ArrayList<>();
            for (String status : List.of("pending", "retrying")) {
                candidates.addAll(h.createQuery("SELECT id, due_at FROM notify_outbox"
                                + " WHERE status = :status AND due_at <= :now"
                                + " AND (lease_until IS NULL OR lease_until <= :now) AND channel IN (<channels>)"
                                + " ORDER BY status, due_at, id LIMIT :limit FOR UPDATE SKIP LOCKED")
                        .bind("status", status)
                        .bind("now", timestamp(at))
                        .bindList("channels", List.copyOf(channels))
                        .bind("limit", limit)
                        .map((rs, ctx) -> new Candidate(rs.getLong("id"), instant(rs, "due_at")))
                        .list());
            }
            List<Long> ids = candidates.stream().sorted(java.util.Comparator.comparing(Candidate::dueAt)
                    .thenComparingLong(Candidate::id)).limit(limit).map(Candidate::id).toList();
            if (ids.isEmpty()) {
                return List.<Claimed>of();
            }
            h.createUpdate("UPDATE notify_outbox SET lease_owner = :owner, lease_until = :until,"
                            + " attempts = attempts + 1, updated_at = :now WHERE id IN (<ids>)")
                    .bind("owner", owner)
                    .bind("until", timestamp(at.plus(lease)))
                    .bind("now", timestamp(at))
                    .bindList("ids", ids)
                    .execute();
            return h.createQuery("SELECT id, channel, destination, payload, attempts FROM notify_outbox"
                            + " WHERE id IN (<ids>) ORDER BY due_at, id")
                    .bindList("ids", ids)
                    .map(OutboxStore::mapClaimed)
                    .list();
        });
    }

    private List<Claimed> claimInOneStatement(String owner, Collection<String> channels, int limit, Instant at,
                                              Duration lease) {
        List<Due> claimed = new java.util.ArrayList<>(jdbi.withHandle(h -> h.createQuery(
                        "UPDATE notify_outbox SET lease_owner = :owner, lease_until = :until,"
                                + " attempts = attempts + 1, updated_at = :now"
                                + " WHERE id = ANY(ARRAY(SELECT id FROM notify_outbox"
                                + " WHERE status IN ('pending', 'retrying') AND due_at <= :now"
                                + " AND (lease_until IS NULL OR lease_until <= :now) AND channel IN (<channels>)"
                                + " ORDER BY due_at, id LIMIT :limit FOR UPDATE SKIP LOCKED))"
                                + " RETURNING id, channel, destination, payload, attempts, due_at")
                .bind("owner", owner)
                .bind("until", timestamp(at.plus(lease)))
                .bind("now", timestamp(at))
                .bindList("channels", List.copyOf(channels))
                .bind("limit", limit)
                .map((rs, ctx) -> new Due(instant(rs, "due_at"), mapClaimed(rs, ctx)))
                .list()));
        // RETURNING has no order: hand the batch out oldest first, as the claim chose it.
        claimed.sort(DUE_ORDER);
        return claimed.stream().map(Due::claimed).toList();
    }

    private record Due(Instant dueAt, Claimed claimed) {
    }

    private record Candidate(long id, Instant dueAt) {
    }

    /** Oldest due first, then by id: the order claims hand rows out in. */
    private static final java.util.Comparator<Due> DUE_ORDER = java.util.Comparator.comparing(Due::dueAt)
            .thenComparingLong(d -> d.claimed().delivery().outboxId());

    /**
     * Records successful deliveries of rows leased by {@code owner}, as one JDBC batch (one round trip
     * on PostgreSQL, whose driver sends a batch's statements together).
     *
     * @return per id, in order, whether it was recorded (false: the lease was lost meanwhile)
     */
    public boolean[] delivered(List<Long> ids, String owner, Instant now) {
        if (ids.isEmpty()) {
            return new boolean[0];
        }
        int[] counts = jdbi.withHandle(h -> {
            PreparedBatch batch = h.prepareBatch("UPDATE notify_outbox SET status = 'delivered', lease_owner = NULL,"
                    + " lease_until = NULL, waiting_for = NULL, updated_at = :now, delivered_at = :now"
                    + " WHERE id = :id AND lease_owner = :owner");
            for (long id : ids) {
                batch.bind("now", timestamp(now)).bind("id", id).bind("owner", owner).add();
            }
            return batch.execute();
        });
        boolean[] recorded = new boolean[ids.size()];
        for (int i = 0; i < recorded.length; i++) {
            // A driver may answer SUCCESS_NO_INFO (-2) for a batched statement: it ran, count unknown.
            recorded[i] = counts[i] == 1 || counts[i] == java.sql.Statement.SUCCESS_NO_INFO;
        }
        return recorded;
    }

    /**
     * Runs {@code work} in one transaction: the outcome methods called inside it (on this thread)
     * share its connection and commit together, one commit for a batch instead of one per row.
     */
    public void inTransaction(Runnable work) {
        jdbi.useTransaction(h -> work.run());
    }

    /** Records a successful delivery. @return false if the lease was lost meanwhile */
    public boolean delivered(long id, String owner, Instant now) {
        return close(id, owner, "delivered", null, now, true);
    }

    /** Records a final failure. @return false if the lease was lost meanwhile */
    public boolean dead(long id, String owner, String reason, Instant now) {
        return close(id, owner, "dead", reason, now, false);
    }

    /** Whether the notification was read, or deleted, so an escalation is moot. */
    public boolean readOrDeleted(long notificationId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM notify_notification WHERE id = :id"
                        + " AND read_at IS NULL")
                .bind("id", notificationId)
                .mapTo(Integer.class)
                .one()) == 0;
    }

    /** Records that the destination is gone. @return false if the lease was lost meanwhile */
    public boolean closed(long id, String owner, String reason, Instant now) {
        return close(id, owner, "closed", reason, now, false);
    }

    /** Schedules another attempt. @return false if the lease was lost meanwhile */
    public boolean retryAt(long id, String owner, String reason, Instant due, Instant now) {
        return retryAt(id, owner, reason, due, now, null);
    }

    /**
     * Schedules another attempt; with {@code waitingFor} (a breaker key), the row is also made due
     * at once when that destination answers again ({@link #release}).
     *
     * @return false if the lease was lost meanwhile
     */
    public boolean retryAt(long id, String owner, String reason, Instant due, Instant now, String waitingFor) {
        return jdbi.withHandle(h -> h.createUpdate("UPDATE notify_outbox SET status = 'retrying', due_at = :due,"
                        + " last_error = :error, lease_owner = NULL, lease_until = NULL, waiting_for = :waiting,"
                        + " updated_at = :now"
                        + " WHERE id = :id AND lease_owner = :owner")
                .bind("due", timestamp(due.truncatedTo(ChronoUnit.MICROS)))
                .bind("error", truncate(reason))
                .bind("waiting", waitingFor)
                .bind("now", timestamp(now))
                .bind("id", id)
                .bind("owner", owner)
                .execute()) == 1;
    }

    /**
     * Sets a claimed row aside until {@code due} because its destination is unavailable: the claim's
     * attempt is given back (nothing reached the destination, or it answered "not now"), and the row
     * remembers the breaker it waits for, so that {@link #release} makes it due as soon as the
     * destination answers again.
     *
     * @return false if the lease was lost meanwhile
     */
    public boolean park(long id, String owner, String waitingFor, String reason, Instant due, Instant now) {
        return jdbi.withHandle(h -> h.createUpdate("UPDATE notify_outbox SET status = 'retrying',"
                        + " attempts = attempts - 1, due_at = :due,"
                        + " last_error = :error, waiting_for = :waiting, lease_owner = NULL, lease_until = NULL,"
                        + " updated_at = :now WHERE id = :id AND lease_owner = :owner")
                .bind("due", timestamp(due.truncatedTo(ChronoUnit.MICROS)))
                .bind("error", truncate(reason))
                .bind("waiting", waitingFor)
                .bind("now", timestamp(now))
                .bind("id", id)
                .bind("owner", owner)
                .execute()) == 1;
    }

    /**
     * Makes every row waiting for the breaker {@code waitingFor} due now (the destination answered
     * again), whichever node set it aside.
     *
     * @return rows released
     */
    public int release(String waitingFor, Instant now) {
        Instant at = now.truncatedTo(ChronoUnit.MICROS);
        return jdbi.withHandle(h -> h.createUpdate("UPDATE notify_outbox SET due_at = :now, waiting_for = NULL,"
                        + " updated_at = :now WHERE waiting_for = :waiting AND status IN ('pending', 'retrying')")
                .bind("now", timestamp(at))
                .bind("waiting", waitingFor)
                .execute());
    }

    /**
     * Extends the leases held by {@code owners} (claims still being worked on) to {@code until}.
     *
     * @return rows whose lease was extended
     */
    public int renew(Collection<String> owners, Instant until, Instant now) {
        if (owners.isEmpty()) {
            return 0;
        }
        return jdbi.withHandle(h -> h.createUpdate("UPDATE notify_outbox SET lease_until = :until"
                        + " WHERE lease_owner IN (<owners>) AND status IN ('pending', 'retrying')")
                .bind("until", timestamp(until.truncatedTo(ChronoUnit.MICROS)))
                .bindList("owners", List.copyOf(owners))
                .execute());
    }

    /**
     * Ends the leases of a previous run of node {@code nodeId}: lease owners are
     * {@code "<node id>/<incarnation>/<claim>"}, and a node calls this once at start, before it
     * claims anything, so every lease under its id belongs to a run that is gone. The rows are
     * claimable at once instead of when their leases expire.
     *
     * @param nodeId a node id, of the characters {@code A-Z a-z 0-9 . -} only (no LIKE wildcards)
     * @return rows taken back
     */
    public int reclaim(String nodeId) {
        return jdbi.withHandle(h -> h.createUpdate("UPDATE notify_outbox SET lease_owner = NULL, lease_until = NULL"
                        + " WHERE lease_owner LIKE :prefix AND status IN ('pending', 'retrying')")
                .bind("prefix", nodeId + "/%")
                .execute());
    }

    private boolean close(long id, String owner, String status, String reason, Instant now, boolean success) {
        return jdbi.withHandle(h -> h.createUpdate("UPDATE notify_outbox SET status = :status,"
                        + " last_error = COALESCE(:error, last_error), lease_owner = NULL, lease_until = NULL,"
                        + " waiting_for = NULL,"
                        + " updated_at = :now" + (success ? ", delivered_at = :now" : "")
                        + " WHERE id = :id AND lease_owner = :owner")
                .bind("status", status)
                .bind("error", truncate(reason))
                .bind("now", timestamp(now))
                .bind("id", id)
                .bind("owner", owner)
                .execute()) == 1;
    }

    public List<OutboxEntry> list(OutboxStatus status, String channel, long beforeId, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM notify_outbox WHERE id < :before");
        if (status != null) {
            sql.append(" AND status = :status");
        }
        if (channel != null) {
            sql.append(" AND channel = :channel");
        }
        sql.append(" ORDER BY id DESC LIMIT :limit");
        return jdbi.withHandle(h -> {
            var q = h.createQuery(sql.toString())
                    .bind("before", beforeId <= 0 ? Long.MAX_VALUE : beforeId)
                    .bind("limit", limit);
            if (status != null) {
                q.bind("status", status.wireName());
            }
            if (channel != null) {
                q.bind("channel", channel);
            }
            return q.map(OutboxStore::mapEntry).list();
        });
    }

    public OutboxEntry get(long id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM notify_outbox WHERE id = :id")
                        .bind("id", id)
                        .map(OutboxStore::mapEntry)
                        .findOne())
                .orElseThrow(() -> new NotFoundException("outbox row " + id + " not found"));
    }

    public Map<String, Map<OutboxStatus, Long>> counts() {
        Map<String, Map<OutboxStatus, Long>> counts = new LinkedHashMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT channel, status, COUNT(*) AS n FROM notify_outbox"
                        + " GROUP BY channel, status ORDER BY channel, status")
                .map((rs, ctx) -> {
                    counts.computeIfAbsent(rs.getString("channel"), c -> new LinkedHashMap<>())
                            .put(OutboxStatus.parse(rs.getString("status")), rs.getLong("n"));
                    return null;
                })
                .list());
        return counts;
    }

    /**
     * Makes a waiting row (pending, retrying or dead) due now: a dead row becomes pending with its
     * attempts reset; a pending or retrying row keeps its attempts. A row being delivered right now
     * keeps its lease (it is not sent twice).
     *
     * @throws NotFoundException if there is no such row
     * @throws NotifyException   with code {@code not_waiting} if the row is delivered or closed
     */
    public OutboxEntry revive(long id, Instant now) {
        int changed = jdbi.withHandle(h -> h.createUpdate(REVIVE + " WHERE id = :id AND status IN"
                        + " ('pending', 'retrying', 'dead')")
                .bind("now", timestamp(now.truncatedTo(ChronoUnit.MICROS)))
                .bind("id", id)
                .execute());
        if (changed == 0) {
            OutboxEntry entry = get(id);
            throw new NotifyException("not_waiting", "outbox row " + id + " is " + entry.status().wireName()
                    + ", only pending, retrying and dead rows can be retried");
        }
        return get(id);
    }

    /**
     * As {@link #revive} for every pending, retrying and dead row of {@code channel}.
     *
     * @return rows made due now
     */
    public int reviveAll(String channel, Instant now) {
        return jdbi.withHandle(h -> h.createUpdate(REVIVE + " WHERE channel = :channel AND status IN"
                        + " ('pending', 'retrying', 'dead')")
                .bind("now", timestamp(now.truncatedTo(ChronoUnit.MICROS)))
                .bind("channel", channel)
                .execute());
    }

    private static final String REVIVE = "UPDATE notify_outbox SET"
            + " attempts = CASE WHEN status = 'dead' THEN 0 ELSE attempts END,"
            + " status = CASE WHEN status = 'dead' THEN 'pending' ELSE status END,"
            + " due_at = :now, waiting_for = NULL, updated_at = :now";

    /** Housekeeping: deletes finished rows last updated before the given times. @return rows deleted */
    public int deleteFinishedBefore(Instant deliveredBefore, Instant deadBefore) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM notify_outbox WHERE"
                        + " (status IN ('delivered', 'closed') AND updated_at < :delivered)"
                        + " OR (status = 'dead' AND updated_at < :dead)")
                .bind("delivered", timestamp(deliveredBefore))
                .bind("dead", timestamp(deadBefore))
                .execute());
    }

    /** The earliest due time of a row that is due at {@code now} and not yet done; null when none is. */
    public Instant oldestDue(Instant now) {
        return jdbi.withHandle(h -> h.createQuery("SELECT MIN(due_at) FROM notify_outbox"
                        + " WHERE status IN ('pending', 'retrying') AND due_at <= :now")
                .bind("now", timestamp(now))
                .map((rs, ctx) -> instant(rs, 1))
                .one());
    }

    /**
     * Gives back rows claimed by {@code owner} and not attempted: the lease is cleared and the
     * attempt the claim counted is taken back, so any worker (on any node) may claim them at once.
     *
     * @return rows released
     */
    public int releaseClaims(String owner, Collection<Long> ids) {
        if (ids.isEmpty()) {
            return 0;
        }
        return jdbi.withHandle(h -> h.createUpdate("UPDATE notify_outbox SET lease_owner = NULL, lease_until = NULL,"
                        + " attempts = attempts - 1 WHERE lease_owner = :owner AND id IN (<ids>)"
                        + " AND status IN ('pending', 'retrying')")
                .bind("owner", owner)
                .bindList("ids", List.copyOf(ids))
                .execute());
    }

    private static Claimed mapClaimed(ResultSet rs, StatementContext ctx) throws SQLException {
        String channel = rs.getString("channel");
        OutboxPayload payload = OutboxPayload.parse(rs.getString("payload"), channel);
        Delivery d = new Delivery(rs.getLong("id"), channel, rs.getString("destination"), payload.notification(),
                rs.getInt("attempts"), payload.part());
        return new Claimed(d, payload.rules());
    }

    @SuppressWarnings("unchecked")
    static Notification notificationFrom(Map<String, Object> v) {
        return new Notification(
                ((Number) v.get("id")).longValue(),
                (String) v.get("recipient"),
                ((Number) v.get("seq")).longValue(),
                (String) v.get("type"),
                (String) v.get("title"),
                (String) v.get("message"),
                (Map<String, Object>) v.get("data"),
                (String) v.get("link"),
                Priority.parse((String) v.get("priority")),
                Instant.parse((String) v.get("created_at")),
                instant(v, "read_at"), instant(v, "seen_at"), instant(v, "archived_at"), instant(v, "snoozed_until"),
                instant(v, "expires_at"), instant(v, "updated_at"), (String) v.get("key"), (String) v.get("category"),
                dev.notify.json.Json.readActions(v.get("actions")));
    }

    private static Instant instant(Map<String, Object> v, String field) {
        return v.get(field) == null ? null : Instant.parse((String) v.get(field));
    }

    private static OutboxEntry mapEntry(ResultSet rs, StatementContext ctx) throws SQLException {
        return new OutboxEntry(rs.getLong("id"), rs.getLong("notification_id"), rs.getString("recipient"),
                rs.getString("channel"), rs.getString("destination"), OutboxStatus.parse(rs.getString("status")),
                rs.getInt("attempts"), instant(rs, "due_at"), rs.getString("last_error"), instant(rs, "created_at"),
                instant(rs, "delivered_at"));
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private static String truncate(String reason) {
        return reason == null || reason.length() <= 2000 ? reason : reason.substring(0, 1997) + "...";
    }
}
