package dev.notify.internal;

import dev.notify.InboxQuery;
import dev.notify.Notification;
import dev.notify.NotFoundException;
import dev.notify.NotifyException;
import dev.notify.StoreFailures;
import dev.notify.Page;
import dev.notify.Priority;
import dev.notify.SendRequest;
import dev.notify.SendResult;
import dev.notify.json.Json;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;

/**
 * The inbox and replay log over JDBC (H2 or PostgreSQL), with Jdbi.
 *
 * <p>Sequence numbers: each send increments its recipients' {@code notify_recipient} counters in
 * one statement (up to 1,000 recipients) that returns the new values ({@code INSERT ... ON CONFLICT DO UPDATE ... RETURNING}
 * on PostgreSQL, {@code SELECT ... FROM FINAL TABLE (UPDATE ...)} on H2). The update keeps the
 * row locked for the rest of the transaction, so a recipient's notifications commit strictly in
 * sequence order. A reader that sees sequence N committed can therefore rely on every lower
 * sequence being committed too: replay after a cursor has no gaps.
 */
public final class JdbiNotificationStore {

    /** Flyway's history table: our own, so notify can share a host application's database. */
    public static final String HISTORY_TABLE = "notify_schema_history";

    private static final String COLUMNS =
            "id, recipient, seq, type, title, message, data, link, priority, created_at, read_at";

    private final Jdbi jdbi;
    private final boolean postgres;
    /** H2 only: recipients known to have a counter row; saves one statement per send. */
    private final Set<String> knownRecipients = ConcurrentHashMap.newKeySet();

    public JdbiNotificationStore(DataSource dataSource) {
        this.jdbi = Jdbi.create(dataSource);
        this.postgres = isPostgres(dataSource);
    }

    /** Migrations for every database. */
    static final String COMMON_MIGRATIONS = "classpath:dev/notify/db/migration";
    /**
     * PostgreSQL-only migrations (partial indexes). Versions are one sequence shared with
     * {@link #COMMON_MIGRATIONS}: a new migration in either folder takes the next free number.
     */
    static final String POSTGRES_MIGRATIONS = "classpath:dev/notify/db/postgresql";

    /** Creates or upgrades the schema. Safe to call on every start and from several nodes at once. */
    public static void migrate(DataSource dataSource) {
        String[] locations = isPostgres(dataSource)
                ? new String[] {COMMON_MIGRATIONS, POSTGRES_MIGRATIONS}
                : new String[] {COMMON_MIGRATIONS};
        Flyway.configure()
                .dataSource(dataSource)
                .table(HISTORY_TABLE)
                .locations(locations)
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
    }

    private static boolean isPostgres(DataSource dataSource) {
        try (java.sql.Connection c = dataSource.getConnection()) {
            return "PostgreSQL".equalsIgnoreCase(c.getMetaData().getDatabaseProductName());
        } catch (SQLException e) {
            throw new NotifyException("store_unavailable", "cannot connect to migrate the schema: " + e.getMessage(), e);
        }
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    /** Whether the database is PostgreSQL (else H2). */
    public boolean postgres() {
        return postgres;
    }

    /**
     * The type, title and message stored for one recipient when they differ from the request's
     * (a template rendered in the recipient's locale).
     */
    public record Content(String type, String title, String message) {
    }

    /**
     * What {@link #insert} did for one batch of recipients.
     *
     * @param byRecipient every recipient's notification: the new one, or the one stored earlier under
     *                    the request's idempotency key
     * @param created     the notifications this call stored, in recipient order
     */
    public record Inserted(Map<String, Notification> byRecipient, List<Notification> created) {
    }

    /**
     * Readies the recipients' sequence counters before their send transaction: on H2, creates the
     * missing counter rows (in one transaction of their own, a few statements for all of them);
     * on PostgreSQL nothing, as {@link #insert} creates them.
     */
    public void prepareRecipients(Collection<String> recipients) {
        if (postgres) {
            return;
        }
        List<String> unknown = new ArrayList<>();
        for (String r : recipients) {
            if (!knownRecipients.contains(r)) {
                unknown.add(r);
            }
        }
        for (int from = 0; from < unknown.size(); from += BATCH_MAX) {
            List<String> chunk = unknown.subList(from, Math.min(unknown.size(), from + BATCH_MAX));
            try {
                // Its own transaction: committed even when the pool hands out connections with auto-commit off.
                jdbi.useTransaction(h -> {
                    Set<String> present = new HashSet<>(h.createQuery("SELECT recipient FROM notify_recipient"
                                    + " WHERE recipient IN (<rs>)")
                            .bindList("rs", chunk)
                            .mapTo(String.class)
                            .list());
                    var batch = h.prepareBatch("INSERT INTO notify_recipient (recipient, last_seq) VALUES (:r, 0)");
                    for (String r : chunk) {
                        if (!present.contains(r)) {
                            batch.bind("r", r).add();
                        }
                    }
                    if (batch.size() > 0) {
                        batch.execute();
                    }
                });
                knownRecipients.addAll(chunk);
            } catch (JdbiException e) {
                if (!isUniqueViolation(e)) {
                    throw storeFailure("create recipient counters", e);
                }
                // A concurrent first send created some of them meanwhile: one by one, tolerating that.
                chunk.forEach(this::ensureRecipient);
            }
        }
    }

    /** Most rows one {@link #insert} call takes, and most values bound in one {@code IN} list. */
    public static final int BATCH_MAX = 1000;

    /**
     * Stores one notification per recipient in the caller's open transaction, with a few
     * statements for all of them: idempotency keys looked up in one query, every counter
     * incremented by one statement (which locks the counters, in the database's order of
     * recipient ids, until the transaction ends), the notifications inserted as one batch.
     *
     * @param recipients at most {@link #BATCH_MAX} distinct recipients, counters
     *                   {@linkplain #prepareRecipients prepared}
     * @param data       the request's data as JSON ({@link Json#writeData})
     */
    public Inserted insert(Handle handle, SendRequest request, List<String> recipients, Map<String, Content> contents,
                           String data, Instant now) {
        if (recipients.size() > BATCH_MAX) {
            throw new IllegalArgumentException("at most " + BATCH_MAX + " recipients per insert but got "
                    + recipients.size());
        }
        Instant createdAt = now.truncatedTo(ChronoUnit.MICROS);
        String key = request.idempotencyKey();
        Map<String, Notification> byRecipient = new HashMap<>();
        List<String> fresh = new ArrayList<>(new TreeSet<>(recipients));
        if (key != null) {
            // Already committed under this key: nothing to lock or allocate.
            byRecipient.putAll(findByKey(handle, fresh, key));
            fresh.removeAll(byRecipient.keySet());
        }
        if (fresh.isEmpty()) {
            return new Inserted(byRecipient, List.of());
        }
        Map<String, Long> seqs = nextSeqs(handle, fresh);
        if (key != null) {
            // Checked again under the counter locks, which serialise every send to these recipients:
            // a concurrent send with the same key may have committed while we waited for them.
            Map<String, Notification> late = findByKey(handle, fresh, key);
            if (!late.isEmpty()) {
                handle.createUpdate("UPDATE notify_recipient SET last_seq = last_seq - 1 WHERE recipient IN (<rs>)")
                        .bindList("rs", List.copyOf(late.keySet()))
                        .execute();
                byRecipient.putAll(late);
                fresh.removeAll(late.keySet());
            }
        }
        var batch = handle.prepareBatch("INSERT INTO notify_notification"
                + " (recipient, seq, type, title, message, data, link, priority, idempotency_key, created_at)"
                + " VALUES (:r, :seq, :type, :title, :message, :data, :link, :priority, :key, :created)");
        Content literal = new Content(request.type(), request.title(), request.message());
        for (String recipient : fresh) {
            Content content = contents.getOrDefault(recipient, literal);
            batch.bind("r", recipient)
                    .bind("seq", seqs.get(recipient))
                    .bind("type", content.type())
                    .bind("title", content.title())
                    .bind("message", content.message())
                    .bind("data", data)
                    .bind("link", request.link())
                    .bind("priority", request.priority().wireName())
                    .bind("key", key)
                    .bind("created", timestamp(createdAt))
                    .add();
        }
        List<Long> ids = batch.executePreparedBatch("id").mapTo(Long.class).list();
        List<Notification> created = new ArrayList<>(fresh.size());
        for (int i = 0; i < fresh.size(); i++) {
            String recipient = fresh.get(i);
            Content content = contents.getOrDefault(recipient, literal);
            Notification n = new Notification(ids.get(i), recipient, seqs.get(recipient), content.type(),
                    content.title(), content.message(), request.data(), request.link(), request.priority(), createdAt,
                    null);
            byRecipient.put(recipient, n);
            created.add(n);
        }
        return new Inserted(byRecipient, created);
    }

    /**
     * Runs {@code work} in one READ COMMITTED transaction of its own.
     *
     * @throws NotifyException with code {@code store_unavailable} if the database fails; then
     *                         the transaction was rolled back
     */
    public <T> T transaction(org.jdbi.v3.core.HandleCallback<T, RuntimeException> work) {
        return inTransaction(work);
    }

    /**
     * Increments the recipients' counters and returns the new values, in one statement. The rows
     * stay locked until the transaction ends; they are locked in the order of recipient ids, so
     * two sends to overlapping recipients wait for each other instead of deadlocking.
     */
    private Map<String, Long> nextSeqs(Handle handle, List<String> recipients) {
        Map<String, Long> seqs = new HashMap<>();
        if (postgres) {
            // Creates the counter on a recipient's first send; concurrent first sends wait for each other.
            handle.createQuery("INSERT INTO notify_recipient AS c (recipient, last_seq)"
                            + " SELECT r, 1 FROM unnest(CAST(:rs AS varchar[])) AS t(r) ORDER BY r"
                            + " ON CONFLICT (recipient) DO UPDATE SET last_seq = c.last_seq + 1"
                            + " RETURNING c.recipient, c.last_seq")
                    .bindArray("rs", String.class, recipients)
                    .map((rs, ctx) -> seqs.put(rs.getString(1), rs.getLong(2)))
                    .list();
        } else {
            handle.createQuery("SELECT recipient, last_seq FROM FINAL TABLE"
                            + " (UPDATE notify_recipient SET last_seq = last_seq + 1 WHERE recipient IN (<rs>))")
                    .bindList("rs", recipients)
                    .map((rs, ctx) -> seqs.put(rs.getString(1), rs.getLong(2)))
                    .list();
        }
        if (seqs.size() != recipients.size()) {
            throw new NotifyException("store_unavailable", "allocated " + seqs.size() + " sequence numbers for "
                    + recipients.size() + " recipients (a counter row is missing)");
        }
        return seqs;
    }

    private static Map<String, Notification> findByKey(Handle handle, List<String> recipients, String key) {
        Map<String, Notification> found = new HashMap<>();
        handle.createQuery("SELECT " + COLUMNS
                        + " FROM notify_notification WHERE idempotency_key = :k AND recipient IN (<rs>)")
                .bind("k", key)
                .bindList("rs", recipients)
                .map(JdbiNotificationStore::map)
                .forEach(n -> found.put(n.recipient(), n));
        return found;
    }

    /** What a send did: the caller's result, and the notifications it newly stored. */
    public record Sent(SendResult result, List<Notification> created) {
    }

    /** H2: creates the recipient's counter row, once, in its own transaction (PostgreSQL upserts it in {@link #nextSeq}). */
    private void ensureRecipient(String recipient) {
        if (postgres || knownRecipients.contains(recipient)) {
            return;
        }
        try {
            // Its own transaction: committed even when the pool hands out connections with auto-commit off.
            jdbi.useTransaction(h -> h.createUpdate("INSERT INTO notify_recipient (recipient, last_seq)"
                            + " SELECT :r, 0 WHERE NOT EXISTS (SELECT 1 FROM notify_recipient WHERE recipient = :r)")
                    .bind("r", recipient)
                    .execute());
        } catch (JdbiException e) {
            // A concurrent first send inserted the row between our check and our insert: fine.
            if (!isUniqueViolation(e)) {
                throw storeFailure("create recipient counter", e);
            }
        }
        knownRecipients.add(recipient);
    }

    public Page list(String recipient, InboxQuery query) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS
                + " FROM notify_notification WHERE recipient = :r AND seq < :before");
        if (query.unreadOnly()) {
            sql.append(" AND read_at IS NULL");
        }
        if (query.type() != null) {
            sql.append(" AND type = :type");
        }
        sql.append(" ORDER BY seq DESC LIMIT :limit");
        List<Notification> rows = withHandle(h -> {
            var q = h.createQuery(sql.toString())
                    .bind("r", recipient)
                    .bind("before", query.beforeSeq())
                    .bind("limit", query.limit() + 1);
            if (query.type() != null) {
                q.bind("type", query.type());
            }
            return q.map(JdbiNotificationStore::map).list();
        });
        if (rows.size() <= query.limit()) {
            return new Page(rows, null);
        }
        List<Notification> page = rows.subList(0, query.limit());
        return new Page(page, Long.toString(page.get(page.size() - 1).seq()));
    }

    /** Housekeeping: deletes notifications read before {@code readBefore}. @return how many */
    public int deleteReadBefore(Instant readBefore) {
        return withHandle(h -> h.createUpdate("DELETE FROM notify_notification WHERE read_at IS NOT NULL AND read_at < :t")
                .bind("t", timestamp(readBefore))
                .execute());
    }

    public long unreadCount(String recipient) {
        return withHandle(h -> h.createQuery(
                        "SELECT COUNT(*) FROM notify_notification WHERE recipient = :r AND read_at IS NULL")
                .bind("r", recipient)
                .mapTo(Long.class)
                .one());
    }

    public Notification get(String recipient, long id) {
        return withHandle(h -> find(h, recipient, id)).orElseThrow(() -> NotFoundException.notification(id));
    }

    /** @return the notification and whether this call changed it */
    public Marked markRead(String recipient, long id, Instant now) {
        return inTransaction(h -> {
            int changed = h.createUpdate("UPDATE notify_notification SET read_at = :now"
                            + " WHERE recipient = :r AND id = :id AND read_at IS NULL")
                    .bind("now", timestamp(now.truncatedTo(ChronoUnit.MICROS)))
                    .bind("r", recipient)
                    .bind("id", id)
                    .execute();
            Notification n = find(h, recipient, id).orElseThrow(() -> NotFoundException.notification(id));
            return new Marked(n, changed == 1);
        });
    }

    /** What {@link #markRead} did. */
    public record Marked(Notification notification, boolean changed) {
    }

    /** @return how many were marked, and the highest sequence among them (0 if none) */
    public AllRead markAllRead(String recipient, Instant now) {
        return inTransaction(h -> {
            Long maxSeq = h.createQuery("SELECT MAX(seq) FROM notify_notification WHERE recipient = :r AND read_at IS NULL")
                    .bind("r", recipient)
                    .mapTo(Long.class)
                    .one();
            if (maxSeq == null) {
                return new AllRead(0, 0);
            }
            // Bounded by seq so a notification committed meanwhile stays unread: the client was never told of it.
            int count = h.createUpdate("UPDATE notify_notification SET read_at = :now"
                            + " WHERE recipient = :r AND read_at IS NULL AND seq <= :max")
                    .bind("now", timestamp(now.truncatedTo(ChronoUnit.MICROS)))
                    .bind("r", recipient)
                    .bind("max", maxSeq)
                    .execute();
            return new AllRead(count, maxSeq);
        });
    }

    /** What {@link #markAllRead} did. */
    public record AllRead(int count, long upToSeq) {
    }

    /** @throws NotFoundException if the recipient has no notification {@code id} */
    public void delete(String recipient, long id) {
        int deleted = withHandle(h -> h.createUpdate("DELETE FROM notify_notification WHERE recipient = :r AND id = :id")
                .bind("r", recipient)
                .bind("id", id)
                .execute());
        if (deleted == 0) {
            throw NotFoundException.notification(id);
        }
    }

    /**
     * The replay log: notifications after a cursor, oldest first.
     *
     * @param afterSeq the last sequence the client has seen (0 for all)
     * @param limit    most rows to return
     */
    public List<Notification> after(String recipient, long afterSeq, int limit) {
        return withHandle(h -> h.createQuery("SELECT " + COLUMNS
                        + " FROM notify_notification WHERE recipient = :r AND seq > :after ORDER BY seq LIMIT :limit")
                .bind("r", recipient)
                .bind("after", afterSeq)
                .bind("limit", limit)
                .map(JdbiNotificationStore::map)
                .list());
    }

    /** The highest sequence handed out to the recipient and committed, 0 if none. */
    public long lastSeq(String recipient) {
        return withHandle(h -> h.createQuery("SELECT last_seq FROM notify_recipient WHERE recipient = :r")
                .bind("r", recipient)
                .mapTo(Long.class)
                .findOne()
                .orElse(0L));
    }

    private static Optional<Notification> find(Handle h, String recipient, long id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM notify_notification WHERE recipient = :r AND id = :id")
                .bind("r", recipient)
                .bind("id", id)
                .map(JdbiNotificationStore::map)
                .findOne();
    }

    private static Notification map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Notification(
                rs.getLong("id"),
                rs.getString("recipient"),
                rs.getLong("seq"),
                rs.getString("type"),
                rs.getString("title"),
                rs.getString("message"),
                Json.readObject(rs.getString("data")),
                rs.getString("link"),
                Priority.parse(rs.getString("priority")),
                instant(rs, "created_at"),
                instant(rs, "read_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    /** Binds as {@code TIMESTAMP WITH TIME ZONE} in UTC, independent of the JVM's zone. */
    static Argument timestamp(Instant instant) {
        OffsetDateTime utc = instant.atOffset(ZoneOffset.UTC);
        return (position, statement, ctx) -> statement.setObject(position, utc);
    }

    private <T> T withHandle(org.jdbi.v3.core.HandleCallback<T, RuntimeException> callback) {
        try {
            return jdbi.withHandle(callback);
        } catch (JdbiException e) {
            throw storeFailure("query", e);
        }
    }

    private <T> T inTransaction(org.jdbi.v3.core.HandleCallback<T, RuntimeException> callback) {
        try {
            return jdbi.inTransaction(TransactionIsolationLevel.READ_COMMITTED, callback);
        } catch (JdbiException e) {
            throw storeFailure("transaction", e);
        }
    }

    /**
     * Whether a failed transaction only waited too long for a lock (H2's lock timeout, SQLState
     * {@code HYT00}) or was chosen as a deadlock victim (PostgreSQL {@code 40P01}): it rolled back
     * and may be run again.
     */
    public static boolean isLockConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && ("HYT00".equals(sql.getSQLState())
                    || "40P01".equals(sql.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private static NotifyException storeFailure(String what, JdbiException e) {
        return StoreFailures.of("notification store " + what, e);
    }
}
