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
 * What a durable commit costs on H2: {@code Notify.send} in this JVM (no HTTP), on an H2 file
 * database opened as notify opens it ({@code WRITE_DELAY=0}: each commit written to the file
 * before it returns) and with H2's own default ({@code WRITE_DELAY=500}: commits written up to
 * 500 ms later), side by side for each thread count, each on a fresh database.
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
        for (String t : a.get("threads", "1,4").split(",")) {
            int threads = Integer.parseInt(t.trim());
            for (String mode : new String[] {"WRITE_DELAY=500", "WRITE_DELAY=0"}) {
                runs.add(once(mode, threads, seconds, users));
            }
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

    private static Run once(String mode, int threads, int seconds, int users) throws Exception {
        Path dir = Files.createTempDirectory("notify-commit");
        try (Notify notify = Notify.builder()
                .jdbcUrl("jdbc:h2:file:" + dir.resolve("notify").toAbsolutePath() + ";" + mode)
                .eventBus(EventBus.local()).build()) {
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
        }
    }
}
