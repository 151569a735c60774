package dev.notify.bench;

import dev.notify.EventBus;
import dev.notify.Notify;
import dev.notify.SendRequest;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * What a durable commit costs: {@code Notify.send} in this JVM (no HTTP), side by side for each
 * thread count, each on a fresh database. {@code --compare=write-delay} (the default): an H2 file
 * database opened as notify opens it ({@code WRITE_DELAY=0}: each commit written to the file before
 * it returns) against H2's own default ({@code WRITE_DELAY=500}: commits written up to 500 ms
 * later). {@code --compare=group}: group commit off against on, with durable commits, on H2 or
 * ({@code --db=pg}) PostgreSQL.
 */
final class CommitBench {
    record Run(String mode, int threads, long sends, double perSecond, double p50Ms, double p99Ms) {
    }

    private CommitBench() {
    }

    static List<Run> run(Args a, PrintStream out) throws Exception {
        int seconds = a.integer("seconds", 5);
        int users = a.integer("users", 1000);
        List<Run> runs = new ArrayList<>();
        boolean group = a.get("compare", "write-delay").equals("group");
        String db = a.get("db", "h2");
        for (String t : a.get("threads", "1,4").split(",")) {
            int threads = Integer.parseInt(t.trim());
            for (String mode : group ? new String[] {"group off", "group on"}
                    : new String[] {"WRITE_DELAY=500", "WRITE_DELAY=0"}) {
                runs.add(once(mode, threads, seconds, users, db, a.get("pg-url", PG_URL)));
            }
        }
        if (group) {
            Table table = new Table("Notify.send in process, group commit off and on, durable commits, db " + db
                    + ", " + seconds + " s per run, " + users + " users", "threads", "group commit", "sends",
                    "sends/s", "p50 ms", "p99 ms", "sends/s on / off");
            for (int i = 0; i < runs.size(); i++) {
                Run r = runs.get(i);
                String ratio = i % 2 == 1 ? String.format("%.2f×", r.perSecond() / runs.get(i - 1).perSecond()) : "";
                table.row(r.threads(), r.mode(), r.sends(), String.format("%.0f", r.perSecond()),
                        String.format("%.2f", r.p50Ms()), String.format("%.2f", r.p99Ms()), ratio);
            }
            table.print(out);
            return runs;
        }
        Table table = new Table("Notify.send on an H2 file database, in process, " + seconds + " s per run, "
                + users + " users", "threads", "H2 write delay", "sends", "sends/s", "p50 ms", "p99 ms",
                "sends/s durable / delayed");
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            String ratio = i % 2 == 1 ? String.format("%.2f×", r.perSecond() / runs.get(i - 1).perSecond()) : "";
            table.row(r.threads(), r.mode().equals("WRITE_DELAY=0") ? "0 (notify's default)" : "500 (H2's default)",
                    r.sends(), String.format("%.0f", r.perSecond()), String.format("%.2f", r.p50Ms()),
                    String.format("%.2f", r.p99Ms()), ratio);
        }
        table.print(out);
        return runs;
    }

    static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    private static Run once(String mode, int threads, int seconds, int users, String db, String pgUrl)
            throws Exception {
        Path dir = Files.createTempDirectory("notify-commit");
        String schema = "bench_commits_" + System.nanoTime();
        boolean pg = db.equals("pg");
        String url = pg ? pgUrl + (pgUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema
                : "jdbc:h2:file:" + dir.resolve("notify").toAbsolutePath() + ";"
                + (mode.startsWith("WRITE_DELAY") ? mode : "WRITE_DELAY=0");
        if (pg) {
            execute(pgUrl, "CREATE SCHEMA " + schema);
        }
        Notify.Builder builder = Notify.builder().jdbcUrl(url).eventBus(EventBus.local());
        if (mode.startsWith("group")) {
            builder.groupCommit(mode.equals("group on"));
        }
        try (Notify notify = builder.build()) {
            // Warm-up: the code paths compiled and every user's counter created before timing.
            for (int u = 0; u < users; u++) {
                notify.send(SendRequest.to("user-" + u).title("warm-up").build());
            }
            Histogram latency = new Histogram(60_000_000_000L, 3);
            AtomicLong sends = new AtomicLong();
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            List<Thread> workers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Thread w = new Thread(() -> {
                    Histogram mine = new Histogram(60_000_000_000L, 3);
                    long n = 0;
                    while (System.nanoTime() < end) {
                        String user = "user-" + ThreadLocalRandom.current().nextInt(users);
                        long t0 = System.nanoTime();
                        notify.send(SendRequest.to(user).title("commit cost").message("m").build());
                        mine.recordValue(System.nanoTime() - t0);
                        n++;
                    }
                    sends.addAndGet(n);
                    synchronized (latency) {
                        latency.add(mine);
                    }
                });
                w.start();
                workers.add(w);
            }
            for (Thread w : workers) {
                w.join();
            }
            return new Run(mode, threads, sends.get(), sends.get() / (double) seconds,
                    latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6);
        } finally {
            TargetServer.deleteTree(dir);
            if (pg) {
                execute(pgUrl, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    private static void execute(String url, String sql) throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url);
             java.sql.Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
