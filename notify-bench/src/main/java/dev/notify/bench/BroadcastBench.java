package dev.notify.bench;

import java.io.BufferedReader;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * (3) Broadcast fan-out: N users hold one SSE stream each and are all members of one topic;
 * broadcasts to the topic are POSTed at a fixed rate (open loop). Latency is from a broadcast's
 * scheduled time to each frame's arrival. Run twice in one command on the same server: without,
 * then with one slow reader (a plain socket with a tiny receive buffer that reads a few bytes
 * per second), and compare the normal readers' p99.
 */
final class BroadcastBench {
    static final String TOPIC = "bench-all";

    record Phase(String name, int broadcasts, int postErrors, long expected, long received, long lost, long duplicates,
                 Histogram latency, double deliveriesPerSecond, double clientCpuPercent, double serverCpuPercent,
                 String slowReader) {
    }

    private BroadcastBench() {
    }

    static List<Phase> run(Args args, PrintStream out) throws Exception {
        int users = args.integer("users", 10_000);
        int rate = args.integer("rate", 2);
        int broadcasts = args.integer("broadcasts", 300);
        int slowBytesPerSecond = args.integer("slow-bytes", 16);
        // e.g. --phases=without,with,without: a second plain phase after the slow one shows drift (warm-up).
        String[] order = args.get("phases", "without,with").split(",");
        int phaseCount = order.length;
        AtomicLongArray scheduled = new AtomicLongArray(phaseCount * broadcasts + 1);
        // seen[user * (P*M) + k]: byte per (stream, broadcast), so loss and duplicates are exact.
        byte[] seen = new byte[users * phaseCount * broadcasts];
        AtomicLong received = new AtomicLong();
        AtomicLong duplicates = new AtomicLong();
        AtomicLong lastReceipt = new AtomicLong();
        Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(120), 3);
        List<Phase> phases = new ArrayList<>();
        // The first failed broadcast's status and body (or exception) in this run, printed after the table.
        AtomicReference<String> firstError = new AtomicReference<>();
        try (Server server = Server.start(args);
             SseClients clients = new SseClients(server.target.address, EndToEndBench.sources(args.integer("sources", 1)),
                     (conn, line) -> {
                         int k = line.startsWith("data: ")
                                 ? EndToEndBench.broadcastId(line, line.indexOf(EndToEndBench.ID_MARK)) : -1;
                         if (k < 0) {
                             return;
                         }
                         long now = System.nanoTime();
                         int slot = conn * phaseCount * broadcasts + k;
                         if (seen[slot]++ > 0) {
                             duplicates.incrementAndGet();
                             return;
                         }
                         received.incrementAndGet();
                         lastReceipt.set(now);
                         recorder.recordValue(Math.max(0, now - scheduled.get(k)));
                     })) {
            TargetServer target = server.target;
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            String publisher = "Bearer " + target.publisherToken();
            long t0 = System.nanoTime();
            // Members: the N readers and the slow reader (a member in both phases, so both store the same rows).
            Semaphore inFlight = new Semaphore(64);
            AtomicInteger putErrors = new AtomicInteger();
            for (int u = 0; u <= users; u++) {
                String user = u == users ? "slow" : "u" + u;
                inFlight.acquire();
                http.sendAsync(HttpRequest.newBuilder(URI.create(target.baseUrl() + "/api/v1/topics/" + TOPIC
                                        + "/members/" + user)).header("Authorization", publisher)
                                .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding())
                        .whenComplete((r, e) -> {
                            inFlight.release();
                            if (e != null || r.statusCode() != 204) {
                                putErrors.incrementAndGet();
                            }
                        });
            }
            inFlight.acquire(64);
            inFlight.release(64);
            if (putErrors.get() > 0) {
                throw new IllegalStateException(putErrors.get() + " topic subscriptions failed");
            }
            out.printf(Locale.ROOT, "%d members in %d ms%n", users + 1,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            EndToEndBench.openStreams(clients, target, users, out);
            URI create = URI.create(target.baseUrl() + "/api/v1/notifications");
            if (!args.flag("no-warmup")) {
                int w = args.integer("warmup", Math.min(broadcasts, Math.max(5, rate * 5)));
                send(http, create, publisher, rate, w, -1, null, new AtomicInteger(), firstError);
                Thread.sleep(2000);
                out.printf(Locale.ROOT, "warm-up: %d broadcasts%n", w);
            }
            for (int phase = 0; phase < phaseCount; phase++) {
                boolean withSlow = order[phase].trim().equals("with");
                SlowReader slow = withSlow ? new SlowReader(target, slowBytesPerSecond) : null;
                if (slow != null) {
                    slow.awaitGreeting(Duration.ofSeconds(10));
                }
                int first = phase * broadcasts;
                recorder.getIntervalHistogram(); // reset
                long receivedBefore = received.get();
                long dupBefore = duplicates.get();
                AtomicInteger postErrors = new AtomicInteger();
                long cpu0 = Machine.processCpuNanos();
                long serverCpu0 = server.pid > 0 ? Machine.processCpuNanos(server.pid) : 0;
                long start = System.nanoTime();
                AtomicInteger pending = new AtomicInteger();
                send(http, create, publisher, rate, broadcasts, first, scheduled, postErrors, pending, firstError);
                long drain = System.nanoTime() + TimeUnit.SECONDS.toNanos(args.integer("drain", 30));
                while ((pending.get() > 0 || received.get() - receivedBefore < (long) users
                        * (broadcasts - postErrors.get())) && System.nanoTime() < drain) {
                    Thread.sleep(10);
                }
                long end = Math.max(lastReceipt.get(), start + 1);
                long cpu = Machine.processCpuNanos() - cpu0;
                long serverCpu = server.pid > 0 ? Machine.cpuDelta(serverCpu0, Machine.processCpuNanos(server.pid)) : -1;
                long wall = System.nanoTime() - start;
                Thread.sleep(200); // late duplicates, if any
                long got = received.get() - receivedBefore;
                long expected = (long) users * (broadcasts - postErrors.get());
                Histogram h = recorder.getIntervalHistogram();
                String slowResult = slow == null ? "none" : slow.finish(first, broadcasts, scheduled, start);
                phases.add(new Phase(withSlow ? "with slow reader" : "without slow reader", broadcasts,
                        postErrors.get(), expected, got, expected - got, duplicates.get() - dupBefore, h,
                        got / ((end - start) / 1e9), 100.0 * cpu / wall,
                        serverCpu < 0 ? -1 : 100.0 * serverCpu / wall, slowResult));
                out.printf(Locale.ROOT, "%s: received %d of %d, p99 %.1f ms; slow reader: %s%n",
                        phases.get(phase).name(), got, expected, h.getValueAtPercentile(99) / 1e6, slowResult);
            }
            if (clients.closed.get() > 0 || clients.errors.get() > 0) {
                out.printf("stream problems among normal readers: %d closed, %d errors%n", clients.closed.get(),
                        clients.errors.get());
            }
            Table t = new Table("Broadcast fan-out: " + users + " SSE members of one topic, " + broadcasts
                    + " broadcasts at " + rate + "/s per phase (phases " + String.join(", ", order) + "), db " + args.get("db", "h2") + ", "
                    + server.describe(), "phase", "broadcasts", "POST errors", "deliveries expected", "received",
                    "lost", "dup", "deliveries/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "load-gen CPU",
                    "server CPU", "slow reader");
            for (Phase p : phases) {
                Histogram h = p.latency();
                t.row(p.name(), p.broadcasts(), p.postErrors(), p.expected(), p.received(), p.lost(), p.duplicates(),
                        String.format(Locale.ROOT, "%.0f", p.deliveriesPerSecond()),
                        EndToEndBench.ms(h.getValueAtPercentile(50)), EndToEndBench.ms(h.getValueAtPercentile(99)),
                        EndToEndBench.ms(h.getValueAtPercentile(99.9)), EndToEndBench.ms(h.getMaxValue()),
                        String.format(Locale.ROOT, "%.0f%% of a core%s", p.clientCpuPercent(),
                                server.pid > 0 ? "" : " (incl. server)"),
                        p.serverCpuPercent() < 0 ? (server.pid > 0 ? Machine.cpuNotMeasured(server.pid) : "(same JVM)")
                                : String.format(Locale.ROOT, "%.0f%% of a core", p.serverCpuPercent()),
                        p.slowReader());
            }
            Phase with = phases.stream().filter(p -> p.name().startsWith("with ")).findFirst().orElse(null);
            if (with != null) {
                for (Phase p : phases) {
                    if (p.name().startsWith("without")) {
                        t.row("p99 with / without (phase " + (phases.indexOf(p) + 1) + ")", "", "", "", "", "", "", "",
                                "", String.format(Locale.ROOT, "%.2fx", (double) with.latency().getValueAtPercentile(99)
                                        / Math.max(1, p.latency().getValueAtPercentile(99))), "", "", "", "", "");
                    }
                }
            }
            t.print(out);
            if (firstError.get() != null) {
                out.println("first failed broadcast: " + firstError.get());
            }
        }
        return phases;
    }

    /** Open loop: broadcast k is due at t0 + k/rate; its latency clock starts then. */
    private static void send(HttpClient http, URI create, String publisher, int rate, int n, int firstId,
                             AtomicLongArray scheduled, AtomicInteger errors, AtomicReference<String> firstError)
            throws InterruptedException {
        AtomicInteger pending = new AtomicInteger();
        send(http, create, publisher, rate, n, firstId, scheduled, errors, pending, firstError);
        while (pending.get() > 0) {
            Thread.sleep(10);
        }
    }

    private static void send(HttpClient http, URI create, String publisher, int rate, int n, int firstId,
                             AtomicLongArray scheduled, AtomicInteger errors, AtomicInteger pending,
                             AtomicReference<String> firstError) {
        long t0 = System.nanoTime();
        double interval = 1e9 / rate;
        for (int i = 0; i < n; i++) {
            long due = t0 + (long) (i * interval);
            long wait = due - System.nanoTime();
            if (wait > 200_000) {
                LockSupport.parkNanos(wait);
            }
            String title = firstId >= 0 ? "b:" + (firstId + i) : "warmup";
            if (scheduled != null) {
                scheduled.set(firstId + i, due);
            }
            String body = "{\"topic\":\"" + TOPIC + "\",\"type\":\"bench\",\"title\":\"" + title
                    + "\",\"message\":\"The service will be down for maintenance on Sunday from 02:00 to 03:00 UTC.\"}";
            pending.incrementAndGet();
            http.sendAsync(HttpRequest.newBuilder(create).header("Authorization", publisher)
                            .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
                        pending.decrementAndGet();
                        if (e != null || r.statusCode() / 100 != 2) {
                            if (errors.getAndIncrement() == 0) {
                                firstError.compareAndSet(null, e != null ? e.toString()
                                        : r.statusCode() + " " + r.body());
                            }
                        }
                    });
        }
    }

    /**
     * One SSE stream read a few bytes per second through a socket with a tiny receive buffer, so
     * its TCP buffers fill and the server's per-connection queue overflows. Afterwards it reads
     * the rest quickly: an end of stream means the server closed it, and the last broadcast read
     * before it says when.
     */
    static final class SlowReader {
        private final Socket socket;
        private final InputStream in;
        private final StringBuilder text = new StringBuilder();
        private final Thread thread;
        private volatile boolean fast;
        private volatile boolean eof;
        private volatile boolean greeted;
        private volatile String error;

        SlowReader(TargetServer target, int bytesPerSecond) throws IOException {
            socket = new Socket();
            socket.setReceiveBufferSize(1024);
            socket.connect(new InetSocketAddress(target.address.getHostString(), target.address.getPort()), 5000);
            socket.setSoTimeout(1000);
            OutputStream o = socket.getOutputStream();
            o.write(("GET /api/v1/notifications/sse/stream?token=" + target.userToken("slow") + " HTTP/1.1\r\nHost: "
                    + target.address.getHostString() + "\r\nAccept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            o.flush();
            in = socket.getInputStream();
            thread = new Thread(() -> {
                byte[] b = new byte[8192];
                try {
                    while (true) {
                        int n;
                        try {
                            n = in.read(b, 0, fast || !greeted ? b.length : Math.max(1, bytesPerSecond / 4));
                        } catch (java.net.SocketTimeoutException e) {
                            if (fast) {
                                return; // drained, and still open
                            }
                            continue;
                        }
                        if (n < 0) {
                            eof = true;
                            return;
                        }
                        synchronized (text) {
                            text.append(new String(b, 0, n, StandardCharsets.ISO_8859_1));
                            if (!greeted && text.indexOf("connection_established") >= 0) {
                                greeted = true;
                            }
                        }
                        if (!fast && greeted) {
                            Thread.sleep(250);
                        }
                    }
                } catch (IOException e) {
                    error = e.toString();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "slow-reader");
            thread.setDaemon(true);
            thread.start();
        }

        void awaitGreeting(Duration max) throws InterruptedException {
            long deadline = System.nanoTime() + max.toNanos();
            while (!greeted && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            if (!greeted) {
                throw new IllegalStateException("the slow reader's stream did not open");
            }
        }

        /** Reads the rest quickly (up to 10 s) and says whether and after which broadcast the server closed it. */
        String finish(int first, int n, AtomicLongArray scheduled, long phaseStart) throws InterruptedException {
            int slowlyRead;
            synchronized (text) {
                slowlyRead = text.length();
            }
            fast = true;
            thread.join(30_000);
            boolean closed = eof || error != null;
            int count = 0;
            int last = -1;
            synchronized (text) {
                for (int at = text.indexOf(EndToEndBench.ID_MARK); at >= 0;
                     at = text.indexOf(EndToEndBench.ID_MARK, at + 1)) {
                    int k = EndToEndBench.broadcastId(text, at);
                    if (k >= first && k < first + n) {
                        count++;
                        last = Math.max(last, k);
                    }
                }
            }
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            if (!closed) {
                return String.format(Locale.ROOT, "not closed; read %d B slowly, %d of %d broadcasts in all", slowlyRead,
                        count, n);
            }
            String when = last < 0 ? "before any broadcast"
                    : String.format(Locale.ROOT, "after broadcast %d (sent at %.1f s)", last - first + 1,
                    (scheduled.get(last) - phaseStart) / 1e9);
            return String.format(Locale.ROOT, "closed by the server %s; %d of %d broadcasts had reached it%s", when,
                    count, n, error != null ? " (" + error + ")" : "");
        }
    }

    /** The server under test: its own JVM (default), an already running one ({@code --url}), or this JVM ({@code --server=in-process}). */
    static final class Server implements AutoCloseable {
        final TargetServer target;
        final long pid;
        private final Process process;
        private final String flags;

        private Server(TargetServer target, long pid, Process process, String flags) {
            this.target = target;
            this.pid = pid;
            this.process = process;
            this.flags = flags;
        }

        static Server start(Args args) throws Exception {
            if (args.get("url", null) != null) {
                return new Server(TargetServer.from(args), Long.parseLong(args.get("server-pid", "-1")), null, null);
            }
            if (args.get("server", "process").equals("in-process")) {
                return new Server(TargetServer.from(args), -1, null, null);
            }
            String flags = args.get("server-flags", "-Xmx2g");
            List<String> cmd = new ArrayList<>();
            cmd.add(args.get("server-java", IdleBench.Path.javaBinary()));
            for (String f : flags.split(" ")) {
                if (!f.isBlank()) {
                    cmd.add(f);
                }
            }
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Bench.class.getName(), "server",
                    "--heartbeat=30", "--db=" + args.get("db", "h2")));
            if (args.get("pg-url", null) != null) {
                cmd.add("--pg-url=" + args.get("pg-url", null));
            }
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String hello = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
            if (hello == null || !hello.startsWith("port=")) {
                p.destroy();
                throw new IllegalStateException("server did not start: " + hello);
            }
            int port = Integer.parseInt(hello.substring(5).split(" ")[0]);
            long pid = Long.parseLong(hello.split("pid=")[1].trim());
            Args remote = new Args(new String[] {"--url=http://127.0.0.1:" + port}, 0);
            return new Server(TargetServer.from(remote), pid, p, flags);
        }

        String describe() {
            return process != null ? "server in its own JVM (" + flags + ")"
                    : pid > 0 ? "server at " + target.baseUrl() : target.inProcess ? "server in the same JVM"
                    : "server at " + target.baseUrl() + " (CPU not measured: pass --server-pid)";
        }

        @Override
        public void close() throws InterruptedException {
            target.close();
            if (process != null) {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }
}
