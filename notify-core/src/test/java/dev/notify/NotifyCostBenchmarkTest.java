package dev.notify;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.notify.internal.PostgresEventBus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * What NOTIFY costs a send: sends per second to PostgreSQL with the in-process bus and with the
 * LISTEN/NOTIFY bus (as shipped: batched on a publisher thread; one NOTIFY transaction per event;
 * and NOTIFY inline on the sending thread), with a second node listening. The test command runs
 * it at smoke size; the figures come from the full size:
 *
 * <pre>
 * NOTIFY_BENCH=1 mvn -q -B test -pl notify-core -Dtest=NotifyCostBenchmarkTest -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
class NotifyCostBenchmarkTest {
    /** Full size with NOTIFY_BENCH=1; otherwise a smoke run that only checks the benchmark still works. */
    private static final boolean FULL = "1".equals(System.getenv("NOTIFY_BENCH"));
    /** Recipients sent to, round robin; each gets its counter row during the warm-up. */
    private static final int RECIPIENTS = FULL ? 500 : 20;
    private static final int SENDS = FULL ? 3000 : 60;
    private static final int ROUNDS = FULL ? 5 : 1;
    private static final int POOL = 16;
    private static final List<String> MODES = List.of("local", "postgres (batched, shipped)",
            "postgres (1 event per NOTIFY)", "postgres (NOTIFY inline on the sender)");

    private final Map<String, List<String>> batches = new LinkedHashMap<>();

    @Test
    void sendsPerSecondByBus() throws Exception {
        run("local", 4); // JIT warm-up, not reported
        List<String> lines = new ArrayList<>();
        for (int threads : new int[] {1, 16}) {
            Map<String, List<Double>> results = new LinkedHashMap<>();
            for (int round = 0; round < ROUNDS; round++) {
                for (String mode : MODES) { // interleaved, so drift on a shared machine hits every mode
                    results.computeIfAbsent(mode, m -> new ArrayList<>()).add(run(mode, threads));
                }
            }
            results.forEach((mode, rates) -> {
                List<Double> sorted = rates.stream().sorted().toList();
                lines.add(String.format(Locale.ROOT, "%-40s threads=%2d  median %5.0f sends/s  (%s)", mode, threads,
                        sorted.get(sorted.size() / 2),
                        String.join(", ", rates.stream().map(r -> String.format(Locale.ROOT, "%.0f", r)).toList())));
            });
        }
        System.out.println("\nNOTIFY cost: " + SENDS + " sends per run to " + RECIPIENTS + " recipients, pool " + POOL
                + ", a second node listening, " + ROUNDS + " runs:");
        lines.forEach(System.out::println);
        System.out.println("events per NOTIFY transaction (warm-up included):");
        batches.forEach((k, v) -> System.out.println("  " + k + ": " + String.join(", ", v)));
    }

    private double run(String mode, int threads) throws Exception {
        try (TestDatabases.TestDatabase db = TestDatabases.create(TestDatabases.Kind.POSTGRES)) {
            PostgresEventBus listenerBus = new PostgresEventBus();
            List<AutoCloseable> closing = new ArrayList<>();
            try (Notify listening = db.notifyBuilder().poolSize(2).eventBus(listenerBus).build()) {
                EventBus bus = switch (mode) {
                    case "local" -> EventBus.local();
                    case "postgres (batched, shipped)" -> EventBus.postgres();
                    case "postgres (1 event per NOTIFY)" -> new PostgresEventBus(Duration.ofMillis(500),
                            Duration.ofSeconds(10), Duration.ofSeconds(15), 1);
                    default -> {
                        InlineNotifyBus inline = new InlineNotifyBus(db.jdbcUrl(), listenerBus.channel());
                        closing.add(inline);
                        yield inline;
                    }
                };
                try (Notify sender = db.notifyBuilder().poolSize(POOL).eventBus(bus).build()) {
                    send(sender, threads, RECIPIENTS);
                    long start = System.nanoTime();
                    send(sender, threads, SENDS);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    if (bus instanceof PostgresEventBus pg) {
                        // Every event is NOTIFYed, eventually (the publisher thread runs behind the senders).
                        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                                .until(() -> pg.sent() >= RECIPIENTS + SENDS);
                        batches.computeIfAbsent(mode + " threads=" + threads, k -> new ArrayList<>())
                                .add(String.format(Locale.ROOT, "%.1f", (double) pg.sent() / pg.notifyTransactions()));
                    }
                    return SENDS / seconds;
                }
            } finally {
                for (AutoCloseable c : closing) {
                    c.close();
                }
            }
        }
    }

    private static void send(Notify notify, int threads, int count) throws Exception {
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int i; (i = next.getAndIncrement()) < count; ) {
                notify.send(SendRequest.to("user-" + i % RECIPIENTS).type("bench").title("Benchmark " + i).build());
            }
        };
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                running.add(pool.submit(worker));
            }
            for (Future<?> f : running) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** The naive design for comparison: one NOTIFY transaction per event, on the sending thread. */
    private static final class InlineNotifyBus implements EventBus, AutoCloseable {
        private final List<Consumer<StreamEvent>> listeners = new ArrayList<>();
        private final HikariDataSource pool;
        private final String channel;

        InlineNotifyBus(String url, String channel) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url);
            config.setMaximumPoolSize(POOL);
            this.pool = new HikariDataSource(config);
            this.channel = channel;
        }

        @Override
        public void publish(StreamEvent event) {
            listeners.forEach(l -> l.accept(event));
            try (Connection c = pool.getConnection();
                 PreparedStatement s = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                s.setString(1, channel);
                s.setString(2, PostgresEventBus.encode("inline", event));
                s.execute();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void subscribe(Consumer<StreamEvent> listener) {
            listeners.add(listener);
        }

        @Override
        public void close() {
            pool.close();
        }
    }
}
