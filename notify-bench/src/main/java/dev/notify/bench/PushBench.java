package dev.notify.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.notify.Notify;
import dev.notify.SendRequest;
import dev.notify.outbox.OutboxSettings;
import dev.notify.push.PushChannel;
import dev.notify.push.PushSettings;
import dev.notify.push.PushSubscription;
import dev.notify.push.VapidKeys;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * (4) Web Push through the outbox: S subscriptions spread over 3 push-service origins on
 * loopback (HTTPS with a self-signed certificate, as real push services use TLS; {@code --tls=false}
 * for plain HTTP), N notifications, delivered by {@code outbox().deliverDue()}: each one
 * encrypted (aes128gcm), VAPID-signed (ES256, cached per origin) and POSTed; the service answers 201.
 */
final class PushBench {
    record Result(int messages, int delivered, int accepted, long enqueueNanos, long deliverNanos, long cpuNanos, boolean tls) {
        double perSecond() {
            return messages / (deliverNanos / 1e9);
        }
    }

    private PushBench() {
    }

    static Result run(Args args, PrintStream out) throws Exception {
        int n = args.integer("messages", 10_000);
        int subscriptions = args.integer("subscriptions", 10_000);
        int origins = args.integer("origins", 3);
        boolean tls = Boolean.parseBoolean(args.get("tls", "true"));
        // HTTP/2 over TLS (ALPN) as the big push services speak it; false: the JDK's HTTP/1.1 server.
        boolean http2 = tls && Boolean.parseBoolean(args.get("http2", "true"));
        AtomicInteger accepted = new AtomicInteger();
        List<AutoCloseable> services = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        ExecutorService serviceThreads = Executors.newFixedThreadPool(4);
        KeyStore keyStore = tls ? selfSignedKeyStore() : null;
        SSLContext ssl = tls ? sslContext(keyStore) : null;
        SSLContext previous = SSLContext.getDefault();
        if (tls) {
            SSLContext.setDefault(ssl); // PushChannel's JDK HttpClient uses the default context
        }
        try {
            for (int i = 0; i < origins; i++) {
                if (http2) {
                    Http2PushService h2 = new Http2PushService(keyStore, accepted);
                    services.add(h2);
                    ports.add(h2.port());
                    continue;
                }
                HttpServer s;
                if (tls) {
                    HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
                    https.setHttpsConfigurator(new HttpsConfigurator(ssl));
                    s = https;
                } else {
                    s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
                }
                s.createContext("/push/", exchange -> answer(exchange, accepted));
                s.setExecutor(serviceThreads);
                s.start();
                services.add(() -> s.stop(0));
                ports.add(s.getAddress().getPort());
            }
            VapidKeys keys = VapidKeys.generate();
            PushChannel push = new PushChannel(PushSettings.builder().keys(keys).subject("https://bench.notify.test/")
                    .allowHttp(!tls).allowPrivateEndpoints(true).build());
            String url = "jdbc:h2:mem:push_" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1";
            try (Notify notify = Notify.builder().jdbcUrl(url).channel(push)
                    .outbox(OutboxSettings.ofDefaults().withWorkers(0)).build()) {
                List<String[]> browserKeys = browserKeys(Math.min(subscriptions, 50));
                StringBuilder subsJson = new StringBuilder("[");
                for (int i = 0; i < subscriptions; i++) {
                    String endpoint = (tls ? "https" : "http") + "://127.0.0.1:" + ports.get(i % origins) + "/push/" + i;
                    String[] k = browserKeys.get(i % browserKeys.size());
                    push.subscribe("u" + i, new PushSubscription(endpoint, k[0], k[1]));
                    subsJson.append(i == 0 ? "" : ",").append("{\"endpoint\":\"").append(endpoint)
                            .append("\",\"keys\":{\"p256dh\":\"").append(k[0]).append("\",\"auth\":\"").append(k[1])
                            .append("\"}}");
                }
                subsJson.append(']');
                if (!args.flag("no-warmup")) {
                    deliver(notify, Math.min(n, 500), subscriptions);
                }
                int before = accepted.get();
                long e0 = System.nanoTime();
                enqueue(notify, n, subscriptions);
                long enqueue = System.nanoTime() - e0;
                long cpu0 = Machine.processCpuNanos();
                long t0 = System.nanoTime();
                int delivered = notify.outbox().deliverDue();
                long nanos = System.nanoTime() - t0;
                long cpu = Machine.processCpuNanos() - cpu0;
                Result r = new Result(n, delivered, accepted.get() - before, enqueue, nanos, cpu, tls);
                if (http2) {
                    StringBuilder seen = new StringBuilder();
                    for (AutoCloseable service : services) {
                        Http2PushService h2 = (Http2PushService) service;
                        seen.append(seen.length() == 0 ? "" : "; ").append(h2.protocols).append(" over ")
                                .append(h2.connections.size()).append(" connection(s)");
                        h2.protocols.clear();
                        h2.connections.clear();
                    }
                    out.println("push services saw (warm-up included): " + seen);
                }
                Table table = new Table("Web Push through the outbox: " + n + " messages, " + subscriptions + " subscriptions over "
                        + origins + " loopback origins (" + (http2 ? "HTTP/2 over TLS, self-signed"
                        : tls ? "HTTP/1.1 over TLS, self-signed" : "plain HTTP/1.1")
                        + "), H2, deliverDue() on one thread",
                        "sender", "sent", "accepted (201)", "send() (enqueue) ms", "deliver ms", "messages/s", "CPU ms per message (whole JVM, incl. push service)")
                        .row("notify PushChannel via outbox (" + System.getProperty("java.runtime.version") + ")", n, r.accepted(), enqueue / 1_000_000, nanos / 1_000_000, String.format(Locale.ROOT, "%.0f", r.perSecond()),
                                String.format(Locale.ROOT, "%.3f", cpu / 1e6 / n));
                if (args.flag("node")) {
                    nodeSideBySide(args, out, table, r, keys, subsJson.toString(), accepted, tls);
                }
                table.print(out);
                return r;
            }
        } finally {
            for (AutoCloseable s : services) {
                s.close();
            }
            serviceThreads.shutdownNow();
            if (tls) {
                SSLContext.setDefault(previous);
            }
        }
    }

    /** Node's web-push sending the same number of messages to the same services; the JVM then runs only the services. */
    private static void nodeSideBySide(Args args, PrintStream out, Table table, Result jvm, VapidKeys keys, String subsJson,
                                       AtomicInteger accepted, boolean tls) throws Exception {
        Path file = Files.createTempFile("notify-bench-subs", ".json");
        Files.writeString(file, subsJson);
        ProcessBuilder pb = new ProcessBuilder(args.get("node-bin", "node"), args.get("node-dir", "notify-bench/node") + "/push-send.js",
                "--file=" + file, "--messages=" + jvm.messages(), "--concurrency=" + OutboxSettings.DEFAULT_BATCH_SIZE,
                "--public=" + keys.publicKeyBase64Url(), "--private=" + keys.privateKeyBase64Url(),
                "--subject=https://bench.notify.test/").redirectError(ProcessBuilder.Redirect.INHERIT);
        if (tls) {
            // Node does not trust the self-signed certificate; it skips verification (Java verifies).
            pb.environment().put("NODE_TLS_REJECT_UNAUTHORIZED", "0");
        }
        int before = accepted.get();
        long jvmCpu0 = Machine.processCpuNanos();
        Process p = pb.start();
        file.toFile().deleteOnExit();
        String line = new String(p.getInputStream().readAllBytes(), UTF_8).trim();
        p.waitFor();
        long serviceCpu = Machine.processCpuNanos() - jvmCpu0;
        var m = new java.util.HashMap<String, Long>();
        for (String kv : line.split("\\s+")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
            }
        }
        long ms = m.getOrDefault("ms", 1L);
        double perSecond = jvm.messages() / (ms / 1000.0);
        table.row("Node web-push " + nodeVersion(args.get("node-bin", "node")) + ", " + OutboxSettings.DEFAULT_BATCH_SIZE
                        + " in flight", jvm.messages(), accepted.get() - before, "-", ms,
                String.format(Locale.ROOT, "%.0f", perSecond),
                String.format(Locale.ROOT, "%.3f (node) + %.3f (push services in the JVM)",
                        m.getOrDefault("cpu_ms", 0L) / (double) jvm.messages(), serviceCpu / 1e6 / jvm.messages()));
        table.row("ratio notify / Node", "", "", "", "", String.format(Locale.ROOT, "%.2fx", jvm.perSecond() / perSecond), "");
    }

    private static String nodeVersion(String node) throws IOException {
        Process p = new ProcessBuilder(node, "--version").redirectErrorStream(true).start();
        return new String(p.getInputStream().readAllBytes(), UTF_8).trim();
    }

    private static void deliver(Notify notify, int n, int subscriptions) {
        enqueue(notify, n, subscriptions);
        notify.outbox().deliverDue();
    }

    private static void enqueue(Notify notify, int n, int subscriptions) {
        for (int i = 0; i < n; i++) {
            notify.send(SendRequest.to("u" + (i % subscriptions)).type("order").title("Order " + i + " shipped")
                    .message("Your order left the warehouse and arrives on Thursday.").build());
        }
    }

    private static void answer(HttpExchange exchange, AtomicInteger accepted) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
        }
        accepted.incrementAndGet();
        exchange.getResponseHeaders().add("Location", "https://push.test/m/1");
        exchange.sendResponseHeaders(201, -1);
        exchange.close();
    }

    private static List<String[]> browserKeys(int count) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        SecureRandom random = new SecureRandom();
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        List<String[]> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            KeyPair kp = g.generateKeyPair();
            byte[] auth = new byte[16];
            random.nextBytes(auth);
            list.add(new String[] {b64.encodeToString(MicroBenchmarks.uncompressed((ECPublicKey) kp.getPublic())),
                    b64.encodeToString(auth)});
        }
        return list;
    }

    /** A self-signed certificate for 127.0.0.1 made with keytool (password {@code changeit}). */
    static KeyStore selfSignedKeyStore() throws Exception {
        Path dir = Files.createTempDirectory("notify-bench-tls");
        Path store = dir.resolve("push.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "push", "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "changeit")
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("keytool failed: " + log);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        TargetServer.deleteTree(dir);
        return ks;
    }

    /** A TLS context that presents and trusts the certificate of {@code ks}. */
    static SSLContext sslContext(KeyStore ks) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
        return ctx;
    }
}
