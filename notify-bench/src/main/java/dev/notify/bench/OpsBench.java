package dev.notify.bench;

import dev.notify.server.NotifyServer;
import dev.notify.server.ServerConfig;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cost of metrics and of rate limiting on the send path: the standalone server in this JVM,
 * {@code POST /api/v1/notifications} in a closed loop from {@code --clients} threads (each sends
 * its next request when the last one answered), sends per second over {@code --seconds}. Each
 * round runs every variant once on a fresh server and H2 database, in an order that rotates from
 * round to round, so JIT warm-up and the machine's drift fall on every variant alike.
 */
final class OpsBench {
    private static final String SECRET = TargetServer.DEFAULT_SECRET;

    private OpsBench() {
    }

    /** A server setting to compare: its environment variables on top of the common ones. */
    private record Variant(String name, Map<String, String> env) {
    }

    static Map<String, List<Double>> run(Args args, PrintStream out) throws Exception {
        int clients = args.integer("clients", 8);
        int seconds = args.integer("seconds", 10);
        int warmup = args.integer("warmup", 5);
        int rounds = args.integer("rounds", 3);
        List<Variant> variants = List.of(
                new Variant("metrics off, limits off", Map.of("NOTIFY_METRICS", "off", "NOTIFY_LIMIT_SENDS_PER_SECOND", "0",
                        "NOTIFY_LIMIT_AUTH_FAILURES_PER_MINUTE", "0")),
                new Variant("metrics on, limits off", Map.of("NOTIFY_METRICS", "on", "NOTIFY_LIMIT_SENDS_PER_SECOND", "0",
                        "NOTIFY_LIMIT_AUTH_FAILURES_PER_MINUTE", "0")),
                new Variant("metrics off, limits on", Map.of("NOTIFY_METRICS", "off",
                        "NOTIFY_LIMIT_SENDS_PER_SECOND", "1000000")));
        Map<String, List<Double>> results = new LinkedHashMap<>();
        variants.forEach(v -> results.put(v.name(), new ArrayList<>()));
        out.println(Machine.describe());
        out.printf(Locale.ROOT, "clients=%d seconds=%d warmup=%d rounds=%d%n", clients, seconds, warmup, rounds);
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < variants.size(); i++) {
                Variant v = variants.get((i + round) % variants.size());
                double rate = measure(v, clients, warmup, seconds);
                results.get(v.name()).add(rate);
                out.printf(Locale.ROOT, "round %d  %-24s %8.0f sends/s%n", round + 1, v.name(), rate);
                out.flush();
            }
        }
        double base = median(results.get(variants.get(0).name()));
        out.println();
        out.println("| variant | sends/s per round | median | vs metrics off, limits off |");
        out.println("| --- | --- | --- | --- |");
        for (Variant v : variants) {
            List<Double> r = results.get(v.name());
            double m = median(r);
            out.printf(Locale.ROOT, "| %s | %s | %.0f | %+.1f%% |%n", v.name(),
                    String.join(", ", r.stream().map(x -> String.format(Locale.ROOT, "%.0f", x)).toList()), m,
                    (m / base - 1) * 100);
        }
        return results;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double measure(Variant v, int clients, int warmup, int seconds) throws Exception {
        Path dir = Files.createTempDirectory("notify-ops-bench");
        Map<String, String> env = new HashMap<>(v.env());
        env.put("NOTIFY_PORT", "0");
        env.put("NOTIFY_HOST", "127.0.0.1");
        env.put("NOTIFY_DATA_DIR", dir.toString());
        env.put("NOTIFY_JWT_SECRET", SECRET);
        try (NotifyServer server = NotifyServer.start(ServerConfig.fromEnvironment(env), env,
                new PrintStream(OutputStream.nullOutputStream()))) {
            String token = "Bearer " + server.authenticator().issue("bench-publisher", Set.of("publish"),
                    Duration.ofHours(1));
            URI create = URI.create("http://127.0.0.1:" + server.port() + "/api/v1/notifications");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            load(http, create, token, clients, warmup, null);
            AtomicLong sent = new AtomicLong();
            long started = System.nanoTime();
            load(http, create, token, clients, seconds, sent);
            return sent.get() / ((System.nanoTime() - started) / 1e9);
        } finally {
            TargetServer.deleteTree(dir);
        }
    }

    private static void load(HttpClient http, URI create, String token, int clients, int seconds, AtomicLong sent)
            throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        AtomicInteger errors = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread t = new Thread(() -> {
                int n = 0;
                while (System.nanoTime() < end) {
                    String body = "{\"recipient\":\"user-" + client + "-" + (n++ % 100)
                            + "\",\"type\":\"bench\",\"title\":\"hello\"}";
                    try {
                        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(create)
                                .header("Authorization", token).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() == 201) {
                            if (sent != null) {
                                sent.incrementAndGet();
                            }
                        } else {
                            errors.incrementAndGet();
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                }
            }, "ops-bench-" + c);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (errors.get() > 0) {
            throw new IllegalStateException(errors.get() + " sends failed");
        }
    }
}
