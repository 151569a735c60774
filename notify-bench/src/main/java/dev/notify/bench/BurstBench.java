package dev.notify.bench;

import dev.notify.Notify;
import dev.notify.SendRequest;
import dev.notify.outbox.OutboxSettings;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.jdbi.v3.core.Jdbi;

/**
 * (12) Backpressure: sends at a fixed rate (open loop: each send's latency counts from its
 * scheduled time) for {@code --seconds}, once with an idle outbox and once while the outbox's
 * workers (notify's defaults: 2 workers, batches of 50) deliver a burst of {@code --burst} due rows
 * through a channel that delivers at once. Reports send latency percentiles, the burst's rows
 * delivered per second, the live heap (after a full GC) before and after, the highest heap used
 * seen while sampling every 100 ms, and the JVM's peak thread count. The burst phase runs last and
 * ends with the rest of the burst still due (the live heap is measured then).
 */
final class BurstBench {
    record Phase(String name, long sends, Histogram latency, long delivered, long nanos, long heapBefore,
                 long heapAfter, long heapPeak, int peakThreads) {
    }

    private BurstBench() {
    }

    static List<Phase> run(Args args, PrintStream out) throws Exception {
        int burst = args.integer("burst", 100_000);
        int rate = args.integer("rate", 200);
        int seconds = args.integer("seconds", 20);
        int senders = args.integer("senders", 8);
        String db = args.get("db", "h2");
        Path dir = Files.createTempDirectory("notify-bench-burst");
        String url = db.equals("h2") ? "jdbc:h2:file:" + dir.resolve("burst")
                : args.get("pg-url", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        ClaimBench.InstantChannel channel = new ClaimBench.InstantChannel();
        List<Phase> phases = new ArrayList<>();
        try (Notify notify = Notify.builder().jdbcUrl(url).channel(channel).outbox(OutboxSettings.ofDefaults()
                .withPollInterval(java.time.Duration.ofMillis(200))).build()) {
            Jdbi jdbi = Jdbi.create(url);
            // Warm-up: the send path and the outbox compiled before anything is timed.
            phases.add(phase("warm-up", notify, channel, rate, Math.min(seconds, 5), senders, 0, jdbi));
            phases.add(phase("sends, outbox idle", notify, channel, rate, seconds, senders, 0, jdbi));
            phases.add(phase("sends during a burst of " + burst + " due rows", notify, channel, rate, seconds,
                    senders, burst, jdbi));
        } finally {
            TargetServer.deleteTree(dir);
        }
        phases.remove(0);
        Table t = new Table("Backpressure: " + rate + " sends/s for " + seconds + " s, " + (db.equals("h2") ? "H2 file"
                : "PostgreSQL") + ", outbox defaults (2 workers, batches of 50), a channel that delivers at once",
                "phase", "sends", "send p50 ms", "p99 ms", "p99.9 ms", "max ms", "outbox rows delivered",
                "rows/s", "live heap at start → end MB", "heap used peak MB", "peak threads");
        for (Phase p : phases) {
            t.row(p.name(), p.sends(), ms(p.latency(), 50), ms(p.latency(), 99), ms(p.latency(), 99.9),
                    String.format(Locale.ROOT, "%.1f", p.latency().getMaxValue() / 1000.0), p.delivered(),
                    String.format(Locale.ROOT, "%.0f", p.delivered() / (p.nanos() / 1e9)),
                    mb(p.heapBefore()) + " → " + mb(p.heapAfter()), mb(p.heapPeak()), p.peakThreads());
        }
        Phase idle = phases.get(0);
        Phase busy = phases.get(1);
        t.row("ratio burst / idle", "", "", String.format(Locale.ROOT, "%.2fx",
                busy.latency().getValueAtPercentile(99) / (double) idle.latency().getValueAtPercentile(99)),
                "", "", "", "", "", "", "");
        t.print(out);
        return phases;
    }

    private static String ms(Histogram h, double percentile) {
        return String.format(Locale.ROOT, "%.1f", h.getValueAtPercentile(percentile) / 1000.0);
    }

    private static long mb(long bytes) {
        return bytes / (1024 * 1024);
    }

    private static Phase phase(String name, Notify notify, ClaimBench.InstantChannel channel, int rate, int seconds,
                               int senders, int burst, Jdbi jdbi) throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (burst > 0) {
            fill(jdbi, burst);
        }
        System.gc();
        long heapBefore = memory.getHeapMemoryUsage().getUsed();
        threads.resetPeakThreadCount();
        long delivered0 = channel.delivered.get();
        AtomicLong heapPeak = new AtomicLong();
        var sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> heapPeak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max),
                0, 100, TimeUnit.MILLISECONDS);
        if (burst > 0) {
            notify.outbox().wake();
        }
        Histogram latency = new Histogram(60_000_000L, 3);
        ExecutorService pool = Executors.newFixedThreadPool(senders);
        long start = System.nanoTime();
        long total = (long) rate * seconds;
        List<Future<?>> sends = new ArrayList<>();
        for (long i = 0; i < total; i++) {
            long due = start + i * 1_000_000_000L / rate;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            long n = i;
            sends.add(pool.submit(() -> {
                notify.send(SendRequest.to("user" + (n % 1000)).type("order").title("Order " + n)
                        .message("Your order left the warehouse.").build());
                long took = (System.nanoTime() - due) / 1000;
                synchronized (latency) {
                    latency.recordValue(Math.min(took, latency.getHighestTrackableValue()));
                }
            }));
        }
        for (Future<?> f : sends) {
            f.get();
        }
        pool.shutdown();
        long nanos = System.nanoTime() - start;
        sampler.shutdownNow();
        long delivered = channel.delivered.get() - delivered0;
        int peakThreads = threads.getPeakThreadCount();
        // Live heap at the end of the phase, the burst's rest still due: what delivery holds while a backlog waits.
        System.gc();
        long heapAfter = memory.getHeapMemoryUsage().getUsed();
        return new Phase(name, total, latency, delivered, nanos, heapBefore, heapAfter, heapPeak.get(), peakThreads);
    }

    /**
     * Makes {@code rows} rows due: SQL copies of the rows the sends made (see {@link ClaimBench}), then
     * every row of the table pending and unleased.
     */
    private static void fill(Jdbi jdbi, int rows) {
        jdbi.useHandle(h -> {
            long have = h.createQuery("SELECT COUNT(*) FROM notify_outbox").mapTo(Long.class).one();
            while (have < rows) {
                long missing = rows - have;
                h.execute("INSERT INTO notify_outbox (" + ClaimBench.COPIED + ") SELECT " + ClaimBench.COPIED
                        + " FROM notify_outbox ORDER BY id LIMIT " + Math.min(missing, 20_000));
                have += Math.min(missing, 20_000);
            }
            h.execute("UPDATE notify_outbox SET status = 'pending', lease_owner = NULL, lease_until = NULL,"
                    + " delivered_at = NULL, attempts = 0 WHERE status <> 'pending'");
        });
    }
}
