package dev.notify.internal;

import dev.notify.InboxQuery;
import dev.notify.Notification;
import dev.notify.NotFoundException;
import dev.notify.NotifyException;
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
 * <p>Sequence numbers: each send increments the recipient's {@code notify_recipient} counter in
 * one statement that returns the new value ({@code INSERT ... ON CONFLICT DO UPDATE ... RETURNING}
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

    /**
     * Stores the request's notifications in one transaction.
     *
     * @return the notifications, and how many were new (the others existed under the idempotency key)
     */
    /** Called inside the send transaction for each newly stored notification (e.g. to insert outbox rows). */
    @FunctionalInterface
    public interface InsertHook {
        void inserted(Handle handle, Notification notification);
    }

    /**
     * Stores the request's notifications in one new transaction.
     *
     * @return the notifications, and those that were new (the others existed under the idempotency key)
     */
    public Sent send(SendRequest request, Instant now, InsertHook hook) {
        return send(request, Map.of(), now, hook);
    }

    /**
     * The type, title and message stored for one recipient when they differ from the request's
     * (a template rendered in the recipient's locale).
     */
    public record Content(String type, String title, String message) {
    }

    /** As {@link #send(SendRequest, Instant, InsertHook)}, with per-recipient content where given. */
    public Sent send(SendRequest request, Map<String, Content> contents, Instant now, InsertHook hook) {
        String data = Json.writeData(request.data());
        for (String recipient : request.recipients()) {
            ensureRecipient(recipient);
        }
        return inTransaction(handle -> insert(handle, request, contents, data, now, hook));
    }

    /**
     * Stores the request's notifications in the caller's open transaction: they commit or roll
     * back with it.
     */
    public Sent sendIn(Handle handle, SendRequest request, Instant now, InsertHook hook) {
        return sendIn(handle, request, Map.of(), now, hook);
    }

    /** As {@link #sendIn(Handle, SendRequest, Instant, InsertHook)}, with per-recipient content where given. */
    public Sent sendIn(Handle handle, SendRequest request, Map<String, Content> contents, Instant now, InsertHook hook) {
        String data = Json.writeData(request.data());
        for (String recipient : request.recipients()) {
            ensureRecipient(recipient);
        }
        return insert(handle, request, contents, data, now, hook);
    }

    private Sent insert(Handle handle, SendRequest request, Map<String, Content> contents, String data, Instant now,
                        InsertHook hook) {
        Instant createdAt = now.truncatedTo(ChronoUnit.MICROS);
        Map<String, Notification> byRecipient = new HashMap<>();
        List<Notification> created = new ArrayList<>();
        // Lock counters in a fixed order so two multi-recipient sends cannot deadlock.
        for (String recipient : new TreeSet<>(request.recipients())) {
            String key = request.idempotencyKey();
            if (key != null) {
                // Already committed under this key: nothing to lock or allocate.
                Optional<Notification> existing = findByKey(handle, recipient, key);
                if (existing.isPresent()) {
                    byRecipient.put(recipient, existing.get());
                    continue;
                }
            }
            long seq = nextSeq(handle, recipient);
            if (key != null) {
                // Checked again under the counter lock, which serialises every send to this recipient:
                // a concurrent send with the same key may have committed while we waited for it.
                Optional<Notification> existing = findByKey(handle, recipient, key);
                if (existing.isPresent()) {
                    handle.createUpdate("UPDATE notify_recipient SET last_seq = last_seq - 1 WHERE recipient = :r")
                            .bind("r", recipient)
                            .execute();
                    byRecipient.put(recipient, existing.get());
                    continue;
                }
            }
            Content content = contents.getOrDefault(recipient,
                    new Content(request.type(), request.title(), request.message()));
            long id = handle.createUpdate("INSERT INTO notify_notification"
                            + " (recipient, seq, type, title, message, data, link, priority, idempotency_key, created_at)"
                            + " VALUES (:r, :seq, :type, :title, :message, :data, :link, :priority, :key, :created)")
                    .bind("r", recipient)
                    .bind("seq", seq)
                    .bind("type", content.type())
                    .bind("title", content.title())
                    .bind("message", content.message())
                    .bind("data", data)
                    .bind("link", request.link())
                    .bind("priority", request.priority().wireName())
                    .bind("key", request.idempotencyKey())
                    .bind("created", timestamp(createdAt))
                    .executeAndReturnGeneratedKeys("id")
                    .mapTo(Long.class)
                    .one();
            Notification n = new Notification(id, recipient, seq, content.type(), content.title(),
                    content.message(), request.data(), request.link(), request.priority(), createdAt, null);
            hook.inserted(handle, n);
            byRecipient.put(recipient, n);
            created.add(n);
        }
        List<Notification> ordered = new ArrayList<>(request.recipients().size());
        for (String recipient : request.recipients()) {
            ordered.add(byRecipient.get(recipient));
        }
        return new Sent(new SendResult(ordered, created.size()), created);
    }

    /**
     * Increments the recipient's counter and returns the new value, in one statement. The row stays
     * locked until the transaction ends.
     */
    private long nextSeq(Handle handle, String recipient) {
        if (postgres) {
            // Creates the counter on a recipient's first send; concurrent first sends wait for each other.
            return handle.createQuery("INSERT INTO notify_recipient AS c (recipient, last_seq) VALUES (:r, 1)"
                            + " ON CONFLICT (recipient) DO UPDATE SET last_seq = c.last_seq + 1 RETURNING c.last_seq")
                    .bind("r", recipient)
                    .mapTo(Long.class)
                    .one();
        }
        return handle.createQuery("SELECT last_seq FROM FINAL TABLE"
                        + " (UPDATE notify_recipient SET last_seq = last_seq + 1 WHERE recipient = :r)")
                .bind("r", recipient)
                .mapTo(Long.class)
                .one();
    }

    private static Optional<Notification> findByKey(Handle handle, String recipient, String key) {
        return handle.createQuery("SELECT " + COLUMNS
                        + " FROM notify_notification WHERE recipient = :r AND idempotency_key = :k")
                .bind("r", recipient)
                .bind("k", key)
                .map(JdbiNotificationStore::map)
                .findOne();
    }

    /** What {@link #send} did: the caller's result, and the notifications it newly stored. */
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

    static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private static NotifyException storeFailure(String what, JdbiException e) {
        return new NotifyException("store_unavailable", "notification store " + what + " failed: " + rootMessage(e), e);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
