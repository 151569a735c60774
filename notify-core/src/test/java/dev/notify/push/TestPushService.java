package dev.notify.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A push service on loopback that behaves like a real one (RFC 8030, 8291, 8292), checked with
 * code independent of the code under test: it verifies the VAPID JWT's ES256 signature with the
 * JDK against the key in {@code k=} (which must be the key the subscription was made with),
 * checks {@code aud}, {@code exp} and {@code sub}, checks the headers, decrypts the body with the
 * browser's private key, and answers scripted statuses (201 when nothing is scripted).
 *
 * <p>What it finds wrong it answers like a real service (400, 401, 403, 413), and records as a
 * problem: tests end with {@link #assertNoProblems()}.
 */
final class TestPushService implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9_-]{1,32}");

    /** One message as the service saw it. */
    record Received(String path, Map<String, String> headers, String jwt, JsonNode claims, int bodyLength,
                    byte[] plaintext, int answered) {
        String text() {
            return plaintext == null ? null : new String(plaintext, StandardCharsets.UTF_8);
        }

        JsonNode payload() {
            try {
                return JSON.readTree(plaintext);
            } catch (IOException e) {
                throw new AssertionError("payload is not JSON: " + text(), e);
            }
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** A scripted answer. */
    record Reply(int status, Map<String, String> headers, String body, boolean hang) {
        static Reply status(int status) {
            return new Reply(status, Map.of(), "", false);
        }

        static Reply status(int status, String body) {
            return new Reply(status, Map.of(), body, false);
        }

        static Reply withHeader(int status, String name, String value) {
            return new Reply(status, Map.of(name, value), "", false);
        }

        /** Never answers (until the service closes): for timeouts. */
        static Reply noAnswer() {
            return new Reply(0, Map.of(), "", true);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(8);
    private final String applicationServerKey;
    private final Clock clock;
    private final Map<String, Rfc8291Receiver> browsers = new ConcurrentHashMap<>();
    private final Map<String, Queue<Reply>> scripts = new ConcurrentHashMap<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final CountDownLatch closing = new CountDownLatch(1);

    /**
     * @param applicationServerKey the VAPID public key browsers subscribe with (base64url)
     * @param clock                the service's clock, for {@code exp}
     */
    TestPushService(String applicationServerKey, Clock clock) throws IOException {
        this.applicationServerKey = applicationServerKey;
        this.clock = clock;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** {@code http://127.0.0.1:port}: the VAPID audience the service expects. */
    String origin() {
        return "http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + server.getAddress().getPort();
    }

    /** A new browser subscribed at this service. */
    Subscriber subscribe() {
        String path = "/wpush/v2/" + UUID.randomUUID();
        Rfc8291Receiver browser = Rfc8291Receiver.generate();
        browsers.put(path, browser);
        return new Subscriber(path, browser, browser.subscription(origin() + path));
    }

    /** A browser's subscription at the service. */
    record Subscriber(String path, Rfc8291Receiver browser, PushSubscription subscription) {
    }

    /** The next answers for a subscription, in order; then 201 again. */
    void script(Subscriber subscriber, Reply... replies) {
        scripts.computeIfAbsent(subscriber.path(), p -> new ConcurrentLinkedQueue<>()).addAll(Arrays.asList(replies));
    }

    void script(Subscriber subscriber, int... statuses) {
        for (int s : statuses) {
            script(subscriber, Reply.status(s));
        }
    }

    /** Messages received so far, in arrival order. */
    List<Received> received() {
        return List.copyOf(received);
    }

    List<Received> received(Subscriber subscriber) {
        return received.stream().filter(r -> r.path().equals(subscriber.path())).toList();
    }

    void assertNoProblems() {
        assertThat(problems).as("protocol problems the push service found").isEmpty();
        assertThat(scripts.values().stream().mapToInt(Queue::size).sum()).as("scripted answers left unused").isZero();
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = readAll(exchange.getRequestBody());
            Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            String path = exchange.getRequestURI().getPath();
            Rfc8291Receiver browser = browsers.get(path);
            if (browser == null) {
                problem("POST to unknown subscription " + path);
                answer(exchange, 404, Map.of(), "no such subscription");
                return;
            }
            if (!exchange.getRequestMethod().equals("POST")) {
                problem("method " + exchange.getRequestMethod() + " instead of POST");
                answer(exchange, 405, Map.of(), "");
                return;
            }
            List<String> errors = new ArrayList<>();
            checkHeaders(headers, errors);
            Vapid vapid = checkVapid(headers.get("authorization"), errors);
            if (!errors.isEmpty()) {
                errors.forEach(this::problem);
                received.add(new Received(path, headers, vapid.jwt, vapid.claims, body.length, null, 403));
                answer(exchange, vapid.jwt == null ? 401 : 403, Map.of(), String.join("; ", errors));
                return;
            }
            Queue<Reply> script = scripts.get(path);
            Reply reply = script == null ? null : script.poll();
            if (body.length > PushPayload.MAX_MESSAGE_BYTES && (reply == null || reply.status() != 413)) {
                problem("body of " + body.length + " bytes exceeds 4096 (RFC 8030 section 7.2)");
                answer(exchange, 413, Map.of(), "payload too large");
                return;
            }
            byte[] plaintext = null;
            try {
                plaintext = browser.decrypt(body);
            } catch (IllegalArgumentException e) {
                problem("cannot decrypt: " + e.getMessage());
                received.add(new Received(path, headers, vapid.jwt, vapid.claims, body.length, null, 400));
                answer(exchange, 400, Map.of(), "cannot decrypt");
                return;
            }
            if (reply == null) {
                reply = Reply.status(201);
            }
            received.add(new Received(path, headers, vapid.jwt, vapid.claims, body.length, plaintext,
                    reply.hang() ? 0 : reply.status()));
            if (reply.hang()) {
                closing.await(30, TimeUnit.SECONDS);
                return;
            }
            Map<String, String> replyHeaders = new LinkedHashMap<>(reply.headers());
            if (reply.status() == 201) {
                replyHeaders.put("Location", origin() + "/m/" + UUID.randomUUID());
            }
            answer(exchange, reply.status(), replyHeaders, reply.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            problem("service failed: " + e);
            throw e;
        }
    }

    private void checkHeaders(Map<String, String> h, List<String> errors) {
        if (!"aes128gcm".equals(h.get("content-encoding"))) {
            errors.add("Content-Encoding must be aes128gcm but was " + h.get("content-encoding"));
        }
        String ttl = h.get("ttl");
        if (ttl == null || !ttl.matches("\\d+")) {
            errors.add("TTL must be a non-negative integer (RFC 8030 section 5.2) but was " + ttl);
        }
        String urgency = h.get("urgency");
        if (urgency != null && !List.of("very-low", "low", "normal", "high").contains(urgency)) {
            errors.add("Urgency must be very-low, low, normal or high (RFC 8030 section 5.3) but was " + urgency);
        }
        String topic = h.get("topic");
        if (topic != null && !TOPIC.matcher(topic).matches()) {
            errors.add("Topic must be at most 32 URL-safe base64 characters (RFC 8030 section 5.4) but was " + topic);
        }
    }

    private record Vapid(String jwt, JsonNode claims) {
    }

    /** RFC 8292 section 3: {@code Authorization: vapid t=<JWT>, k=<public key>}. */
    private Vapid checkVapid(String authorization, List<String> errors) {
        if (authorization == null || !authorization.regionMatches(true, 0, "vapid ", 0, 6)) {
            errors.add("Authorization must use the vapid scheme but was " + authorization);
            return new Vapid(null, null);
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (String part : authorization.substring(6).split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                params.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip());
            }
        }
        String jwt = params.get("t");
        String k = params.get("k");
        if (jwt == null || k == null) {
            errors.add("Authorization must carry t and k but was " + authorization);
            return new Vapid(jwt, null);
        }
        if (!k.equals(applicationServerKey)) {
            errors.add("k is not the applicationServerKey the subscription was made with");
        }
        String[] parts = jwt.split("\\.");
        if (parts.length != 3) {
            errors.add("t is not a JWS compact serialisation");
            return new Vapid(jwt, null);
        }
        JsonNode header;
        JsonNode claims;
        try {
            header = JSON.readTree(Rfc8291Receiver.b64(parts[0]));
            claims = JSON.readTree(Rfc8291Receiver.b64(parts[1]));
        } catch (IOException | IllegalArgumentException e) {
            errors.add("JWT header or claims are not base64url JSON: " + e);
            return new Vapid(jwt, null);
        }
        if (!"ES256".equals(header.path("alg").asText())) {
            errors.add("JWT alg must be ES256 but was " + header.path("alg"));
        }
        if (!verifyEs256(parts, k)) {
            errors.add("JWT signature does not verify with k");
        }
        JsonNode aud = claims.get("aud");
        if (aud == null || !aud.isTextual() || !aud.asText().equals(origin())) {
            errors.add("aud must be the push service origin " + origin() + " but was " + aud);
        }
        JsonNode exp = claims.get("exp");
        Instant now = clock.instant();
        if (exp == null || !exp.canConvertToLong()) {
            errors.add("exp is missing");
        } else {
            Instant expires = Instant.ofEpochSecond(exp.asLong());
            if (!expires.isAfter(now)) {
                errors.add("JWT expired at " + expires + " (now " + now + ")");
            }
            if (expires.isAfter(now.plus(Duration.ofHours(24)))) {
                errors.add("exp " + expires + " is more than 24 hours after now " + now + " (RFC 8292 section 2)");
            }
        }
        JsonNode sub = claims.get("sub");
        if (sub == null || !(sub.asText().startsWith("mailto:") || sub.asText().startsWith("https:"))) {
            errors.add("sub must be a mailto: or https: URI but was " + sub);
        }
        return new Vapid(jwt, claims);
    }

    /** ES256 (RFC 7518 section 3.4): the signature is R || S, 32 bytes each; the JDK wants DER. */
    private static boolean verifyEs256(String[] parts, String k) {
        try {
            byte[] jose = Rfc8291Receiver.b64(parts[2]);
            if (jose.length != 64) {
                return false;
            }
            byte[] r = derInteger(Arrays.copyOfRange(jose, 0, 32));
            byte[] s = derInteger(Arrays.copyOfRange(jose, 32, 64));
            ByteArrayOutputStream der = new ByteArrayOutputStream();
            der.write(0x30);
            der.write(r.length + s.length);
            der.write(r);
            der.write(s);
            Signature verifier = Signature.getInstance("SHA256withECDSA");
            verifier.initVerify(Rfc8291Receiver.publicKey(Rfc8291Receiver.b64(k)));
            verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            return verifier.verify(der.toByteArray());
        } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] derInteger(byte[] unsigned) {
        byte[] minimal = new BigInteger(1, unsigned).toByteArray(); // minimal two's complement, sign byte if needed
        byte[] out = new byte[minimal.length + 2];
        out[0] = 0x02;
        out[1] = (byte) minimal.length;
        System.arraycopy(minimal, 0, out, 2, minimal.length);
        return out;
    }

    private void problem(String text) {
        problems.add(text);
    }

    private static void answer(HttpExchange exchange, int status, Map<String, String> headers, String body)
            throws IOException {
        headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes();
    }
}
