package dev.notify.internal;

import static dev.notify.internal.JdbiNotificationStore.timestamp;

import dev.notify.DigestFrequency;
import dev.notify.Notification;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Digest items and digest emails. Both sides take the recipient's counter row lock
 * ({@code notify_recipient ... FOR UPDATE}, which every send to the recipient holds until commit):
 * so an item is either committed before its digest collects, or finds the digest already taken
 * and joins the next period's. A digest collects its items once, binding them to its outbox row;
 * a retry sends the same items again, and no item is in two digests.
 */
public final class DigestStore {
    /** A delivery to fold into a digest instead of sending it now. */
    public record Planned(String channel, String category, String destination, DigestFrequency frequency,
                          ZoneId zone) {
    }

    /** One notification in a digest, as the digest template sees it. */
    public record Item(long notificationId, String type, String title, String message, String link, Instant createdAt) {
    }

    private final Jdbi jdbi;

    public DigestStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * Adds the notification to the recipient's digest of its period, creating that digest's
     * outbox row if it is the first item; inside the send transaction, which holds the
     * recipient's lock.
     */
    public void enqueue(Handle h, Notification n, Planned p, Instant now) {
        Instant periodEnd = p.frequency().periodEnd(now, p.zone());
        for (;;) {
            Optional<Map<String, Object>> digest = h.createQuery("SELECT o.status, o.lease_owner FROM notify_digest d"
                            + " JOIN notify_outbox o ON o.id = d.outbox_id"
                            + " WHERE d.recipient = :r AND d.category = :c AND d.period_end = :pe")
                    .bind("r", n.recipient()).bind("c", p.category()).bind("pe", timestamp(periodEnd))
                    .mapToMap()
                    .findOne();
            if (digest.isPresent()) {
                Object status = digest.get().get("status");
                if ("pending".equals(status) && digest.get().get("lease_owner") == null) {
                    break;
                }
                // That digest is being sent or went out: the next one carries this item.
                periodEnd = p.frequency().periodEnd(periodEnd, p.zone());
                continue;
            }
            String payload = OutboxPayload.digest(n, new OutboxStore.Digest(p.category(), p.frequency().wireName(),
                    periodEnd)).toJson();
            long outboxId = h.createUpdate("INSERT INTO notify_outbox (notification_id, recipient, channel, destination,"
                            + " payload, status, attempts, due_at, created_at, updated_at)"
                            + " VALUES (:n, :r, :c, :d, :p, 'pending', 0, :due, :now, :now)")
                    .bind("n", n.id()).bind("c", p.channel()).bind("r", n.recipient()).bind("d", p.destination()).bind("p", payload)
                    .bind("due", timestamp(periodEnd)).bind("now", timestamp(now))
                    .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
            h.createUpdate("INSERT INTO notify_digest (recipient, category, period_end, outbox_id)"
                            + " VALUES (:r, :c, :pe, :o)")
                    .bind("r", n.recipient()).bind("c", p.category()).bind("pe", timestamp(periodEnd))
                    .bind("o", outboxId).execute();
            break;
        }
        h.createUpdate("INSERT INTO notify_digest_item (recipient, category, notification_id, period_end, created_at)"
                        + " VALUES (:r, :c, :n, :pe, :now)")
                .bind("r", n.recipient()).bind("c", p.category()).bind("n", n.id()).bind("pe", timestamp(periodEnd))
                .bind("now", timestamp(now.truncatedTo(ChronoUnit.MICROS))).execute();
    }

    /**
     * Binds the digest's items to its outbox row (the first time; again on a retry it finds the
     * same ones) and returns them, oldest first. Items of earlier periods that missed their
     * digest come along. Deleted notifications are left out.
     */
    public List<Item> collect(long outboxId, String recipient, String category, Instant periodEnd) {
        return jdbi.inTransaction(h -> {
            h.createQuery("SELECT last_seq FROM notify_recipient WHERE recipient = :r FOR UPDATE")
                    .bind("r", recipient).mapTo(Long.class).findOne();
            h.createUpdate("UPDATE notify_digest_item SET outbox_id = :o WHERE recipient = :r AND category = :c"
                            + " AND outbox_id IS NULL AND period_end <= :pe")
                    .bind("o", outboxId).bind("r", recipient).bind("c", category).bind("pe", timestamp(periodEnd))
                    .execute();
            return h.createQuery("SELECT n.id, n.type, n.title, n.message, n.link, n.created_at"
                            + " FROM notify_digest_item i JOIN notify_notification n ON n.id = i.notification_id"
                            + " WHERE i.outbox_id = :o ORDER BY i.id")
                    .bind("o", outboxId)
                    .map((rs, ctx) -> new Item(rs.getLong("id"), rs.getString("type"), rs.getString("title"),
                            rs.getString("message"), rs.getString("link"),
                            rs.getObject("created_at", OffsetDateTime.class).toInstant()))
                    .list();
        });
    }
}
