package dev.notify.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.notify.EventBus;
import dev.notify.Notify;
import dev.notify.SendRequest;
import dev.notify.outbox.Delivery;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.outbox.DeliveryOutcome;
import dev.notify.outbox.DeliveryTarget;
import dev.notify.outbox.OutboxSettings;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Jdbi;

/**
 * (6) Outbox claims per second: {@code --rows} due outbox rows of a channel that delivers at once
 * (filled through notify's own send path, sends to {@code --batch} recipients), then K concurrent
 * claimers for each K in {@code --claimers}, each through {@code outbox().deliverDue()}: the claim
 * ({@code SKIP LOCKED} and a lease), the delivery gate, the channel, and the outcome writes, as the
 * outbox workers run them. Before every run every row is made due again.
 */
final class ClaimBench {
    static final String CHANNEL = "bench";

    record Run(String what, int claimers, long rows, long nanos) {
        double perSecond() {
            return rows / (nanos / 1e9);
        }
    }

    /** Delivers every row at once, so only the outbox's own work is timed. */
    static final class InstantChannel implements DeliveryChannel {
        final AtomicLong delivered = new AtomicLong();

        @Override
        public String name() {
            return CHANNEL;
        }

        @Override
        public List<String> destinations(DeliveryTarget target) {
            return List.of("sink:" + target.recipient());
        }

        @Override
        public List<DeliveryOutcome> deliver(List<Delivery> batch) {
            delivered.addAndGet(batch.size());
            List<DeliveryOutcome> out = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                out.add(DeliveryOutcome.delivered());
            }
            return out;
        }
    }

    private ClaimBench() {
    }

    static List<Run> run(Args args, PrintStream out) throws Exception {
        int rows = args.integer("rows", 200_000);
        int batch = args.integer("batch", 1000);
        // Rows made by notify's send path; the rest are SQL copies of them (sends cost ~3 ms per
        // recipient on PostgreSQL, so 200,000 would take ~10 minutes to fill).
        int sendRows = Math.min(rows, args.integer("send-rows", 5000));
        List<Integer> claimers = new ArrayList<>();
        for (String k : args.get("claimers", "1,2,4").split(",")) {
            claimers.add(Integer.parseInt(k.trim()));
        }
        int maxK = claimers.stream().mapToInt(Integer::intValue).max().orElse(1);
        String db = args.get("db", "h2");
        Path dir = Files.createTempDirectory("notify-bench-claims");
        String url = db.equals("h2") ? "jdbc:h2:file:" + dir.resolve("claims")
                : db.equals("pg") ? args.get("pg-url", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres") : db;
        boolean pg = url.startsWith("jdbc:postgresql:");
        InstantChannel channel = new InstantChannel();
        OutboxSettings settings = OutboxSettings.ofDefaults().withWorkers(0);
        List<Run> runs = new ArrayList<>();
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(url);
        hc.setMaximumPoolSize(maxK + 1);
        hc.setPoolName("claim-only");
        try (Notify notify = Notify.builder().jdbcUrl(url).poolSize(maxK + 2).eventBus(EventBus.local())
                .channel(channel).outbox(settings).build();
             HikariDataSource ds = new HikariDataSource(hc)) {
            Jdbi jdbi = Jdbi.create(ds);
            long t0 = System.nanoTime();
            int next = 0;
            for (int sent = 0; sent < sendRows; sent += batch) {
                List<String> to = new ArrayList<>(batch);
                for (int i = 0; i < Math.min(batch, sendRows - sent); i++) {
                    to.add("user" + next++);
                }
                notify.send(SendRequest.to(to).type("order").title("Order shipped")
                        .message("Your order left the warehouse and arrives on Thursday.").build());
            }
            double fillPerSecond = sendRows / ((System.nanoTime() - t0) / 1e9);
            long t1 = System.nanoTime();
            long outboxRows = count(jdbi);
            while (outboxRows < rows) {
                long missing = rows - outboxRows;
                jdbi.useHandle(h -> h.execute("INSERT INTO notify_outbox (" + COPIED + ") SELECT " + COPIED
                        + " FROM notify_outbox ORDER BY id LIMIT " + missing));
                outboxRows = count(jdbi);
            }
            if (pg) {
                jdbi.useHandle(h -> h.execute("VACUUM ANALYZE notify_outbox"));
            }
            out.printf(Locale.ROOT, "%d outbox rows: %d by sends at %.0f rows/s, the rest copied in %d ms%n", outboxRows,
                    sendRows, fillPerSecond, (System.nanoTime() - t1) / 1_000_000);
            for (int k : claimers) {
                reset(jdbi, pg); // every run starts from the same rows, all due, none leased
                Run r = deliverDue(notify, k);
                runs.add(r);
                out.printf(Locale.ROOT, "%s, %d claimer(s): %d rows in %d ms, %.0f/s%n", r.what(), k, r.rows(),
                        r.nanos() / 1_000_000, r.perSecond());
            }
            Table t = new Table("Outbox claims: " + outboxRows + " due rows (" + sendRows + " by sends to " + batch
                    + " recipients at " + String.format(Locale.ROOT, "%.0f", fillPerSecond)
                    + " rows/s, the rest SQL copies of them), "
                    + (pg ? "PostgreSQL" : db.equals("h2") ? "H2 file" : url) + ", batches of "
                    + settings.batchSize() + ", a channel that delivers at once",
                    "path", "claimers", "rows", "ms", "rows/s");
            for (Run r : runs) {
                t.row(r.what(), r.claimers(), r.rows(), r.nanos() / 1_000_000,
                        String.format(Locale.ROOT, "%.0f", r.perSecond()));
            }
            t.print(out);
            return runs;
        } finally {
            TargetServer.deleteTree(dir);
        }
    }

    static final String COPIED = "notification_id, recipient, channel, destination, payload, status, attempts,"
            + " due_at, lease_owner, lease_until, last_error, created_at, updated_at, delivered_at";

    private static long count(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM notify_outbox").mapTo(Long.class).one());
    }

    private static Run deliverDue(Notify notify, int k) throws Exception {
        return timed("claim + deliver + mark (deliverDue)", k, () -> (long) notify.outbox().deliverDue());
    }

    private static Run timed(String what, int k, Callable<Long> claimer) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(k);
        try {
            long t0 = System.nanoTime();
            List<Future<Long>> fs = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                fs.add(pool.submit(claimer));
            }
            long rows = 0;
            for (Future<Long> f : fs) {
                rows += f.get();
            }
            return new Run(what, k, rows, System.nanoTime() - t0);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Makes every row due and unleased again; on PostgreSQL vacuums the dead row versions away first. */
    private static void reset(Jdbi jdbi, boolean pg) {
        jdbi.useHandle(h -> h.execute("UPDATE notify_outbox SET status = 'pending', lease_owner = NULL,"
                + " lease_until = NULL, attempts = 0, delivered_at = NULL, due_at = ?", java.sql.Timestamp.from(
                Instant.now().minus(Duration.ofMinutes(1)))));
        if (pg) {
            jdbi.useHandle(h -> h.execute("VACUUM ANALYZE notify_outbox"));
        }
    }
}
