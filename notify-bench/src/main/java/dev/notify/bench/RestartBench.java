package dev.notify.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * (11) A restart under load: the server (a child JVM on a fixed port and data directory) serves
 * N SSE users and a steady rate of personal sends until warm; then it is killed ({@code kill -9})
 * and started again on the same data, every client reconnects with the last event id it saw,
 * and the same rate resumes. Reported: the warm p99 (last seconds before the kill), the time
 * until {@code /health/ready} answers 200, the p99 of each of the first seconds after the
 * restart and of the whole window, the ratio to the warm p99, and how many notifications that
 * were acknowledged before the kill reached their user only through the replay (none may be lost).
 */
final class RestartBench {
    /** POST failures by exception class or status, printed at the end. */
    private static final Map<String, Integer> ERROR_KINDS = new java.util.concurrent.ConcurrentHashMap<>();

    private RestartBench() {
    }

    /**
     * What one cycle counted: acknowledged sends never received, duplicates, sends received after
     * the restart, seconds from start to ready, and the p99s (ms) warm and in the first window.
     */
    record Result(String warmup, int lost, int duplicates, int receivedAfterRestart, double secondsToReady,
                  double warmP99, double firstWindowP99) {
    }

    /**
     * One cycle per {@code --warmup} value (comma-separated seconds, default {@code 0,10}), side by
     * side in one run, then a table comparing them.
     */
    static List<Result> run(Args args, PrintStream out) throws Exception {
        List<Result> results = new ArrayList<>();
        for (String w : args.get("warmup", "0,10").split(",")) {
            results.add(cycle(args, out, w.strip()));
        }
        Table t = new Table("Restart under load, side by side: the p99 of the first " + args.integer("seconds", 10)
                + " s after /health/ready against the warm p99 of the same cycle",
                "NOTIFY_WARMUP_SECONDS", "start to ready s", "warm p99 ms", "first window p99 ms", "ratio", "lost", "dup");
        for (Result r : results) {
            t.row(r.warmup(), String.format(Locale.ROOT, "%.1f", r.secondsToReady()),
                    String.format(Locale.ROOT, "%.1f", r.warmP99()), String.format(Locale.ROOT, "%.1f", r.firstWindowP99()),
                    ratio(r.firstWindowP99(), r.warmP99()), r.lost(), r.duplicates());
        }
        t.print(out);
        return results;
    }

    private static Result cycle(Args args, PrintStream out, String warmup) throws Exception {
        ERROR_KINDS.clear();
        int users = args.integer("users", 2000);
        int rate = args.integer("rate", 1000);
        int warmSeconds = args.integer("warm-seconds", 20);
        int window = args.integer("seconds", 10);
        int reconnectSeconds = args.integer("reconnect-seconds", 3);
        List<String> flags = new ArrayList<>();
        for (String f : args.get("server-flags", "").split(" ")) {
            if (!f.isBlank()) {
                flags.add(f);
            }
        }
        String secret = TargetServer.DEFAULT_SECRET;
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path data = Files.createTempDirectory("notify-bench-restart");
        Map<String, String> env = new HashMap<>();
        env.put("NOTIFY_PORT", Integer.toString(port));
        env.put("NOTIFY_HOST", "127.0.0.1");
        env.put("NOTIFY_DATA_DIR", data.toString());
        env.put("NOTIFY_JWT_SECRET", secret);
        env.put("NOTIFY_HEARTBEAT_SECONDS", "30");
        env.put("NOTIFY_LIMIT_SENDS_PER_SECOND", "1000000");
        env.put("NOTIFY_LIMIT_STREAMS_PER_MINUTE", "1000000");
        env.put("NOTIFY_ACCESS_LOG", "off");
        env.put("NOTIFY_WARMUP_SECONDS", warmup);
        Path log = data.resolve("server.log");

        int total = rate * (warmSeconds + window + 5);
        AtomicLongArray scheduled = new AtomicLongArray(total);
        byte[] seen = new byte[total];
        java.util.concurrent.atomic.AtomicIntegerArray acked = new java.util.concurrent.atomic.AtomicIntegerArray(total);
        long[] lastId = new long[users];
        AtomicInteger replayed = new AtomicInteger();
        AtomicInteger duplicates = new AtomicInteger();
        int[] restartFrom = {Integer.MAX_VALUE};
        // After the restart, sends go only to users whose stream is open again, so latency is the
        // server's and not the time a client took to reconnect.
        java.util.concurrent.atomic.AtomicIntegerArray back = new java.util.concurrent.atomic.AtomicIntegerArray(users);
        AtomicInteger backCount = new AtomicInteger();
        Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(120), 3);
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        dev.notify.javalin.JwtAuthenticator tokens = dev.notify.javalin.JwtAuthenticator.hs256(secret);

        ServerProcess server = ServerProcess.start(env, flags, log, 120);
        try (SseClients clients = new SseClients(address, EndToEndBench.sources(1), (conn, line) -> {
            int user = conn % users;
            if (conn >= users && line.startsWith("event: connection_established")) {
                back.set(backCount.getAndIncrement(), user);
                return;
            }
            if (line.startsWith("id:")) {
                try {
                    lastId[user] = Math.max(lastId[user], Long.parseLong(line.substring(3).strip()));
                } catch (NumberFormatException ignored) {
                    // not a sequence
                }
                return;
            }
            int k = line.startsWith("data:") ? EndToEndBench.broadcastId(line, line.indexOf(EndToEndBench.ID_MARK)) : -1;
            if (k < 0) {
                return;
            }
            if (seen[k]++ > 0) {
                duplicates.incrementAndGet();
                return;
            }
            if (k >= restartFrom[0]) {
                recorder.recordValue(Math.max(0, System.nanoTime() - scheduled.get(k)));
            } else if (conn >= users) {
                replayed.incrementAndGet();
            } else {
                recorder.recordValue(Math.max(0, System.nanoTime() - scheduled.get(k)));
            }
        })) {
            for (int u = 0; u < users; u++) {
                clients.open(path(tokens, u, -1));
                clients.throttle(200);
            }
            await(() -> clients.established.get() >= users, 30 + users / 200, "streams to open");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            String publisher = "Bearer " + tokens.issue("bench-publisher", java.util.Set.of("publish"), Duration.ofHours(6));
            URI create = URI.create("http://127.0.0.1:" + port + "/api/v1/notifications");
            SplittableRandom random = new SplittableRandom(7);
            AtomicInteger errors = new AtomicInteger();

            // Warm phase: the last `window` seconds give the warm p99.
            java.util.function.IntSupplier anyUser = () -> random.nextInt(users);
            java.util.function.IntSupplier backUser = () -> back.get(random.nextInt(Math.max(1, backCount.get())));
            int next = send(http, create, publisher, anyUser, rate, warmSeconds - window, 0, scheduled, errors, acked);
            recorder.getIntervalHistogram();
            next = send(http, create, publisher, anyUser, rate, window, next, scheduled, errors, acked);
            int acknowledged = next;
            awaitQuietly(() -> received(seen, 0, acknowledged) >= acknowledged - errors.get(), 10);
            Histogram warm = recorder.getIntervalHistogram();
            int warmErrors = errors.get();

            int code = server.kill();
            out.printf(Locale.ROOT, "warm p99 %.1f ms; killed the server (exit %d)%n", warm.getValueAtPercentile(99) / 1e6, code);
            long t0 = System.nanoTime();
            server = ServerProcess.start(env, flags, log, 120);
            long listening = System.nanoTime();
            await(() -> ready(http, port), 120, "/health/ready");
            long readyAt = System.nanoTime();
            int established = clients.established.get();
            restartFrom[0] = next;
            recorder.getIntervalHistogram();
            // Reconnects spread over a few seconds while the sends resume at the same rate.
            Thread reconnect = new Thread(() -> {
                long spacing = TimeUnit.SECONDS.toNanos(reconnectSeconds) / Math.max(1, users);
                long start = System.nanoTime();
                for (int u = 0; u < users; u++) {
                    LockSupport.parkNanos(start + u * spacing - System.nanoTime());
                    clients.open(path(tokens, u, lastId[u]));
                }
            }, "reconnect");
            reconnect.start();
            List<Histogram> perSecond = new ArrayList<>();
            int errorsBefore = errors.get();
            await(() -> backCount.get() > 0, 60, "a first stream to reopen");
            for (int s = 0; s < window; s++) {
                next = send(http, create, publisher, backUser, rate, 1, next, scheduled, errors, acked);
                perSecond.add(recorder.getIntervalHistogram());
            }
            reconnect.join();
            int sentTotal = next;
            awaitQuietly(() -> received(seen, 0, sentTotal) >= sentTotal - errors.get(), 20);
            Histogram tail = recorder.getIntervalHistogram();
            Histogram after = new Histogram(3);
            perSecond.forEach(after::add);
            after.add(tail);
            int lost = 0;
            for (int k = 0; k < sentTotal; k++) {
                if (acked.get(k) == 1 && seen[k] == 0) {
                    lost++;
                }
            }

            Table t = new Table("Restart under load: " + users + " SSE users, " + rate + " sends/s, kill -9 and start "
                    + "on the same data; clients reconnect with their last event id over " + reconnectSeconds + " s"
                    + "; NOTIFY_WARMUP_SECONDS=" + warmup, "window", "p50 ms", "p99 ms",
                    "max ms", "vs warm p99");
            double warmP99 = warm.getValueAtPercentile(99);
            t.row("warm (last " + window + " s before the kill)", EndToEndBench.ms(warm.getValueAtPercentile(50)),
                    EndToEndBench.ms(warm.getValueAtPercentile(99)), EndToEndBench.ms(warm.getMaxValue()), "1.0×");
            for (int s = 0; s < perSecond.size(); s++) {
                Histogram h = perSecond.get(s);
                t.row("second " + (s + 1) + " after ready", EndToEndBench.ms(h.getValueAtPercentile(50)),
                        EndToEndBench.ms(h.getValueAtPercentile(99)), EndToEndBench.ms(h.getMaxValue()),
                        ratio(h.getValueAtPercentile(99), warmP99));
            }
            t.row("first " + window + " s after ready", EndToEndBench.ms(after.getValueAtPercentile(50)),
                    EndToEndBench.ms(after.getValueAtPercentile(99)), EndToEndBench.ms(after.getMaxValue()),
                    ratio(after.getValueAtPercentile(99), warmP99));
            t.print(out);
            out.printf(Locale.ROOT, "start to listening %.1f s, to ready %.1f s; streams before the kill %d; "
                            + "delivered only by replay after the restart %d; acknowledged (201) but never received %d; duplicates %d; "
                            + "POST errors %d warm, %d after the restart%n",
                    (listening - t0) / 1e9, (readyAt - t0) / 1e9, established, replayed.get(), lost, duplicates.get(),
                    warmErrors, errors.get() - errorsBefore);
            if (!ERROR_KINDS.isEmpty()) {
                out.println("POST errors by kind: " + ERROR_KINDS);
            }
            return new Result(warmup, lost, duplicates.get(), received(seen, restartFrom[0], sentTotal),
                    (readyAt - t0) / 1e9, warmP99 / 1e6, after.getValueAtPercentile(99) / 1e6);
        } finally {
            server.kill();
            TargetServer.deleteTree(data);
        }
    }

    private static String ratio(double p99, double warmP99) {
        return String.format(Locale.ROOT, "%.1f×", p99 / Math.max(1e-6, warmP99));
    }

    private static int received(byte[] seen, int from, int to) {
        int n = 0;
        for (int k = from; k < to; k++) {
            if (seen[k] > 0) {
                n++;
            }
        }
        return n;
    }

    private static String path(dev.notify.javalin.JwtAuthenticator tokens, int user, long lastEventId) {
        return "/api/v1/notifications/sse/stream?token=" + tokens.issue("u" + user, java.util.Set.of(), Duration.ofHours(6))
                + (lastEventId > 0 ? "&last_event_id=" + lastEventId : "");
    }

    private static boolean ready(HttpClient http, int port) {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Open-loop sends numbered {@code first..}: message k is due at t0 + k/rate. Returns the next number. */
    private static int send(HttpClient http, URI create, String publisher, java.util.function.IntSupplier recipient, int rate,
                            int seconds, int first, AtomicLongArray scheduled, AtomicInteger errors,
                            java.util.concurrent.atomic.AtomicIntegerArray acked) {
        int n = rate * seconds;
        long t0 = System.nanoTime();
        double interval = 1e9 / rate;
        for (int i = 0; i < n; i++) {
            long due = t0 + (long) (i * interval);
            long wait = due - System.nanoTime();
            if (wait > 200_000) {
                LockSupport.parkNanos(wait);
            }
            int k = first + i;
            scheduled.set(k, due);
            String body = "{\"recipient\":\"u" + recipient.getAsInt() + "\",\"type\":\"bench\",\"title\":\"b:" + k
                    + "\",\"message\":\"Your order has shipped and arrives on Thursday.\"}";
            HttpRequest req = HttpRequest.newBuilder(create).header("Authorization", publisher)
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
                if (e != null || r.statusCode() / 100 != 2) {
                    errors.incrementAndGet();
                    Throwable cause = e != null && e.getCause() != null ? e.getCause() : e;
                    ERROR_KINDS.merge(cause != null ? cause.getClass().getSimpleName() : "HTTP " + r.statusCode(), 1,
                            Integer::sum);
                } else {
                    acked.set(k, 1);
                }
            });
        }
        return first + n;
    }

    private static void await(java.util.function.BooleanSupplier condition, long seconds, String what)
            throws InterruptedException {
        if (!awaitQuietly(condition, seconds)) {
            throw new IllegalStateException("gave up waiting " + seconds + " s for " + what);
        }
    }

    private static boolean awaitQuietly(java.util.function.BooleanSupplier condition, long seconds)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }
}
