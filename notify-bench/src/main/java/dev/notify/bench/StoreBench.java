package dev.notify.bench;

import dev.notify.Inbox;
import dev.notify.InboxQuery;
import dev.notify.InboxSelection;
import dev.notify.Notification;
import dev.notify.Priority;
import dev.notify.Notify;
import dev.notify.SendRequest;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * (6) The store at scale, scaled by options: {@code --rows} notifications over {@code --users}
 * recipients, inserted by sends to {@code --batch} recipients at once (one transaction each), plus
 * one heavy user with {@code --heavy} rows sent one at a time; then the latency of the heavy
 * user's unread count, first page and a deep page (cursor near the oldest row), and of a
 * typical user's first page. With {@code --inbox=true}, every 50th of the heavy user's notifications is
 * of type {@code security} and priority high, 90% of them are then marked seen, the oldest 5%
 * archived and 10 snoozed, and the inbox model's filters are timed as well: unseen count, and the
 * first page of unseen, archived, snoozed, high-priority and one-type notifications.
 */
final class StoreBench {
    /** {@code rows}: counted in notify_notification after the inserts, not the sum of the options. */
    record Result(long rows, double rowsPerSecond, double heavyPerSecond, Histogram unread, Histogram firstPage,
                  Histogram deepPage, Histogram typicalFirstPage, long heavyUnread, int typicalFirstPageItems) {
    }

    private StoreBench() {
    }

    static Result run(Args args, PrintStream out) throws Exception {
        int users = args.integer("users", 100_000);
        int rows = args.integer("rows", 1_000_000);
        int batch = args.integer("batch", 1000);
        int heavy = args.integer("heavy", 20_000);
        int queries = args.integer("queries", 2000);
        boolean inboxFilters = args.flag("inbox");
        Path dir = Files.createTempDirectory("notify-bench-store");
        String db = args.get("db", "h2");
        String url = db.equals("h2") ? "jdbc:h2:file:" + dir.resolve("store") : db;
        try (Notify notify = Notify.builder().jdbcUrl(url).build()) {
            long t0 = System.nanoTime();
            int next = 0;
            for (int sent = 0; sent < rows; sent += batch) {
                List<String> to = new ArrayList<>(batch);
                for (int i = 0; i < Math.min(batch, rows - sent); i++) {
                    to.add("user" + (next++ % users));
                }
                notify.send(SendRequest.to(to).type("order").title("Order shipped")
                        .message("Your order left the warehouse and arrives on Thursday.").build());
            }
            double rowsPerSecond = rows / ((System.nanoTime() - t0) / 1e9);
            long t1 = System.nanoTime();
            for (int i = 0; i < heavy; i++) {
                boolean security = inboxFilters && i % 50 == 0;
                notify.send(SendRequest.to("heavy").type(security ? "security" : "alert").title("Alert " + i)
                        .priority(security ? Priority.HIGH : Priority.NORMAL).message("Disk almost full").build());
            }
            double heavyPerSecond = heavy / ((System.nanoTime() - t1) / 1e9);
            Inbox h = notify.inbox("heavy");
            Inbox typical = notify.inbox("user" + (users / 2));
            String deepCursor = Long.toString(Math.max(2, heavy / 20)); // 95% of the way down
            InboxQuery deep = InboxQuery.firstPage().withCursor(deepCursor);
            // Warm-up, not recorded.
            time(h::unreadCount, queries / 2);
            time(() -> h.list(InboxQuery.firstPage()), queries / 2);
            time(() -> h.list(deep), queries / 2);
            Histogram unread = time(h::unreadCount, queries);
            Histogram first = time(() -> h.list(InboxQuery.firstPage()), queries);
            Histogram deepPage = time(() -> h.list(deep), queries);
            Histogram typicalFirst = time(() -> typical.list(InboxQuery.firstPage()), queries);
            long stored = notify.inTransaction(tx -> {
                try (Statement st = tx.connection().createStatement();
                     ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM notify_notification")) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            Result r = new Result(stored, rowsPerSecond, heavyPerSecond, unread, first, deepPage,
                    typicalFirst, h.unreadCount(), typical.list(InboxQuery.firstPage()).items().size());
            Table t = new Table("Store: " + rows + " notifications over " + users + " users (sends of " + batch
                    + " recipients) + a heavy user with " + heavy + " (single sends), " + (db.equals("h2") ? "H2 file"
                    : db) + "; " + queries + " queries each, one thread",
                    "what", "rate or p50", "p99", "p99.9", "max");
            t.row("insert, batched sends", String.format(Locale.ROOT, "%.0f rows/s", rowsPerSecond), "", "", "");
            t.row("insert, heavy user's single sends", String.format(Locale.ROOT, "%.0f rows/s", heavyPerSecond), "", "", "");
            row(t, "heavy user: unread count", unread);
            row(t, "heavy user: first page (" + InboxQuery.firstPage().limit() + ")", first);
            row(t, "heavy user: deep page (cursor " + deepCursor + ")", deepPage);
            row(t, "typical user: first page", typicalFirst);
            if (inboxFilters) {
                inboxFilters(h, heavy, queries, t);
            }
            t.print(out);
            return r;
        } finally {
            TargetServer.deleteTree(dir);
        }
    }

    /** Sets up the heavy user's inbox states, then times the new filters into {@code t}. */
    private static void inboxFilters(Inbox h, int heavy, int queries, Table t) {
        long last = h.list().items().get(0).seq();
        h.markSeen(InboxSelection.upTo(last - heavy / 10));
        h.archive(InboxSelection.before(Math.max(2, heavy / 20)));
        List<Notification> toSnooze = h.list(InboxQuery.firstPage().withLimit(10)
                .withCursor(Long.toString(last - heavy / 2))).items();
        for (Notification n : toSnooze) {
            h.snooze(n.id(), Instant.now().plus(Duration.ofDays(7)));
        }
        InboxQuery first = InboxQuery.firstPage();
        Map<String, Supplier<?>> timed = new LinkedHashMap<>();
        timed.put("heavy user: unseen count (" + h.unseenCount() + ")", h::unseenCount);
        timed.put("heavy user: unread count, with archive and snooze", h::unreadCount);
        timed.put("heavy user: first page, unseen", () -> h.list(first.withUnseenOnly(true)));
        timed.put("heavy user: first page, archived", () -> h.list(first.withArchived(true)));
        timed.put("heavy user: first page, snoozed", () -> h.list(first.withSnoozed(true)));
        timed.put("heavy user: first page, priority high", () -> h.list(first.withPriority(Priority.HIGH)));
        timed.put("heavy user: first page, type security", () -> h.list(first.withType("security")));
        timed.put("heavy user: first page, default (archive and snooze hidden)", () -> h.list(first));
        for (Supplier<?> q : timed.values()) {
            time(q, queries / 2); // warm-up, not recorded
        }
        for (var e : timed.entrySet()) {
            row(t, e.getKey(), time(e.getValue(), queries));
        }
    }

    private static void row(Table t, String what, Histogram h) {
        t.row(what, us(h.getValueAtPercentile(50)), us(h.getValueAtPercentile(99)), us(h.getValueAtPercentile(99.9)),
                us(h.getMaxValue()));
    }

    private static String us(long nanos) {
        return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
    }

    private static Histogram time(Supplier<?> query, int n) {
        Histogram h = new Histogram(3);
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            query.get();
            h.recordValue(System.nanoTime() - t);
        }
        return h;
    }
}
