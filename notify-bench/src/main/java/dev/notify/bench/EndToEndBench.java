package dev.notify.bench;

import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * (2) Personal notifications end to end: N users each hold one SSE stream; notifications are
 * POSTed to random users at a fixed rate (open loop: a request's start time is its scheduled
 * time, so a slow server shows up as latency instead of a slower sender); latency is from the
 * scheduled POST to the frame's arrival on the user's stream.
 */
final class EndToEndBench {
    record Step(int rate, int sent, int postErrors, int received, int lost, int duplicates, Histogram latency,
                double clientCpuPercent, double serverCpuPercent) {
    }

    private EndToEndBench() {
    }

    /**
     * Runs the steps against notify (in this JVM, or {@code --url}); with {@code --peer=node} then
     * the same steps against notify-bench/node's in-memory better-sse server, and a comparison.
     *
     * @return notify's steps
     */
    static List<Step> run(Args args, PrintStream out) throws Exception {
        String peer = args.get("peer", null);
        if (peer != null && !peer.equals("node")) {
            throw new IllegalArgumentException("--peer must be node, not '" + peer + "'");
        }
        List<Step> notify;
        try (TargetServer target = TargetServer.from(args)) {
            notify = run(args, out, target, Long.parseLong(args.get("server-pid", "-1")), "notify");
        }
        if (peer == null) {
            return notify;
        }
        try (NodePeer node = NodePeer.start(args);
             TargetServer target = TargetServer.at("http://127.0.0.1:" + node.port, args)) {
            List<Step> nodeSteps = run(args, out, target, node.pid, "Node better-sse (in memory, " + node.version + ")");
            compare(out, notify, nodeSteps, args.integer("users", 2000));
        }
        return notify;
    }

    /** The two sides' p99 per rate, and the highest rate each held at p99 ≤ 50 ms with nothing lost. */
    private static void compare(PrintStream out, List<Step> notify, List<Step> node, int users) {
        Table t = new Table("Side by side, " + users + " SSE users: notify (stores every notification) and Node"
                + " better-sse (in memory)", "rate/s", "notify p99 ms", "notify lost + POST errors", "Node p99 ms",
                "Node lost + POST errors");
        for (int i = 0; i < Math.min(notify.size(), node.size()); i++) {
            Step a = notify.get(i);
            Step b = node.get(i);
            t.row(a.rate(), ms(a.latency().getValueAtPercentile(99)), a.lost() + a.postErrors(),
                    ms(b.latency().getValueAtPercentile(99)), b.lost() + b.postErrors());
        }
        t.print(out);
        out.printf(Locale.ROOT, "highest rate held at p99 <= 50 ms with nothing lost: notify %s, Node %s%n",
                held(notify), held(node));
    }

    private static String held(List<Step> steps) {
        int best = -1;
        for (Step s : steps) {
            if (s.lost() == 0 && s.postErrors() == 0 && s.latency().getValueAtPercentile(99) <= 50_000_000L) {
                best = Math.max(best, s.rate());
            }
        }
        return best < 0 ? "none of the steps" : best + "/s";
    }

    private static List<Step> run(Args args, PrintStream out, TargetServer target, long serverPid, String serverName)
            throws Exception {
        int users = args.integer("users", 2000);
        int seconds = args.integer("seconds", 10);
        List<Integer> rates = new ArrayList<>();
        for (String r : args.get("rates", "500,1000,2000,3000").split(",")) {
            rates.add(Integer.parseInt(r.trim()));
        }
        int totalMax = rates.stream().mapToInt(r -> r * seconds).sum();
        AtomicLongArray scheduled = new AtomicLongArray(totalMax);
        byte[] seen = new byte[totalMax];
        AtomicInteger duplicates = new AtomicInteger();
        AtomicInteger received = new AtomicInteger();
        Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);

        List<Step> steps = new ArrayList<>();
        // POSTs answered 429: a send limit counted among the POST errors would pass for a slow server.
        AtomicInteger rateLimited = new AtomicInteger();
        try (SseClients clients = new SseClients(target.address, sources(args.integer("sources", 1)),
                     (conn, line) -> {
                         int k = line.startsWith("data:") ? broadcastId(line, line.indexOf(ID_MARK)) : -1;
                         if (k < 0) {
                             return;
                         }
                         long now = System.nanoTime();
                         if (seen[k]++ > 0) {
                             duplicates.incrementAndGet();
                             return;
                         }
                         received.incrementAndGet();
                         recorder.recordValue(Math.max(0, now - scheduled.get(k)));
                     })) {
            openStreams(clients, target, users, out);

            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            String publisher = "Bearer " + target.publisherToken();
            URI create = URI.create(target.baseUrl() + "/api/v1/notifications");
            SplittableRandom random = new SplittableRandom(42);
            int next = 0;
            boolean noWarmup = args.flag("no-warmup");
            if (!noWarmup) {
                // Warm-up: JIT both sides at a modest rate; not reported.
                send(http, create, publisher, users, random, Math.min(rates.get(0), 500), Math.min(seconds, 3),
                        -1, null, new AtomicInteger(), rateLimited, new AtomicInteger());
            }
            for (int rate : rates) {
                int n = rate * seconds;
                recorder.getIntervalHistogram(); // reset
                int receivedBefore = received.get();
                int dupBefore = duplicates.get();
                AtomicInteger postErrors = new AtomicInteger();
                AtomicInteger inFlight = new AtomicInteger();
                long cpu0 = Machine.processCpuNanos();
                long serverCpu0 = serverPid > 0 ? Machine.processCpuNanos(serverPid) : 0;
                long t0 = System.nanoTime();
                send(http, create, publisher, users, random, rate, seconds, next, scheduled, postErrors, rateLimited,
                        inFlight);
                long wall = System.nanoTime() - t0;
                long cpu = Machine.processCpuNanos() - cpu0;
                long serverCpu = serverPid > 0 ? Machine.cpuDelta(serverCpu0, Machine.processCpuNanos(serverPid)) : -1;
                long drain = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while ((inFlight.get() > 0 || received.get() - receivedBefore < n - postErrors.get())
                        && System.nanoTime() < drain) {
                    Thread.sleep(10);
                }
                Thread.sleep(200); // late duplicates, if any
                int got = received.get() - receivedBefore;
                Histogram h = recorder.getIntervalHistogram();
                steps.add(new Step(rate, n, postErrors.get(), got, n - postErrors.get() - got,
                        duplicates.get() - dupBefore, h, 100.0 * cpu / wall,
                        serverCpu < 0 ? -1 : 100.0 * serverCpu / wall));
                next += n;
                out.printf(Locale.ROOT, "rate %d/s: received %d of %d, p99 %.1f ms%n", rate, got, n,
                        h.getValueAtPercentile(99) / 1e6);
            }
            if (rateLimited.get() > 0) {
                out.printf("%d POST errors were 429 rate_limited: the server's send limit, not its capacity"
                        + " (a notify-bench server: --send-limit=0; another: NOTIFY_LIMIT_SENDS_PER_SECOND=0)%n", rateLimited.get());
            }
            if (clients.closed.get() > 0 || clients.errors.get() > 0) {
                out.printf("stream problems: %d closed, %d errors%n", clients.closed.get(), clients.errors.get());
            }
            Table t = new Table(serverName + ": personal notifications end to end, " + users + " SSE users, " + seconds
                    + " s per step, db " + args.get("db", "h2") + (target.inProcess ? ", server in the same JVM"
                    : ", server at " + target.baseUrl()),
                    "rate/s", "sent", "POST errors", "received", "lost", "dup", "p50 ms", "p99 ms", "p99.9 ms",
                    "max ms", "load-gen CPU", "server CPU");
            for (Step s : steps) {
                Histogram h = s.latency();
                t.row(s.rate(), s.sent(), s.postErrors(), s.received(), s.lost(), s.duplicates(),
                        ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)),
                        ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()),
                        String.format(Locale.ROOT, "%.0f%% of a core%s", s.clientCpuPercent(),
                                target.inProcess ? " (incl. server)" : ""),
                        s.serverCpuPercent() < 0 ? (serverPid > 0 ? Machine.cpuNotMeasured(serverPid)
                                : "not measured (pass --server-pid)")
                                : String.format(Locale.ROOT, "%.0f%% of a core", s.serverCpuPercent()));
            }
            t.print(out);
        }
        return steps;
    }

    /** Open-loop sender: message k is due at t0 + k/rate and its latency clock starts then. */
    private static void send(HttpClient http, URI create, String publisher, int users, SplittableRandom random,
                             int rate, int seconds, int firstId, AtomicLongArray scheduled, AtomicInteger errors,
                             AtomicInteger rateLimited, AtomicInteger inFlight) throws InterruptedException {
        int n = rate * seconds;
        long t0 = System.nanoTime();
        double interval = 1e9 / rate;
        for (int i = 0; i < n; i++) {
            long due = t0 + (long) (i * interval);
            long wait = due - System.nanoTime();
            if (wait > 200_000) {
                LockSupport.parkNanos(wait);
            }
            int user = random.nextInt(users);
            String title = firstId >= 0 ? "b:" + (firstId + i) : "warmup";
            if (scheduled != null) {
                scheduled.set(firstId + i, due);
            }
            String body = "{\"recipient\":\"u" + user + "\",\"type\":\"bench\",\"title\":\"" + title
                    + "\",\"message\":\"Your order has shipped and arrives on Thursday.\"}";
            HttpRequest req = HttpRequest.newBuilder(create).header("Authorization", publisher)
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            inFlight.incrementAndGet();
            http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
                inFlight.decrementAndGet();
                if (e != null || r.statusCode() / 100 != 2) {
                    errors.incrementAndGet();
                    if (e == null && r.statusCode() == 429) {
                        rateLimited.incrementAndGet();
                    }
                }
            });
        }
        while (firstId < 0 && inFlight.get() > 0) {
            Thread.sleep(10);
        }
    }

    /** Marks a numbered notification in a frame: its title is {@code b:<id>}. */
    static final String ID_MARK = "\"title\":\"b:";

    /** The id after {@link #ID_MARK} found at {@code at} in {@code text}, or -1 when {@code at < 0}. */
    static int broadcastId(CharSequence text, int at) {
        if (at < 0) {
            return -1;
        }
        int k = 0;
        for (int i = at + ID_MARK.length(); i < text.length() && Character.isDigit(text.charAt(i)); i++) {
            k = k * 10 + (text.charAt(i) - '0');
        }
        return k;
    }

    /**
     * Opens one SSE stream per user {@code u0..u(users-1)}, waits up to 30 s + users/500 s for all
     * of them, throws if any is missing and prints how long it took.
     */
    static void openStreams(SseClients clients, TargetServer target, int users, PrintStream out)
            throws InterruptedException {
        long openStart = System.nanoTime();
        for (int u = 0; u < users; u++) {
            clients.open("/api/v1/notifications/sse/stream?token=" + target.userToken("u" + u));
            clients.throttle(200);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30 + users / 500);
        while (clients.established.get() < users && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        if (clients.established.get() < users) {
            throw new IllegalStateException("only " + clients.established.get() + " of " + users
                    + " streams opened (" + clients.errors.get() + " errors)");
        }
        out.printf(Locale.ROOT, "%d streams open in %d ms%n", users,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - openStart));
    }

    static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1e6);
    }

    static List<InetAddress> sources(int count) throws java.net.UnknownHostException {
        List<InetAddress> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(InetAddress.getByName("127.0.0." + (i + 1)));
        }
        return list;
    }
}
