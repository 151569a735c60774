package dev.notify.internal;

import dev.notify.ActionListener;
import dev.notify.InboxQuery;
import dev.notify.InboxSelection;
import dev.notify.InvalidRequestException;
import dev.notify.NotificationAction;
import dev.notify.StreamEvent;
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
import java.util.LinkedHashMap;
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
            "id, recipient, seq, type, title, message, data, link, priority, created_at, read_at, seen_at, archived_at,"
            + " snoozed_until, expires_at, updated_at, replace_key, category, actions";

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
    public record Content(String type, String title, String message, String category) {
        /** Content without a category (not from a template). */
        public Content(String type, String title, String message) {
            this(type, title, message, null);
        }
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
        Content literal = new Content(request.type(), request.title(), request.message());
        String actions = request.actions().isEmpty() ? null : actionsJson(request.actions());
        List<Notification> created = new ArrayList<>(fresh.size());
        if (request.key() != null) {
            // Under the counter locks: no concurrent send to these recipients can add or move a keyed row now.
            created.addAll(replace(handle, request, fresh, seqs, contents, literal, data, actions, createdAt));
            for (Notification n : created) {
                byRecipient.put(n.recipient(), n);
                fresh.remove(n.recipient());
            }
            if (fresh.isEmpty()) {
                return new Inserted(byRecipient, created);
            }
        }
        var batch = handle.prepareBatch("INSERT INTO notify_notification"
                + " (recipient, seq, type, title, message, data, link, priority, idempotency_key, created_at,"
                + " expires_at, replace_key, category, actions)"
                + " VALUES (:r, :seq, :type, :title, :message, :data, :link, :priority, :key, :created,"
                + " :expires, :replaceKey, :category, :actions)");
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
                    .bind("expires", nullableTimestamp(request.expiresAt()))
                    .bind("replaceKey", request.key())
                    .bind("category", content.category())
                    .bind("actions", actions)
                    .add();
        }
        List<Long> ids = batch.executePreparedBatch("id").mapTo(Long.class).list();
        for (int i = 0; i < fresh.size(); i++) {
            String recipient = fresh.get(i);
            Content content = contents.getOrDefault(recipient, literal);
            Notification n = new Notification(ids.get(i), recipient, seqs.get(recipient), content.type(),
                    content.title(), content.message(), request.data(), request.link(), request.priority(), createdAt,
                    null, null, null, null, micros(request.expiresAt()), null, request.key(), content.category(),
                    request.actions());
            byRecipient.put(recipient, n);
            created.add(n);
        }
        return new Inserted(byRecipient, created);
    }

    /**
     * Replaces the recipients' notifications stored under the request's replace key: new content,
     * the sequence number already allocated, unread, unseen, not archived, not snoozed.
     *
     * @return the replaced notifications as now stored
     */
    private List<Notification> replace(Handle handle, SendRequest request, List<String> recipients, Map<String, Long> seqs,
                                       Map<String, Content> contents, Content literal, String data, String actions,
                                       Instant now) {
        Map<String, Notification> old = new HashMap<>();
        handle.createQuery("SELECT " + COLUMNS + " FROM notify_notification WHERE replace_key = :k AND recipient IN (<rs>)")
                .bind("k", request.key())
                .bindList("rs", recipients)
                .map(JdbiNotificationStore::map)
                .forEach(n -> old.put(n.recipient(), n));
        if (old.isEmpty()) {
            return List.of();
        }
        var batch = handle.prepareBatch("UPDATE notify_notification SET seq = :seq, type = :type, title = :title,"
                + " message = :message, data = :data, link = :link, priority = :priority,"
                + " idempotency_key = COALESCE(:key, idempotency_key), expires_at = :expires, category = :category,"
                + " actions = :actions, updated_at = :now, read_at = NULL, seen_at = NULL, archived_at = NULL,"
                + " snoozed_until = NULL WHERE id = :id");
        List<Notification> replaced = new ArrayList<>();
        for (String recipient : recipients) {
            Notification was = old.get(recipient);
            if (was == null) {
                continue;
            }
            Content content = contents.getOrDefault(recipient, literal);
            batch.bind("seq", seqs.get(recipient))
                    .bind("type", content.type())
                    .bind("title", content.title())
                    .bind("message", content.message())
                    .bind("data", data)
                    .bind("link", request.link())
                    .bind("priority", request.priority().wireName())
                    .bind("key", request.idempotencyKey())
                    .bind("expires", nullableTimestamp(request.expiresAt()))
                    .bind("category", content.category())
                    .bind("actions", actions)
                    .bind("now", timestamp(now))
                    .bind("id", was.id())
                    .add();
            replaced.add(new Notification(was.id(), recipient, seqs.get(recipient), content.type(), content.title(),
                    content.message(), request.data(), request.link(), request.priority(), was.createdAt(), null, null,
                    null, null, micros(request.expiresAt()), now, request.key(), content.category(),
                    request.actions()));
        }
        batch.execute();
        return replaced;
    }

    private static String actionsJson(List<NotificationAction> actions) {
        List<Map<String, Object>> views = new ArrayList<>(actions.size());
        actions.forEach(a -> views.add(Json.actionView(a)));
        return Json.write(views);
    }

    private static Instant micros(Instant t) {
        return t == null ? null : t.truncatedTo(ChronoUnit.MICROS);
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

    /** Not expired: hidden from every list and count once {@code expires_at} has passed. */
    private static final String NOT_EXPIRED = " AND (expires_at IS NULL OR expires_at > :now)";
    /** Shown by default and counted: not archived, not snoozed, not expired. */
    private static final String VISIBLE = " AND archived_at IS NULL AND snoozed_until IS NULL" + NOT_EXPIRED;

    /** One page of the recipient's inbox as seen at {@code now}. */
    public Page list(String recipient, InboxQuery query, Instant now) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS
                + " FROM notify_notification WHERE recipient = :r AND seq < :before");
        sql.append(query.archived() ? " AND archived_at IS NOT NULL" : " AND archived_at IS NULL");
        sql.append(query.snoozed() ? " AND snoozed_until IS NOT NULL" : " AND snoozed_until IS NULL");
        sql.append(NOT_EXPIRED);
        if (query.unreadOnly()) {
            sql.append(" AND read_at IS NULL");
        }
        if (query.unseenOnly()) {
            sql.append(" AND seen_at IS NULL");
        }
        if (query.type() != null) {
            sql.append(" AND type = :type");
        }
        if (query.category() != null) {
            sql.append(" AND category = :category");
        }
        if (query.priority() != null) {
            sql.append(" AND priority = :priority");
        }
        sql.append(" ORDER BY seq DESC LIMIT :limit");
        List<Notification> rows = withHandle(h -> {
            var q = h.createQuery(sql.toString())
                    .bind("r", recipient)
                    .bind("before", query.beforeSeq())
                    .bind("now", timestamp(now))
                    .bind("limit", query.limit() + 1);
            if (query.type() != null) {
                q.bind("type", query.type());
            }
            if (query.category() != null) {
                q.bind("category", query.category());
            }
            if (query.priority() != null) {
                q.bind("priority", query.priority().wireName());
            }
            return q.map(JdbiNotificationStore::map).list();
        });
        if (rows.size() <= query.limit()) {
            return new Page(rows, null);
        }
        List<Notification> page = rows.subList(0, query.limit());
        return new Page(page, Long.toString(page.get(page.size() - 1).seq()));
    }

    /** One page of the recipient's inbox as seen now. */
    public Page list(String recipient, InboxQuery query) {
        return list(recipient, query, Instant.now());
    }

    /** Housekeeping: deletes notifications read before {@code readBefore}. @return how many */
    public int deleteReadBefore(Instant readBefore) {
        return withHandle(h -> h.createUpdate("DELETE FROM notify_notification WHERE read_at IS NOT NULL AND read_at < :t")
                .bind("t", timestamp(readBefore))
                .execute());
    }

    /**
     * Housekeeping of the inbox model: deletes notifications expired before {@code now}, and
     * inbox changes and action records older than {@code changesBefore}.
     *
     * @return how many notifications were deleted
     */
    public int deleteExpired(Instant now, Instant changesBefore) {
        return withHandle(h -> {
            h.createUpdate("DELETE FROM notify_inbox_change WHERE created_at < :t")
                    .bind("t", timestamp(changesBefore))
                    .execute();
            h.createUpdate("DELETE FROM notify_action_performed WHERE performed_at < :t")
                    .bind("t", timestamp(changesBefore))
                    .execute();
            return h.createUpdate(DELETE_EXPIRED)
                    .bind("floor", timestamp(TIME_FLOOR))
                    .bind("now", timestamp(now))
                    .execute();
        });
    }

    /** Unread notifications shown at {@code now} (not archived, snoozed or expired). */
    public long unreadCount(String recipient, Instant now) {
        return count(recipient, " AND read_at IS NULL", now);
    }

    /** Unread notifications shown now. */
    public long unreadCount(String recipient) {
        return unreadCount(recipient, Instant.now());
    }

    /** Unseen notifications shown at {@code now}: the badge. */
    public long unseenCount(String recipient, Instant now) {
        return count(recipient, " AND seen_at IS NULL", now);
    }

    private long count(String recipient, String condition, Instant now) {
        return withHandle(h -> h.createQuery("SELECT COUNT(*) FROM notify_notification WHERE recipient = :r"
                        + condition + VISIBLE)
                .bind("r", recipient)
                .bind("now", timestamp(now))
                .mapTo(Long.class)
                .one());
    }

    public Notification get(String recipient, long id) {
        return withHandle(h -> find(h, recipient, id)).orElseThrow(() -> NotFoundException.notification(id));
    }

    /** What one change did: the notification (for changes of one), how many changed, the event to publish or null. */
    public record Changed(Notification notification, int count, StreamEvent event) {
        /** True when something changed. */
        public boolean changed() {
            return event != null;
        }
    }

    /** A state change the store makes: the assignment and the rows it applies to. */
    private enum Change {
        READ("read_at = :now, seen_at = COALESCE(seen_at, :now)", "read_at IS NULL"),
        SEEN("seen_at = :now", "seen_at IS NULL"),
        ARCHIVE("archived_at = :now", "archived_at IS NULL"),
        ARCHIVE_READ("archived_at = :now", "archived_at IS NULL AND read_at IS NOT NULL"),
        UNARCHIVE("archived_at = NULL", "archived_at IS NOT NULL"),
        UNSNOOZE("snoozed_until = NULL, seen_at = NULL", "snoozed_until IS NOT NULL");

        final String set;
        final String where;

        Change(String set, String where) {
            this.set = set;
            this.where = where;
        }
    }

    /** @return the notification, and the event if this call changed it */
    public Changed markRead(String recipient, long id, Instant now) {
        return changeOne(recipient, id, Change.READ, StreamEvent.Kind.READ, now);
    }

    /** Archives one notification. */
    public Changed archive(String recipient, long id, Instant now) {
        return changeOne(recipient, id, Change.ARCHIVE, StreamEvent.Kind.ARCHIVED, now);
    }

    /** Takes one notification out of the archive. */
    public Changed unarchive(String recipient, long id, Instant now) {
        return changeOne(recipient, id, Change.UNARCHIVE, StreamEvent.Kind.UNARCHIVED, now);
    }

    /** Ends a snooze now: the notification comes back unseen. */
    public Changed unsnooze(String recipient, long id, Instant now) {
        return changeOne(recipient, id, Change.UNSNOOZE, StreamEvent.Kind.UNSNOOZED, now);
    }

    /** Marks notifications read (and seen). */
    public Changed markRead(String recipient, InboxSelection selection, Instant now) {
        return changeMany(recipient, selection, Change.READ, StreamEvent.Kind.BULK_READ, now);
    }

    /** Marks notifications seen. */
    public Changed markSeen(String recipient, InboxSelection selection, Instant now) {
        return changeMany(recipient, selection, Change.SEEN, StreamEvent.Kind.SEEN, now);
    }

    /** Archives notifications. */
    public Changed archive(String recipient, InboxSelection selection, Instant now) {
        return changeMany(recipient, selection, Change.ARCHIVE, StreamEvent.Kind.ARCHIVED, now);
    }

    /** Archives every read notification. */
    public Changed archiveAllRead(String recipient, Instant now) {
        return changeMany(recipient, InboxSelection.all(), Change.ARCHIVE_READ, StreamEvent.Kind.ARCHIVED, now);
    }

    /** Takes notifications out of the archive. */
    public Changed unarchive(String recipient, InboxSelection selection, Instant now) {
        return changeMany(recipient, selection, Change.UNARCHIVE, StreamEvent.Kind.UNARCHIVED, now);
    }

    /**
     * One change to one notification, logged under the next sequence number.
     *
     * @throws NotFoundException if the recipient has no notification {@code id}
     */
    private Changed changeOne(String recipient, long id, Change change, StreamEvent.Kind kind, Instant now) {
        Instant at = now.truncatedTo(ChronoUnit.MICROS);
        return inTransaction(h -> {
            long seq = nextSeq(h, recipient);
            int changed = seq == 0 ? 0 : h.createUpdate("UPDATE notify_notification SET " + change.set
                            + " WHERE recipient = :r AND id = :id AND " + change.where)
                    .bind("now", timestamp(at))
                    .bind("r", recipient)
                    .bind("id", id)
                    .execute();
            Optional<Notification> found = find(h, recipient, id);
            if (changed == 0) {
                giveBack(h, recipient, seq);
                return new Changed(found.orElseThrow(() -> NotFoundException.notification(id)), 0, null);
            }
            Notification n = found.orElseThrow();
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("notification_id", id);
            if (kind == StreamEvent.Kind.UNSNOOZED) {
                fields.put("notification", Json.notificationView(n));
            } else if (kind != StreamEvent.Kind.READ) {
                fields.put("count", 1);
            }
            return new Changed(n, 1, log(h, recipient, seq, kind, id, 1, fields, at));
        });
    }

    /** One change to the selected notifications, logged under the next sequence number. */
    private Changed changeMany(String recipient, InboxSelection selection, Change change, StreamEvent.Kind kind,
                               Instant now) {
        Instant at = now.truncatedTo(ChronoUnit.MICROS);
        return inTransaction(h -> {
            long seq = nextSeq(h, recipient);
            if (seq == 0) {
                return new Changed(null, 0, null);
            }
            StringBuilder sql = new StringBuilder("UPDATE notify_notification SET " + change.set
                    + " WHERE recipient = :r AND " + change.where);
            if (!selection.ids().isEmpty()) {
                sql.append(" AND id IN (<ids>)");
            } else if (selection.type() != null) {
                sql.append(" AND type = :type");
            } else if (selection.beforeSeq() > 0) {
                sql.append(" AND seq < :before");
            }
            var update = h.createUpdate(sql.toString())
                    .bind("now", timestamp(at))
                    .bind("r", recipient);
            if (!selection.ids().isEmpty()) {
                update.bindList("ids", selection.ids());
            } else if (selection.type() != null) {
                update.bind("type", selection.type());
            } else if (selection.beforeSeq() > 0) {
                update.bind("before", selection.beforeSeq());
            }
            int changed = update.execute();
            if (changed == 0) {
                giveBack(h, recipient, seq);
                return new Changed(null, 0, null);
            }
            Map<String, Object> fields = new LinkedHashMap<>(selection.fields());
            if (change == Change.ARCHIVE_READ) {
                fields.put("only_read", true);
            }
            fields.put("count", changed);
            long single = selection.ids().size() == 1 ? selection.ids().get(0) : 0;
            return new Changed(null, changed, log(h, recipient, seq, kind, single, changed, fields, at));
        });
    }

    /** Marks every unread notification read; the event's {@code up_to_seq} is the highest of them. */
    public Changed markAllRead(String recipient, Instant now) {
        Instant at = now.truncatedTo(ChronoUnit.MICROS);
        return inTransaction(h -> {
            long seq = nextSeq(h, recipient);
            Long maxSeq = seq == 0 ? null : h.createQuery(
                            "SELECT MAX(seq) FROM notify_notification WHERE recipient = :r AND read_at IS NULL")
                    .bind("r", recipient)
                    .mapTo(Long.class)
                    .one();
            if (maxSeq == null) {
                giveBack(h, recipient, seq);
                return new Changed(null, 0, null);
            }
            // The counter is locked: no notification can be added meanwhile, all unread ones are <= maxSeq.
            int count = h.createUpdate("UPDATE notify_notification SET read_at = :now, seen_at = COALESCE(seen_at, :now)"
                            + " WHERE recipient = :r AND read_at IS NULL")
                    .bind("now", timestamp(at))
                    .bind("r", recipient)
                    .execute();
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("count", count);
            fields.put("up_to_seq", maxSeq);
            return new Changed(null, count, log(h, recipient, seq, StreamEvent.Kind.ALL_READ, 0, count, fields, at));
        });
    }

    /** @throws NotFoundException if the recipient has no notification {@code id} */
    public Changed delete(String recipient, long id, Instant now) {
        Instant at = now.truncatedTo(ChronoUnit.MICROS);
        return inTransaction(h -> {
            long seq = nextSeq(h, recipient);
            int deleted = seq == 0 ? 0 : h.createUpdate("DELETE FROM notify_notification WHERE recipient = :r AND id = :id")
                    .bind("r", recipient)
                    .bind("id", id)
                    .execute();
            if (deleted == 0) {
                giveBack(h, recipient, seq);
                throw NotFoundException.notification(id);
            }
            return new Changed(null, 1, log(h, recipient, seq, StreamEvent.Kind.DELETED, id, 1,
                    Map.of("notification_id", id), at));
        });
    }

    /**
     * Deletes the notification stored under a replace key.
     *
     * @throws NotFoundException if the recipient has none with that key
     */
    public Changed deleteByKey(String recipient, String key, Instant now) {
        Long id = withHandle(h -> h.createQuery("SELECT id FROM notify_notification WHERE recipient = :r"
                        + " AND replace_key = :k")
                .bind("r", recipient)
                .bind("k", key)
                .mapTo(Long.class)
                .findOne()
                .orElse(null));
        if (id == null) {
            throw new NotFoundException("no notification with key '" + key + "'");
        }
        return delete(recipient, id, now);
    }

    /**
     * Snoozes one notification until {@code until} (moving an earlier snooze).
     *
     * @throws NotFoundException if the recipient has no notification {@code id}
     */
    public Changed snooze(String recipient, long id, Instant until, Instant now) {
        Instant at = now.truncatedTo(ChronoUnit.MICROS);
        Instant due = until.truncatedTo(ChronoUnit.MICROS);
        return inTransaction(h -> {
            long seq = nextSeq(h, recipient);
            int changed = seq == 0 ? 0 : h.createUpdate("UPDATE notify_notification SET snoozed_until = :until"
                            + " WHERE recipient = :r AND id = :id")
                    .bind("until", timestamp(due))
                    .bind("r", recipient)
                    .bind("id", id)
                    .execute();
            if (changed == 0) {
                giveBack(h, recipient, seq);
                throw NotFoundException.notification(id);
            }
            Notification n = find(h, recipient, id).orElseThrow();
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("notification_id", id);
            fields.put("snoozed_until", due);
            return new Changed(n, 1, log(h, recipient, seq, StreamEvent.Kind.SNOOZED, id, 1, fields, at));
        });
    }

    /** A snooze that came due: which notification, whose, and until when it was snoozed. */
    public record DueSnooze(long id, String recipient, Instant until) {
    }

    /**
     * The lower bound of the range the housekeeping queries below read in the {@code snoozed_until}
     * and {@code expires_at} indexes. Most rows hold NULL there, and H2 keeps NULLs in its indexes
     * (first, in ascending order): {@code IS NOT NULL AND x <= :now} alone makes it read every
     * NULL entry, i.e. the whole table, on each run; with {@code x >= :floor} it reads only the
     * rows that are snoozed or expire. Year 1 is before any time a snooze or an expiry can hold: a
     * snooze ends in the future, and {@code SendRequest} refuses an expiry before year 1.
     */
    static final Instant TIME_FLOOR = Instant.parse("0001-01-01T00:00:00Z");

    /** Deletes the notifications whose expiry has passed (binds {@code floor}, {@code now}). */
    static final String DELETE_EXPIRED = "DELETE FROM notify_notification"
            + " WHERE expires_at >= :floor AND expires_at <= :now";
    /** The snoozes due (binds {@code floor}, {@code now}, {@code limit}), earliest first. */
    static final String DUE_SNOOZES = "SELECT id, recipient, snoozed_until FROM notify_notification"
            + " WHERE snoozed_until >= :floor AND snoozed_until <= :now ORDER BY snoozed_until LIMIT :limit";
    /** The earliest snooze still to come due (binds {@code floor}). */
    static final String NEXT_SNOOZE = "SELECT snoozed_until FROM notify_notification"
            + " WHERE snoozed_until >= :floor ORDER BY snoozed_until LIMIT 1";

    /** Snoozes due at {@code now}, earliest first. */
    public List<DueSnooze> dueSnoozes(Instant now, int limit) {
        return withHandle(h -> h.createQuery(DUE_SNOOZES)
                .bind("floor", timestamp(TIME_FLOOR))
                .bind("now", timestamp(now))
                .bind("limit", limit)
                .map((rs, ctx) -> new DueSnooze(rs.getLong(1), rs.getString(2), instant(rs, "snoozed_until")))
                .list());
    }

    /** The earliest snooze still to come due, if any. */
    public Optional<Instant> nextSnoozeDue() {
        return withHandle(h -> h.createQuery(NEXT_SNOOZE)
                .bind("floor", timestamp(TIME_FLOOR))
                .map((rs, ctx) -> instant(rs, "snoozed_until"))
                .findOne());
    }

    /**
     * Brings back a snoozed notification whose snooze came due, exactly once: the update applies
     * only while the row is still snoozed until {@code due.until()}, under the recipient's counter
     * lock, so a second node (or a second run after a restart) finds nothing left to do.
     *
     * @return the change, unchanged if another node (or a new snooze) got there first
     */
    public Changed wake(DueSnooze due, Instant now) {
        Instant at = now.truncatedTo(ChronoUnit.MICROS);
        return inTransaction(h -> {
            long seq = nextSeq(h, due.recipient());
            int changed = seq == 0 ? 0 : h.createUpdate("UPDATE notify_notification SET snoozed_until = NULL,"
                            + " seen_at = NULL WHERE id = :id AND recipient = :r AND snoozed_until = :until")
                    .bind("id", due.id())
                    .bind("r", due.recipient())
                    .bind("until", timestamp(due.until()))
                    .execute();
            if (changed == 0) {
                giveBack(h, due.recipient(), seq);
                return new Changed(null, 0, null);
            }
            Notification n = find(h, due.recipient(), due.id()).orElseThrow();
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("notification_id", due.id());
            fields.put("notification", Json.notificationView(n));
            return new Changed(n, 1, log(h, due.recipient(), seq, StreamEvent.Kind.UNSNOOZED, due.id(), 1, fields, at));
        });
    }

    /**
     * Records a callback action once and marks its notification read. The recipient's counter
     * lock serialises concurrent calls; the primary key of {@code notify_action_performed} would
     * refuse a second record regardless.
     *
     * @return the record (first or earlier), and the event when this call recorded it
     * @throws NotFoundException       if the recipient has no notification {@code id} or it has no
     *                                 action {@code actionId}
     * @throws InvalidRequestException if the action is a link
     */
    public Performed performAction(String recipient, long id, String actionId, Instant now) {
        Instant at = now.truncatedTo(ChronoUnit.MICROS);
        return inTransaction(h -> {
            long seq = nextSeq(h, recipient);
            Notification n = find(h, recipient, id).orElse(null);
            NotificationAction action = n == null ? null : n.action(actionId);
            if (n == null || action == null || action.kind() != NotificationAction.Kind.CALLBACK) {
                giveBack(h, recipient, seq);
                if (n == null) {
                    throw NotFoundException.notification(id);
                }
                if (action == null) {
                    throw new NotFoundException("notification " + id + " has no action '" + actionId + "'");
                }
                throw InvalidRequestException.field("action_id", "'" + actionId
                        + "' is a link action: a link is opened, not performed");
            }
            Optional<Instant> earlier = h.createQuery("SELECT performed_at FROM notify_action_performed"
                            + " WHERE notification_id = :id AND action_id = :a")
                    .bind("id", id)
                    .bind("a", actionId)
                    .map((rs, ctx) -> instant(rs, "performed_at"))
                    .findOne();
            if (earlier.isPresent()) {
                giveBack(h, recipient, seq);
                return new Performed(new ActionListener.Performed(n, action, earlier.get(), false), null);
            }
            h.createUpdate("INSERT INTO notify_action_performed (notification_id, action_id, recipient, performed_at)"
                            + " VALUES (:id, :a, :r, :now)")
                    .bind("id", id)
                    .bind("a", actionId)
                    .bind("r", recipient)
                    .bind("now", timestamp(at))
                    .execute();
            h.createUpdate("UPDATE notify_notification SET read_at = COALESCE(read_at, :now),"
                            + " seen_at = COALESCE(seen_at, :now) WHERE id = :id")
                    .bind("now", timestamp(at))
                    .bind("id", id)
                    .execute();
            Notification read = find(h, recipient, id).orElseThrow();
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("notification_id", id);
            fields.put("action_id", actionId);
            fields.put("payload", action.payload());
            fields.put("performed_at", at);
            return new Performed(new ActionListener.Performed(read, action, at, true),
                    log(h, recipient, seq, StreamEvent.Kind.ACTION, id, 1, fields, at));
        });
    }

    /** What {@link #performAction} did: the record, and the event to publish when it is new. */
    public record Performed(ActionListener.Performed performed, StreamEvent event) {
    }

    /**
     * Takes the recipient's next sequence number for a change, locking the counter until the
     * transaction ends (as a send does): changes and notifications then commit in sequence order.
     *
     * @return the number, or 0 if the recipient has no counter (so no notifications)
     */
    private long nextSeq(Handle h, String recipient) {
        String sql = postgres
                ? "UPDATE notify_recipient SET last_seq = last_seq + 1 WHERE recipient = :r RETURNING last_seq"
                : "SELECT last_seq FROM FINAL TABLE (UPDATE notify_recipient SET last_seq = last_seq + 1"
                        + " WHERE recipient = :r)";
        return h.createQuery(sql).bind("r", recipient).mapTo(Long.class).findOne().orElse(0L);
    }

    /** Returns a sequence number taken by {@link #nextSeq} for a change that changed nothing. */
    private static void giveBack(Handle h, String recipient, long seq) {
        if (seq > 0) {
            h.createUpdate("UPDATE notify_recipient SET last_seq = last_seq - 1 WHERE recipient = :r")
                    .bind("r", recipient)
                    .execute();
        }
    }

    /** Writes a change to the log and returns its stream event. */
    private static StreamEvent log(Handle h, String recipient, long seq, StreamEvent.Kind kind, long notificationId,
                                   int count, Map<String, Object> fields, Instant now) {
        h.createUpdate("INSERT INTO notify_inbox_change (recipient, seq, kind, notification_id, fields, created_at)"
                        + " VALUES (:r, :seq, :kind, :id, :fields, :now)")
                .bind("r", recipient)
                .bind("seq", seq)
                .bind("kind", kind.wireName())
                .bind("id", notificationId)
                .bind("fields", Json.write(fields))
                .bind("now", timestamp(now))
                .execute();
        return new StreamEvent(kind, recipient, null, notificationId, seq, count, fields);
    }

    /**
     * The replay log: notifications (new or replaced) and inbox changes after a cursor, oldest
     * first, as stream events.
     *
     * @param afterSeq the last sequence the client has seen (0 for all)
     * @param limit    most events to return
     */
    public List<StreamEvent> eventsAfter(String recipient, long afterSeq, int limit) {
        return withHandle(h -> {
            List<Notification> notifications = h.createQuery("SELECT " + COLUMNS
                            + " FROM notify_notification WHERE recipient = :r AND seq > :after ORDER BY seq LIMIT :limit")
                    .bind("r", recipient)
                    .bind("after", afterSeq)
                    .bind("limit", limit)
                    .map(JdbiNotificationStore::map)
                    .list();
            List<StreamEvent> changes = h.createQuery("SELECT seq, kind, notification_id, fields"
                            + " FROM notify_inbox_change WHERE recipient = :r AND seq > :after ORDER BY seq LIMIT :limit")
                    .bind("r", recipient)
                    .bind("after", afterSeq)
                    .bind("limit", limit)
                    .map((rs, ctx) -> {
                        Map<String, Object> fields = Json.readObject(rs.getString("fields"));
                        Object count = fields.get("count");
                        return new StreamEvent(StreamEvent.Kind.ofWireName(rs.getString("kind")), recipient, null,
                                rs.getLong("notification_id"), rs.getLong("seq"),
                                count instanceof Number c ? c.intValue() : 0, fields);
                    })
                    .list();
            List<StreamEvent> merged = new ArrayList<>(Math.min(limit, notifications.size() + changes.size()));
            int i = 0;
            int j = 0;
            while (merged.size() < limit && (i < notifications.size() || j < changes.size())) {
                if (j >= changes.size() || i < notifications.size() && notifications.get(i).seq() < changes.get(j).seq()) {
                    merged.add(StreamEvent.stored(notifications.get(i++)));
                } else {
                    merged.add(changes.get(j++));
                }
            }
            return merged;
        });
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
                instant(rs, "read_at"),
                instant(rs, "seen_at"),
                instant(rs, "archived_at"),
                instant(rs, "snoozed_until"),
                instant(rs, "expires_at"),
                instant(rs, "updated_at"),
                rs.getString("replace_key"),
                rs.getString("category"),
                actions(rs.getString("actions")));
    }

    private static List<NotificationAction> actions(String json) {
        if (json == null) {
            return List.of();
        }
        try {
            return Json.readActions(Json.MAPPER.readValue(json, List.class));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("stored actions are not a JSON array", e);
        }
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    /** As {@link #timestamp}, or SQL NULL for null. */
    static Argument nullableTimestamp(Instant instant) {
        if (instant == null) {
            return (position, statement, ctx) -> statement.setNull(position, java.sql.Types.TIMESTAMP_WITH_TIMEZONE);
        }
        return timestamp(instant.truncatedTo(ChronoUnit.MICROS));
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
