package dev.notify.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.notify.javalin.JwtAuthenticator;
import dev.notify.outbox.OutboxSettings;
import dev.notify.server.NotifyServer;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Crash runs: the standalone server in child JVMs on one database, notifications POSTed over
 * HTTP (each with email, delivered to a GreenMail SMTP server in this JVM), the server
 * {@code kill -9}ed while sends and deliveries are under way, restarted on the same data
 * directory or database, and everything counted at the end.
 *
 * <p>Senders behave like a careful client: every notification has its own idempotency key, and
 * a POST that got no answer (the server died under it) is sent again with the same key until it
 * is answered. So at the end each of the {@code notifications} must be stored exactly once, and
 * each must have reached SMTP at least once. A duplicate is a second receipt of the same
 * {@code Message-ID} (one per outbox row). Between kills the run waits until every notification
 * acknowledged before the restart has been delivered. A duplicate counts against a crash when it
 * arrived after that kill for a row first received between the previous kill and this one (the
 * receipts per Message-ID are noted at each kill); other repeats are reported apart. The run ends
 * only when the outbox holds nothing but delivered rows.
 *
 * <p>With {@code --nodes=2} (PostgreSQL only) both nodes take sends; node 1 is the one killed.
 * It is restarted after every kill but the last: after the last, node 2 alone delivers what is
 * left, including node 1's claimed rows once their lease has passed.
 */
final class CrashBench {
    /**
     * Most emails sent again after one crash, as the outbox records outcomes today: a worker
     * claims up to {@link OutboxSettings#DEFAULT_BATCH_SIZE} rows, sends them all, then records
     * their outcomes in one transaction, so a kill can lose the outcome of every row of every
     * worker's batch: {@link OutboxSettings#DEFAULT_WORKERS} x {@link OutboxSettings#DEFAULT_BATCH_SIZE}
     * per killed node.
     */
    static final int DUPLICATES_PER_CRASH_BOUND = OutboxSettings.DEFAULT_WORKERS * OutboxSettings.DEFAULT_BATCH_SIZE;

    static final String DEFAULT_PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    private static final String SECRET = "notify-crash-secret-notify-crash-secret-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What happened at one kill. */
    /**
     * What happened at one kill.
     *
     * @param duplicates          receipts after this kill of Message-IDs first received between the
     *                            previous kill and this one: rows the killed process had sent but not
     *                            yet recorded as delivered
     * @param resentWithinSeconds from the kill to the last of those receipts (whole seconds, as
     *                            GreenMail's {@code Received} header has them); 0 without duplicates
     */
    record Crash(int index, int acknowledgedBefore, int exitStatus, double restartSeconds, double caughtUpSeconds,
                 int duplicates, long resentWithinSeconds) {
    }

    /**
     * The counts of one run.
     *
     * @param missingAcknowledged acknowledged notifications not in the store at the end (must be 0)
     * @param storedTwice         notifications stored more than once (must be 0)
     * @param undelivered         stored notifications whose email never reached SMTP (must be 0)
     * @param strayEmails         emails whose subject names no stored notification (must be 0)
     * @param messageIdsShared    notifications whose emails carried more than one Message-ID (must be 0)
     * @param duplicatesWithoutCrash repeats not caused by a kill: a live worker's batch outlived its
     *                            lease (the lease is not renewed) and another worker sent the rows again
     */
    record Result(String db, int nodes, int notifications, int acknowledged, int posts, int stored,
                  int missingAcknowledged, int storedTwice, int emailsReceived, int distinctMessageIds,
                  int undelivered, int strayEmails, int messageIdsShared, int duplicates, int duplicatesWithoutCrash,
                  List<Crash> crashes,
                  double seconds) {
        int maxDuplicatesPerCrash() {
            return crashes.stream().mapToInt(Crash::duplicates).max().orElse(0);
        }
    }

    private final String db;
    private final int nodes;
    private final int notifications;
    private final int kills;
    private final int senders;
    private final int users;
    private final int leaseSeconds;
    private final String pgUrl;
    private final List<String> serverFlags;
    private final Duration deliveryBound;
    private final String h2WriteDelay;
    private final Path work;
    private final JwtAuthenticator tokens = JwtAuthenticator.hs256(SECRET);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private final ServerProcess[] running;
    private final Map<String, String>[] envs;
    private final GreenMail smtp;
    private final AtomicInteger nextToSend = new AtomicInteger();
    private final Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
    /** Set when a wait timed out: the nodes' logs then stay for a reader. */
    private volatile boolean keepLogs;
    private final AtomicInteger posts = new AtomicInteger();
    private final AtomicLong roundRobin = new AtomicLong();
    private volatile boolean stop;
    private String schema;

    @SuppressWarnings("unchecked")
    private CrashBench(Args a) throws IOException {
        db = a.get("db", "h2");
        nodes = a.integer("nodes", 1);
        notifications = a.integer("notifications", 2000);
        kills = a.integer("kills", 3);
        senders = a.integer("senders", 4);
        users = a.integer("users", 20);
        leaseSeconds = a.integer("lease", 30);
        pgUrl = a.get("pg-url", System.getenv().getOrDefault("NOTIFY_TEST_PG_URL", DEFAULT_PG_URL));
        serverFlags = Arrays.asList(a.get("server-flags", "-Xmx256m -XX:TieredStopAtLevel=1").trim().split("\\s+"));
        deliveryBound = Duration.ofSeconds(a.integer("delivery-timeout", 180));
        h2WriteDelay = a.get("h2-write-delay", null);
        if (!db.equals("h2") && !db.equals("pg")) {
            throw new IllegalArgumentException("--db must be h2 or pg but was " + db);
        }
        if (nodes < 1 || nodes > 2 || (nodes == 2 && db.equals("h2"))) {
            throw new IllegalArgumentException("--nodes must be 1, or 2 with --db=pg, but was " + nodes);
        }
        if (kills < 1 || notifications < kills + 1) {
            throw new IllegalArgumentException("need --kills >= 1 and --notifications > --kills");
        }
        work = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "notify-crash");
        running = new ServerProcess[nodes];
        envs = new Map[nodes];
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
    }

    static Result run(Args a, PrintStream out) throws Exception {
        CrashBench bench = new CrashBench(a);
        try {
            Result r = bench.run();
            print(r, bench, out);
            return r;
        } finally {
            bench.cleanUp();
        }
    }

    private Result run() throws Exception {
        long started = System.nanoTime();
        smtp.start();
        String dbUrl = null;
        if (db.equals("pg")) {
            schema = "crash_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            execute(pgUrl, "CREATE SCHEMA " + schema);
            dbUrl = pgUrl + (pgUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        }
        for (int i = 0; i < nodes; i++) {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("NOTIFY_PORT", "0");
            env.put("NOTIFY_HOST", "127.0.0.1");
            env.put("NOTIFY_DATA_DIR", work.resolve("node-" + (i + 1)).toString());
            env.put("NOTIFY_JWT_SECRET", SECRET);
            env.put("NOTIFY_HEARTBEAT_SECONDS", "30");
            env.put(NotifyServer.OUTBOX_LEASE_SECONDS, Integer.toString(leaseSeconds));
            env.put("EMAIL_HOST", "127.0.0.1");
            env.put("EMAIL_PORT", Integer.toString(smtp.getSmtp().getPort()));
            env.put("DEFAULT_FROM_EMAIL", "notify@example.test");
            if (dbUrl != null) {
                env.put("NOTIFY_DB_URL", dbUrl);
            } else if (h2WriteDelay != null) {
                // The default database's place, with H2's write delay chosen (e.g. 500, H2's own default).
                env.put("NOTIFY_DB_URL", "jdbc:h2:file:" + work.resolve("node-1").resolve("notify").toAbsolutePath()
                        + ";WRITE_DELAY=" + Integer.parseInt(h2WriteDelay));
            }
            envs[i] = env;
        }
        // Node 1 first, so that it alone migrates the schema.
        for (int i = 0; i < nodes; i++) {
            running[i] = startNode(i);
        }
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            Thread t = new Thread(this::sendLoop, "crash-sender-" + s);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        List<Map<String, Integer>> sentBefore = new ArrayList<>(); // Message-ID -> receipts, at each kill
        List<Long> killTimes = new ArrayList<>();
        List<int[]> partial = new ArrayList<>(); // acknowledged before, exit status
        List<double[]> timings = new ArrayList<>(); // restart s, caught up s
        for (int k = 1; k <= kills; k++) {
            int killAt = (int) ((long) notifications * k / (kills + 1));
            awaitUntil("acknowledged sends reach " + killAt, deliveryBound, () -> acknowledged.size() >= killAt);
            int ackedBefore = acknowledged.size();
            long killedAt = System.nanoTime();
            ServerProcess victim = running[0];
            running[0] = null;
            int exit = victim.kill();
            // Nothing the killed process sent can arrive any more: what SMTP holds now is this epoch's.
            killTimes.add(System.currentTimeMillis());
            Map<String, Integer> receipts = new HashMap<>();
            mail().receiptsById.forEach((id, times) -> receipts.put(id, times.size()));
            sentBefore.add(receipts);
            double restartSeconds = Double.NaN;
            boolean restart = nodes == 1 || k < kills;
            if (restart) {
                running[0] = startNode(0);
                restartSeconds = seconds(killedAt);
            }
            // Everything acknowledged so far reaches SMTP before the next kill: each crash hits a
            // server that has recovered from the previous one.
            // (A lost notification has no email: then the wait ends at its bound and the count shows the loss.)
            Set<String> due = titles(new HashSet<>(acknowledged));
            boolean caughtUp = awaitOrReport("the emails of " + due.size() + " acknowledged notifications after crash "
                    + k, () -> receivedSubjects().containsAll(due));
            partial.add(new int[] {ackedBefore, exit});
            timings.add(new double[] {restartSeconds, caughtUp ? seconds(killedAt) : Double.NaN});
        }
        awaitUntil("all " + notifications + " sends acknowledged", deliveryBound,
                () -> acknowledged.size() >= notifications);
        stop = true;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(60));
        }
        Map<String, Integer> stored = storedTitles();
        int storedTotal = stored.values().stream().mapToInt(Integer::intValue).sum();
        awaitOrReport("the emails of all " + stored.size() + " stored notifications",
                () -> receivedSubjects().containsAll(stored.keySet()));
        // Rows a killed process had sent without recording it are sent again once their lease has
        // passed: the count is final when the outbox holds nothing but delivered email rows.
        awaitOrReport("every email row delivered in the outbox", () -> outboxSettled(storedTotal));
        Mail mail = mail();
        int missing = 0;
        for (int seq : acknowledged) {
            if (!stored.containsKey(title(seq))) {
                missing++;
            }
        }
        int twice = (int) stored.values().stream().filter(c -> c > 1).count();
        int undelivered = 0;
        for (String t : stored.keySet()) {
            if (!mail.messageIdsBySubject.containsKey(t)) {
                undelivered++;
            }
        }
        int stray = 0;
        int shared = 0;
        for (Map.Entry<String, Set<String>> e : mail.messageIdsBySubject.entrySet()) {
            if (!stored.containsKey(e.getKey())) {
                stray++;
            }
            if (e.getValue().size() > 1) {
                shared++;
            }
        }
        List<Crash> crashes = new ArrayList<>();
        int afterCrashes = 0;
        for (int k = 0; k < kills; k++) {
            Set<String> epoch = new HashSet<>(sentBefore.get(k).keySet());
            if (k > 0) {
                epoch.removeAll(sentBefore.get(k - 1).keySet());
            }
            // Receipts after the kill of rows first sent before it: sent again because the process died.
            int duplicates = 0;
            long lastResent = 0;
            for (String id : epoch) {
                List<Long> times = mail.receiptsById.getOrDefault(id, List.of());
                int again = times.size() - sentBefore.get(k).get(id);
                if (again > 0) {
                    duplicates += again;
                    lastResent = Math.max(lastResent, java.util.Collections.max(times));
                }
            }
            afterCrashes += duplicates;
            long within = duplicates == 0 ? 0 : Math.max(0, (lastResent - killTimes.get(k) + 999) / 1000);
            crashes.add(new Crash(k + 1, partial.get(k)[0], partial.get(k)[1], timings.get(k)[0], timings.get(k)[1],
                    duplicates, within));
        }
        return new Result(db, nodes, notifications, acknowledged.size(), posts.get(), storedTotal, missing, twice,
                mail.received, mail.distinct, undelivered, stray, shared, mail.duplicates,
                mail.duplicates - afterCrashes, crashes, seconds(started));
    }

    private ServerProcess startNode(int i) throws IOException, InterruptedException {
        return ServerProcess.start(envs[i], serverFlags, work.resolve("node-" + (i + 1) + ".log"), 180);
    }

    // ---- senders ----

    private void sendLoop() {
        String publisher = tokens.issue("crash-publisher", Set.of("publish"), Duration.ofHours(6));
        while (!stop) {
            int seq = nextToSend.getAndIncrement();
            if (seq >= notifications) {
                return;
            }
            String user = "user-" + (seq % users);
            String body;
            try {
                body = JSON.writeValueAsString(Map.of("recipient", user, "title", title(seq), "message", "crash run",
                        "email", user + "@example.test", "idempotency_key", "crash-" + seq));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            // Until answered: a POST whose server died under it is sent again with the same key.
            while (!stop) {
                ServerProcess node = anyRunning();
                if (node == null) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                    continue;
                }
                posts.incrementAndGet();
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + node.port + "/api/v1/notifications"))
                            .timeout(Duration.ofSeconds(60))
                            .header("Authorization", "Bearer " + publisher)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 201 || r.statusCode() == 200) {
                        acknowledged.add(seq);
                        break;
                    }
                    if (r.statusCode() < 500) {
                        throw new IllegalStateException("POST " + seq + " answered " + r.statusCode() + ": " + r.body());
                    }
                } catch (IOException e) {
                    // the node died under the request: send again
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
    }

    private ServerProcess anyRunning() {
        int start = (int) (roundRobin.getAndIncrement() % nodes);
        for (int i = 0; i < nodes; i++) {
            ServerProcess p = running[(start + i) % nodes];
            if (p != null && p.alive()) {
                return p;
            }
        }
        return null;
    }

    private static String title(int seq) {
        return "crash " + seq;
    }

    private static Set<String> titles(Set<Integer> seqs) {
        Set<String> t = new HashSet<>();
        for (int s : seqs) {
            t.add(title(s));
        }
        return t;
    }

    // ---- counting ----

    /** Every user's inbox, read over HTTP from a running node: title -> how many times stored. */
    private Map<String, Integer> storedTitles() throws IOException, InterruptedException {
        ServerProcess node = anyRunning();
        if (node == null) {
            throw new IllegalStateException("no node running to count the store");
        }
        Map<String, Integer> counts = new HashMap<>();
        for (int u = 0; u < users; u++) {
            String token = tokens.issue("user-" + u, Set.of(), Duration.ofHours(1));
            String cursor = null;
            do {
                String url = "http://127.0.0.1:" + node.port + "/api/v1/notifications?limit=100"
                        + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("listing user-" + u + " answered " + r.statusCode() + ": " + r.body());
                }
                JsonNode page = JSON.readTree(r.body());
                for (JsonNode n : page.get("notifications")) {
                    counts.merge(n.get("title").asText(), 1, Integer::sum);
                }
                JsonNode next = page.get("next_cursor");
                cursor = page.path("has_more").asBoolean() && next != null && !next.isNull() ? next.asText() : null;
            } while (cursor != null);
        }
        return counts;
    }

    /** What SMTP received; receipt times (epoch ms, whole seconds) from GreenMail's {@code Received} header. */
    private record Mail(int received, int distinct, int duplicates, Map<String, Set<String>> messageIdsBySubject,
                        Map<String, List<Long>> receiptsById) {
    }

    private Mail mail() {
        MimeMessage[] messages = smtp.getReceivedMessages();
        Map<String, List<Long>> byId = new HashMap<>();
        Map<String, Set<String>> bySubject = new HashMap<>();
        try {
            for (MimeMessage m : messages) {
                String id = m.getMessageID();
                byId.computeIfAbsent(id, i -> new ArrayList<>()).add(receivedAt(m));
                bySubject.computeIfAbsent(m.getSubject(), s -> new HashSet<>()).add(id);
            }
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
        return new Mail(messages.length, byId.size(), messages.length - byId.size(), bySubject, byId);
    }

    /** GreenMail's {@code Received: from ...; Tue Dec 01 12:08:29 UTC 2026} (a {@link java.util.Date#toString()}). */
    private static long receivedAt(MimeMessage m) throws MessagingException {
        String[] received = m.getHeader("Received");
        if (received == null || received.length == 0) {
            return 0;
        }
        String value = received[0].replaceAll("\\s+", " ").trim();
        String date = value.substring(value.lastIndexOf(';') + 1).trim();
        try {
            return new java.text.SimpleDateFormat("EEE MMM dd HH:mm:ss zzz yyyy", java.util.Locale.US).parse(date)
                    .getTime();
        } catch (java.text.ParseException e) {
            return 0;
        }
    }

    /** The admin counts of a running node: every email row delivered, as many as notifications. */
    private boolean outboxSettled(int expected) throws IOException, InterruptedException {
        ServerProcess node = anyRunning();
        if (node == null) {
            return false;
        }
        String admin = tokens.issue("crash-admin", Set.of("admin"), Duration.ofHours(1));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + node.port + "/api/v1/admin/outbox/counts"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + admin).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("outbox counts answered " + r.statusCode() + ": " + r.body());
        }
        JsonNode email = JSON.readTree(r.body()).path("counts").path("email");
        long other = 0;
        for (var it = email.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getKey().equals("delivered")) {
                other += e.getValue().asLong();
            }
        }
        return other == 0 && email.path("delivered").asLong() == expected;
    }

    private Set<String> receivedSubjects() {
        Set<String> subjects = new HashSet<>();
        try {
            for (MimeMessage m : smtp.getReceivedMessages()) {
                subjects.add(m.getSubject());
            }
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
        return subjects;
    }

    private void awaitUntil(String what, Duration bound, java.util.concurrent.Callable<Boolean> condition) {
        try {
            // Each look reads every message GreenMail holds: once a second, not more.
            Awaitility.await(what).atMost(bound).pollInterval(Duration.ofSeconds(1)).until(condition);
        } catch (ConditionTimeoutException e) {
            StringBuilder logs = new StringBuilder();
            for (int i = 0; i < nodes; i++) {
                logs.append("\n--- node ").append(i + 1).append(" log ---\n")
                        .append(ServerProcess.tail(work.resolve("node-" + (i + 1) + ".log")));
            }
            keepLogs = true;
            throw new IllegalStateException("timed out waiting for " + what + " (acknowledged " + acknowledged.size()
                    + ", emails " + smtp.getReceivedMessages().length + "; the nodes' whole logs are kept in "
                    + work + ")" + logs, e);
        }
    }

    /** As {@link #awaitUntil}, but a timeout is reported on stderr and the run goes on to count. */
    private boolean awaitOrReport(String what, java.util.concurrent.Callable<Boolean> condition) {
        try {
            awaitUntil(what, deliveryBound, condition);
            return true;
        } catch (IllegalStateException e) {
            System.err.println("crash run: " + e.getMessage());
            return false;
        }
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    private void cleanUp() throws InterruptedException {
        stop = true;
        for (int i = 0; i < nodes; i++) {
            if (running[i] != null) {
                running[i].kill();
                running[i] = null;
            }
        }
        smtp.stop();
        if (schema != null) {
            try {
                execute(pgUrl, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            } catch (SQLException e) {
                System.err.println("could not drop schema " + schema + ": " + e.getMessage());
            }
        }
        if (keepLogs) {
            // Only the logs: the databases go.
            try (var files = Files.list(work)) {
                files.filter(f -> !f.getFileName().toString().endsWith(".log")).forEach(TargetServer::deleteTree);
            } catch (IOException e) {
                TargetServer.deleteTree(work);
            }
        } else {
            TargetServer.deleteTree(work);
        }
    }

    private static void execute(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    // ---- output ----

    private static void print(Result r, CrashBench b, PrintStream out) {
        String store = r.db().equals("h2") ? "H2 file database" + (b.h2WriteDelay == null ? ""
                : " with WRITE_DELAY=" + b.h2WriteDelay) : "PostgreSQL";
        Table crashes = new Table("Crashes: " + store + ", " + r.nodes() + (r.nodes() == 1 ? " node" : " nodes (node 1 killed)")
                + ", lease " + b.leaseSeconds + " s",
                "crash", "acknowledged before", "exit status", "restarted after s", "all acknowledged delivered after s",
                "duplicate emails", "last duplicate after s");
        for (Crash c : r.crashes()) {
            crashes.row(c.index(), c.acknowledgedBefore(), c.exitStatus(),
                    Double.isNaN(c.restartSeconds()) ? "not restarted" : String.format("%.1f", c.restartSeconds()),
                    Double.isNaN(c.caughtUpSeconds()) ? "never" : String.format("%.1f", c.caughtUpSeconds()),
                    c.duplicates(),
                    c.duplicates() == 0 ? "-" : Long.toString(c.resentWithinSeconds()));
        }
        crashes.print(out);
        Table summary = new Table("Crash run: " + store + ", " + r.nodes() + " node(s), " + r.notifications()
                + " notifications, " + r.crashes().size() + " kill(s), " + b.senders + " senders",
                "acknowledged", "POSTs", "stored", "acknowledged missing", "stored twice", "emails received",
                "distinct Message-IDs", "undelivered", "stray", "duplicates", "of which without a crash",
                "max per crash", "bound per crash", "seconds");
        summary.row(r.acknowledged(), r.posts(), r.stored(), r.missingAcknowledged(), r.storedTwice(),
                r.emailsReceived(), r.distinctMessageIds(), r.undelivered(), r.strayEmails(), r.duplicates(),
                r.duplicatesWithoutCrash(),
                r.maxDuplicatesPerCrash(), DUPLICATES_PER_CRASH_BOUND, String.format("%.1f", r.seconds()));
        summary.print(out);
    }
}
