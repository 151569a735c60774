package dev.notify.bench;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Connection floods against a notify server in its own process, started under a low open-file
 * limit ({@code ulimit -n}, {@code --nofile}, default 1024): {@code --streams} SSE streams opened at
 * once by {@code --users} users (default one), held {@code --hold} seconds; then {@code --loris}
 * connections that trickle header lines (one a second) and never finish their request; then the
 * streams are closed. All along, {@code GET /health} is probed every 100 ms, each time on a new
 * connection, with a 5-s timeout.
 * The table says how each phase's connections were answered, how {@code /health} fared, the
 * server's open files, and how long the server took to notice that the streams' clients left.
 */
final class FloodBench {
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    private FloodBench() {
    }

    /** What the health prober saw during one phase. */
    static final class Probe {
        final AtomicLong probes = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicLong maxMillis = new AtomicLong();
        final AtomicLong maxOpenFiles = new AtomicLong();
        final List<String> failureKinds = new CopyOnWriteArrayList<>();
    }

    static void run(Args args, PrintStream out) throws Exception {
        int streams = args.integer("streams", 1000);
        int users = args.integer("users", 1);
        int loris = args.integer("loris", 0);
        int hold = args.integer("hold", 10);
        int nofile = args.integer("nofile", 1024);
        String secret = args.get("secret", TargetServer.DEFAULT_SECRET);
        String javaBin = args.get("server-java", ProcessHandle.current().info().command().orElse("java"));
        List<String> cmd = List.of("bash", "-c", "ulimit -n " + nofile + " && exec \"$0\" \"$@\"", javaBin,
                "-cp", System.getProperty("java.class.path"), Bench.class.getName(), "server", "--port=0",
                "--secret=" + secret);
        Process server = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String hello = lines.readLine();
            if (hello == null || !hello.startsWith("port=")) {
                throw new IllegalStateException("the server did not start: " + hello);
            }
            Map<String, String> kv = new ConcurrentHashMap<>();
            for (String part : hello.split(" ")) {
                String[] p = part.split("=", 2);
                kv.put(p[0], p[1]);
            }
            int port = Integer.parseInt(kv.get("port"));
            long pid = Long.parseLong(kv.get("pid"));
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
            var tokens = dev.notify.javalin.JwtAuthenticator.hs256(secret);
            HttpClient http = HttpClient.newBuilder().connectTimeout(PROBE_TIMEOUT).build();

            Table table = new Table("Connection floods under ulimit -n " + nofile + " (" + streams + " SSE streams by "
                    + users + " user(s), " + loris + " slow-loris connections)",
                    "phase", "connections", "answered 200", "429", "503", "failed", "closed by server",
                    "/health probes", "/health failures", "/health slowest", "server open files (max)");

            // Phase 1: the stream flood, held open.
            List<Socket> held = new CopyOnWriteArrayList<>();
            Map<String, AtomicLong> outcome = new ConcurrentHashMap<>();
            Probe floodProbe = new Probe();
            ScheduledExecutorService prober = probe(http, address, pid, floodProbe);
            ExecutorService openers = Executors.newFixedThreadPool(64);
            for (int i = 0; i < streams; i++) {
                String token = tokens.issue("flood-" + (i % users), java.util.Set.of(), Duration.ofHours(1));
                openers.execute(() -> outcome.computeIfAbsent(openStream(address, token, held), k -> new AtomicLong())
                        .incrementAndGet());
            }
            openers.shutdown();
            openers.awaitTermination(10, TimeUnit.MINUTES);
            long holdUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(hold);
            while (System.nanoTime() < holdUntil) {
                TimeUnit.MILLISECONDS.sleep(100);
            }
            stop(prober);
            table.row("SSE flood, then held " + hold + " s", streams, count(outcome, "200"), count(outcome, "429"),
                    count(outcome, "503"), count(outcome, "failed"), "-", floodProbe.probes, floodProbe.failures
                            + kinds(floodProbe), floodProbe.maxMillis + " ms", floodProbe.maxOpenFiles);

            // Phase 2: slow loris.
            if (loris > 0) {
                Probe lorisProbe = new Probe();
                prober = probe(http, address, pid, lorisProbe);
                List<Socket> slow = new CopyOnWriteArrayList<>();
                AtomicLong refused = new AtomicLong();
                ExecutorService connectors = Executors.newFixedThreadPool(64);
                for (int i = 0; i < loris; i++) {
                    connectors.execute(() -> {
                        try {
                            Socket s = new Socket();
                            s.connect(address, (int) PROBE_TIMEOUT.toMillis());
                            s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                            slow.add(s);
                        } catch (IOException e) {
                            refused.incrementAndGet();
                        }
                    });
                }
                connectors.shutdown();
                connectors.awaitTermination(10, TimeUnit.MINUTES);
                long started = System.nanoTime();
                long closedByServer = 0;
                int line = 0;
                // One header line a second on every connection, until every one was closed or 120 s passed.
                while (System.nanoTime() - started < TimeUnit.SECONDS.toNanos(120)) {
                    closedByServer = 0;
                    line++;
                    for (Socket s : slow) {
                        try {
                            OutputStream o = s.getOutputStream();
                            o.write(("X-Slow-" + line + ": 1\r\n").getBytes(StandardCharsets.US_ASCII));
                            o.flush();
                        } catch (IOException e) {
                            closedByServer++;
                        }
                    }
                    if (closedByServer == slow.size()) {
                        break;
                    }
                    TimeUnit.SECONDS.sleep(1);
                }
                long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
                stop(prober);
                for (Socket s : slow) {
                    s.close();
                }
                table.row("slow loris, one header line a second", loris, "-", "-", "-", refused.get(),
                        closedByServer + " within " + seconds + " s", lorisProbe.probes,
                        lorisProbe.failures + kinds(lorisProbe), lorisProbe.maxMillis + " ms", lorisProbe.maxOpenFiles);
            }

            // Phase 3: the clients leave; how long until the server has let go of every stream?
            Probe leaveProbe = new Probe();
            prober = probe(http, address, pid, leaveProbe);
            for (Socket s : held) {
                s.close();
            }
            long left = System.nanoTime();
            long forgottenMillis = -1;
            while (System.nanoTime() - left < TimeUnit.SECONDS.toNanos(60)) {
                if (openStreams(http, address) == 0) {
                    forgottenMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - left);
                    break;
                }
                TimeUnit.MILLISECONDS.sleep(20);
            }
            stop(prober);
            table.row("stream clients leave", held.size(), "-", "-", "-", "-",
                    forgottenMillis < 0 ? "not all within 60 s" : "all streams forgotten within " + forgottenMillis + " ms",
                    leaveProbe.probes, leaveProbe.failures + kinds(leaveProbe), leaveProbe.maxMillis + " ms",
                    leaveProbe.maxOpenFiles);
            table.print(out);
        } finally {
            server.destroy();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static long count(Map<String, AtomicLong> outcome, String key) {
        AtomicLong n = outcome.get(key);
        return n == null ? 0 : n.get();
    }

    private static String kinds(Probe probe) {
        return probe.failureKinds.isEmpty() ? "" : " (" + String.join(", ", probe.failureKinds.stream().distinct().toList()) + ")";
    }

    /** Opens one SSE stream; returns "200" (and keeps the socket), "429", "503", another status, or "failed". */
    private static String openStream(InetSocketAddress address, String token, List<Socket> held) {
        Socket s = new Socket();
        try {
            s.connect(address, (int) PROBE_TIMEOUT.toMillis());
            s.setSoTimeout((int) TimeUnit.SECONDS.toMillis(30));
            s.getOutputStream().write(("GET /api/v1/notifications/sse/stream HTTP/1.1\r\nHost: x\r\n"
                    + "Accept: text/event-stream\r\nAuthorization: Bearer " + token + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String head = readUntil(s.getInputStream(), "\r\n\r\n");
            String status = head.length() >= 12 ? head.substring(9, 12) : "failed";
            if (status.equals("200")) {
                readUntil(s.getInputStream(), "connection_established");
                held.add(s);
            } else {
                s.close();
            }
            return status;
        } catch (IOException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
            return "failed";
        }
    }

    private static String readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            seen.write(b);
            if (seen.size() >= marker.length() && seen.toString(StandardCharsets.ISO_8859_1).endsWith(marker)) {
                return seen.toString(StandardCharsets.ISO_8859_1);
            }
        }
        throw new IOException("ended before " + marker.strip());
    }

    /**
     * Probes {@code GET /health} every 100 ms, each time on a new connection (as a load balancer's
     * health check or a new user would), with a 5-s bound on connecting and on the answer.
     */
    private static ScheduledExecutorService probe(HttpClient http, InetSocketAddress address, long pid, Probe probe) {
        ScheduledExecutorService prober = Executors.newSingleThreadScheduledExecutor();
        prober.scheduleWithFixedDelay(() -> {
            long start = System.nanoTime();
            try (Socket s = new Socket()) {
                s.connect(address, (int) PROBE_TIMEOUT.toMillis());
                s.setSoTimeout((int) PROBE_TIMEOUT.toMillis());
                s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                String head = readUntil(s.getInputStream(), "\r\n");
                if (!head.startsWith("HTTP/1.1 200")) {
                    probe.failures.incrementAndGet();
                    probe.failureKinds.add("status " + head.strip());
                }
            } catch (IOException e) {
                probe.failures.incrementAndGet();
                probe.failureKinds.add(e.getClass().getSimpleName());
            }
            probe.probes.incrementAndGet();
            probe.maxMillis.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), Math::max);
            probe.maxOpenFiles.accumulateAndGet(Machine.openFiles(pid), Math::max);
        }, 0, 100, TimeUnit.MILLISECONDS);
        return prober;
    }

    private static void stop(ScheduledExecutorService prober) throws InterruptedException {
        prober.shutdown();
        prober.awaitTermination(30, TimeUnit.SECONDS);
    }

    private static int openStreams(HttpClient http, InetSocketAddress address) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + address.getPort()
                    + "/health")).timeout(PROBE_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
            String body = r.body();
            int at = body.indexOf("\"open_streams\":");
            if (at < 0) {
                return -1;
            }
            int end = at + 15;
            while (end < body.length() && Character.isDigit(body.charAt(end))) {
                end++;
            }
            return Integer.parseInt(body.substring(at + 15, end));
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
