package dev.notify.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A push service on loopback, plain HTTP, that checks what it receives as a real one would, with
 * the JDK alone:
 * <ul>
 *   <li>VAPID (RFC 8292): {@code Authorization: vapid t=<JWT>, k=<key>}, where {@code k} is the
 *       {@code applicationServerKey} the subscription was made with, the JWT is ES256-signed with
 *       that key, {@code aud} is this service's origin, {@code exp} lies in the next 24 hours and
 *       {@code sub} is a {@code mailto:} or {@code https:} URI;</li>
 *   <li>the headers of RFC 8030: {@code TTL} (whole seconds), {@code Urgency} (one of four
 *       words), {@code Content-Encoding: aes128gcm};</li>
 *   <li>the body, decrypted with the subscription's private key ({@link WebPushBrowser}).</li>
 * </ul>
 * A message that passes is answered 201 Created; one that fails 401 (no VAPID), 403 (bad VAPID) or
 * 400 (bad headers or body), which notify's channel treats as a permanent failure. Either way it is
 * recorded, with what was wrong, for {@link #awaitMessage}.
 */
final class LoopbackPushService implements AutoCloseable {
    /** RFC 8292 section 2: a JWT must not expire more than 24 hours after the request. */
    static final Duration MAX_JWT_LIFETIME = Duration.ofHours(24);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> URGENCIES = List.of("very-low", "low", "normal", "high");

    /**
     * One message as the service saw it. {@code vapidProblems} are what failed of the VAPID
     * checks; {@code problems} are all failed checks, VAPID ones included: empty means accepted.
     * {@code payload} is null when the body could not be decrypted.
     */
    record Message(String path, String ttl, String urgency, String contentEncoding, int bodyBytes, String audience,
                   Instant expires, String subject, String payload, List<String> vapidProblems,
                   List<String> problems, int status) {
        /** Whether every VAPID check passed. */
        boolean vapidVerified() {
            return vapidProblems.isEmpty();
        }

        /** Whether every check passed and the message was accepted (201). */
        boolean accepted() {
            return problems.isEmpty();
        }
    }

    /** What the service keeps per subscription: the browser, and the key it subscribed with. */
    private record Subscription(WebPushBrowser browser, String applicationServerKey) {
    }

    private final HttpServer server;
    private final Clock clock;
    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    private final BlockingQueue<Message> received = new LinkedBlockingQueue<>();

    private LoopbackPushService(HttpServer server, Clock clock) {
        this.server = server;
        this.clock = clock;
    }

    /**
     * Starts the service on a free port of the loopback address.
     *
     * @param clock the clock {@code exp} is checked against
     * @throws IOException if no port can be bound
     */
    static LoopbackPushService start(Clock clock) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        LoopbackPushService service = new LoopbackPushService(server, clock);
        server.createContext("/push/", service::handle);
        server.start();
        return service;
    }

    /** {@code http://127.0.0.1:<port>}: the audience a VAPID JWT for this service must name. */
    String origin() {
        return "http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + server.getAddress().getPort();
    }

    /**
     * Subscribes a browser, as {@code PushManager.subscribe({applicationServerKey})} does: the
     * service remembers the key, and accepts messages to the new endpoint only when signed with it.
     *
     * @param browser              the subscription's keys
     * @param applicationServerKey the application server's VAPID public key, base64url of the
     *                             65-byte uncompressed point
     * @return the endpoint URL, unguessable, under {@link #origin()}
     */
    String subscribe(WebPushBrowser browser, String applicationServerKey) {
        String path = "/push/" + UUID.randomUUID();
        subscriptions.put(path, new Subscription(browser, applicationServerKey));
        return origin() + path;
    }

    /**
     * Waits for the next message, at most {@code timeout}.
     *
     * @throws IllegalStateException if none arrives in time, or the wait is interrupted
     */
    Message awaitMessage(Duration timeout) {
        try {
            Message m = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (m == null) {
                throw new IllegalStateException("no push message reached " + origin() + " within "
                        + timeout.toMillis() + " ms");
            }
            return m;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a push message", e);
        }
    }

    /** Stops the server at once. */
    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            Subscription subscription = subscriptions.get(path);
            if (!exchange.getRequestMethod().equals("POST") || subscription == null) {
                exchange.sendResponseHeaders(subscription == null ? 404 : 405, -1);
                return;
            }
            String ttl = exchange.getRequestHeaders().getFirst("TTL");
            String urgency = exchange.getRequestHeaders().getFirst("Urgency");
            String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
            List<String> vapidProblems = new ArrayList<>();
            Vapid vapid = checkVapid(exchange.getRequestHeaders().getFirst("Authorization"),
                    subscription.applicationServerKey(), vapidProblems);
            List<String> problems = new ArrayList<>(vapidProblems);
            int status = vapidProblems.isEmpty() ? 201 : vapid.jwt() == null ? 401 : 403;
            if (ttl == null || !ttl.matches("\\d{1,10}")) {
                problems.add("TTL must be whole seconds (RFC 8030 section 5.2) but was " + ttl);
            }
            if (urgency != null && !URGENCIES.contains(urgency)) {
                problems.add("Urgency must be one of " + URGENCIES + " (RFC 8030 section 5.3) but was " + urgency);
            }
            if (!"aes128gcm".equals(encoding)) {
                problems.add("Content-Encoding must be aes128gcm (RFC 8291 section 4) but was " + encoding);
            }
            String payload = null;
            try {
                payload = new String(subscription.browser().decrypt(body), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                problems.add("cannot decrypt the body: " + e.getMessage());
            }
            if (status == 201 && !problems.isEmpty()) {
                status = 400;
            }
            received.add(new Message(path, ttl, urgency, encoding, body.length, vapid.audience(), vapid.expires(),
                    vapid.subject(), payload, List.copyOf(vapidProblems), List.copyOf(problems), status));
            if (status == 201) {
                exchange.getResponseHeaders().add("Location", origin() + "/message/" + UUID.randomUUID());
                exchange.sendResponseHeaders(201, -1);
            } else {
                byte[] reason = String.join("; ", problems).getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(status, reason.length);
                exchange.getResponseBody().write(reason);
            }
        }
    }

    /** The claims read from a VAPID JWT; fields are null where absent or unreadable. */
    private record Vapid(String jwt, String audience, Instant expires, String subject) {
    }

    /** RFC 8292 sections 2 to 4; each failed check adds a problem. */
    private Vapid checkVapid(String authorization, String applicationServerKey, List<String> problems) {
        if (authorization == null || !authorization.regionMatches(true, 0, "vapid ", 0, 6)) {
            problems.add("Authorization must use the vapid scheme (RFC 8292 section 3) but was " + authorization);
            return new Vapid(null, null, null, null);
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (String part : authorization.substring(6).split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                params.put(part.substring(0, eq).strip().toLowerCase(Locale.ROOT), part.substring(eq + 1).strip());
            }
        }
        String jwt = params.get("t");
        String k = params.get("k");
        if (jwt == null || k == null) {
            problems.add("Authorization must carry t= and k= (RFC 8292 section 3) but was " + authorization);
            return new Vapid(jwt, null, null, null);
        }
        if (!k.equals(applicationServerKey)) {
            problems.add("k is not the applicationServerKey the subscription was made with (RFC 8292 section 4.2)");
        }
        String[] parts = jwt.split("\\.", -1);
        if (parts.length != 3) {
            problems.add("t is not a JWT in compact form (three base64url parts)");
            return new Vapid(jwt, null, null, null);
        }
        JsonNode header;
        JsonNode claims;
        try {
            header = JSON.readTree(WebPushBrowser.base64Url(parts[0]));
            claims = JSON.readTree(WebPushBrowser.base64Url(parts[1]));
        } catch (IOException | IllegalArgumentException e) {
            problems.add("the JWT's header or claims are not base64url JSON: " + e.getMessage());
            return new Vapid(jwt, null, null, null);
        }
        if (!"ES256".equals(header.path("alg").asText())) {
            problems.add("the JWT's alg must be ES256 but was " + header.path("alg"));
        }
        // Verified against the key the browser subscribed with, not against k: k only names it.
        if (!verifiesEs256(parts, applicationServerKey)) {
            problems.add("the JWT's ES256 signature does not verify with the subscription's applicationServerKey");
        }
        String audience = claims.path("aud").isTextual() ? claims.get("aud").asText() : null;
        if (!origin().equals(audience)) {
            problems.add("aud must be this push service's origin " + origin() + " but was " + claims.get("aud"));
        }
        Instant expires = claims.path("exp").canConvertToLong() ? Instant.ofEpochSecond(claims.get("exp").asLong())
                : null;
        Instant now = clock.instant();
        if (expires == null) {
            problems.add("exp is missing or not a number: " + claims.get("exp"));
        } else if (!expires.isAfter(now)) {
            problems.add("the JWT expired at " + expires + " (now " + now + ")");
        } else if (expires.isAfter(now.plus(MAX_JWT_LIFETIME))) {
            problems.add("exp " + expires + " is more than 24 hours after now " + now + " (RFC 8292 section 2)");
        }
        String subject = claims.path("sub").isTextual() ? claims.get("sub").asText() : null;
        if (subject == null || !(subject.startsWith("mailto:") || subject.startsWith("https:"))) {
            problems.add("sub must be a mailto: or https: URI (RFC 8292 section 2.1) but was " + claims.get("sub"));
        }
        return new Vapid(jwt, audience, expires, subject);
    }

    /**
     * Verifies an ES256 JWS (RFC 7518 section 3.4). Its signature is R and S as 32 bytes each;
     * the JDK's {@code SHA256withECDSA} wants them DER-encoded.
     */
    private static boolean verifiesEs256(String[] parts, String publicKeyBase64Url) {
        try {
            byte[] jose = WebPushBrowser.base64Url(parts[2]);
            if (jose.length != 64) {
                return false;
            }
            byte[] r = derInteger(Arrays.copyOfRange(jose, 0, 32));
            byte[] s = derInteger(Arrays.copyOfRange(jose, 32, 64));
            ByteArrayOutputStream der = new ByteArrayOutputStream();
            der.write(0x30); // SEQUENCE of at most 2 * 35 bytes: the short length form suffices
            der.write(r.length + s.length);
            der.write(r);
            der.write(s);
            Signature verifier = Signature.getInstance("SHA256withECDSA");
            verifier.initVerify(WebPushBrowser.publicKey(WebPushBrowser.base64Url(publicKeyBase64Url)));
            verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            return verifier.verify(der.toByteArray());
        } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
            return false;
        }
    }

    /** A DER INTEGER of an unsigned big-endian number: minimal, with a 0x00 byte where the top bit is set. */
    private static byte[] derInteger(byte[] unsigned) {
        byte[] minimal = new BigInteger(1, unsigned).toByteArray();
        byte[] out = new byte[minimal.length + 2];
        out[0] = 0x02;
        out[1] = (byte) minimal.length;
        System.arraycopy(minimal, 0, out, 2, minimal.length);
        return out;
    }
}
