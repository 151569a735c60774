package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.auth0.jwt.algorithms.Algorithm;
import dev.notify.push.PushChannel;
import dev.notify.push.PushSettings;
import dev.notify.push.VapidKeys;
import java.math.BigInteger;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every field of every endpoint and WebSocket message, with a NUL character, a lone surrogate and
 * numbers that do not fit: each answered 400 with {@code invalid_text} or {@code invalid_number}
 * and the field's name, nothing written (every table's rows counted before and after), on H2 and
 * on PostgreSQL.
 */
class BadInputTest {
    enum Db { H2, POSTGRES }

    /** A bad value as JSON text, and the code it must get. */
    enum Bad {
        NUL("\"a\\u0000b\"", "invalid_text"),
        LONE_SURROGATE("\"a\\ud800b\"", "invalid_text"),
        HUGE("1e999", "invalid_number"),
        BIG_INTEGER("123456789012345678901234567890", "invalid_number");

        final String json;
        final String code;

        Bad(String json, String code) {
            this.json = json;
            this.code = code;
        }

        boolean text() {
            return code.equals("invalid_text");
        }
    }

    /**
     * One place a value goes: {@code template} is the JSON with {@code @} where the bad value goes.
     *
     * @param keyPosition the {@code @} stands where only a string (an object key) may
     */
    record Place(String via, String method, String path, String template, String field, boolean keyPosition) {
        @Override
        public String toString() {
            return via + " " + method + " " + path + " " + field + (keyPosition ? " (key)" : "");
        }
    }

    private static final String BASE = "/api/v1/notifications";
    private static final VapidKeys VAPID = VapidKeys.generate();
    private static final String P256DH;
    private static final String AUTH = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[16]);
    private static final Map<Db, Running> servers = new EnumMap<>(Db.class);

    static {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            ECPublicKey pub = (ECPublicKey) g.generateKeyPair().getPublic();
            byte[] point = new byte[65];
            point[0] = 4;
            copy32(pub.getW().getAffineX(), point, 1);
            copy32(pub.getW().getAffineY(), point, 33);
            P256DH = Base64.getUrlEncoder().withoutPadding().encodeToString(point);
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A server on one database, and how to count its rows. */
    private record Running(TestServer server, String jdbcUrl, PgTestSchema schema) {
    }

    static List<Place> places() {
        List<Place> p = new ArrayList<>();
        String send = "{\"recipient\":\"alice\",\"type\":\"order\",\"title\":\"Hi\",\"message\":\"m\"";
        for (String f : List.of("recipient", "type", "title", "message")) {
            p.add(http("POST", BASE, send.replace("\"" + f + "\":\"" + ("recipient".equals(f) ? "alice"
                    : "type".equals(f) ? "order" : "title".equals(f) ? "Hi" : "m") + "\"", "\"" + f + "\":@") + "}", f));
        }
        for (String f : List.of("link", "idempotency_key", "email", "priority")) {
            p.add(http("POST", BASE, send + ",\"" + f + "\":@}", f));
        }
        p.add(http("POST", BASE, "{\"topic\":@,\"title\":\"Hi\"}", "topic"));
        p.add(http("POST", BASE, "{\"recipients\":[\"bob\",@],\"title\":\"Hi\"}", "recipients[1]"));
        p.add(http("POST", BASE, send + ",\"data\":{\"k\":@}}", "data.k"));
        p.add(http("POST", BASE, send + ",\"data\":{\"a\":{\"b\":[1,@]}}}", "data.a.b[1]"));
        p.add(key(http("POST", BASE, send + ",\"data\":{@:1}}", "data")));
        p.add(http("POST", BASE, "{\"recipient\":\"alice\",\"template\":@}", "template"));
        p.add(http("POST", BASE, "{\"recipient\":\"alice\",\"template\":\"welcome\",\"params\":{\"name\":@}}",
                "params.name"));
        p.add(http("POST", BASE, "{\"recipient\":\"alice\",\"template\":\"welcome\",\"locale\":@}", "locale"));
        p.add(key(http("POST", BASE, "{@:\"x\",\"recipient\":\"alice\",\"title\":\"Hi\"}", null)));

        String settings = BASE + "/settings";
        p.add(key(http("PUT", settings, "{\"channels\":{@:false}}", "channels")));
        p.add(http("PUT", settings, "{\"channels\":{\"email\":@}}", "channels.email"));
        p.add(key(http("PUT", settings, "{\"types\":{@:{\"email\":false}}}", "types")));
        p.add(http("PUT", settings, "{\"types\":{\"order\":{\"email\":@}}}", "types.order.email"));
        p.add(key(http("PUT", settings, "{\"categories\":{@:{\"email\":false}}}", "categories")));
        p.add(http("PUT", settings, "{\"quiet_hours\":{\"start\":\"22:00\",\"end\":\"07:00\",\"time_zone\":@}}",
                "quiet_hours.time_zone"));
        p.add(http("PUT", settings, "{\"quiet_hours\":{\"start\":@,\"end\":\"07:00\"}}", "quiet_hours.start"));
        p.add(key(http("PUT", settings, "{\"digests\":{@:\"daily\"}}", "digests")));
        p.add(http("PUT", settings, "{\"digests\":{\"order\":@}}", "digests.order"));

        String keys = ",\"keys\":{\"p256dh\":\"" + P256DH + "\",\"auth\":\"" + AUTH + "\"}";
        p.add(http("POST", BASE + "/push/subscribe", "{\"endpoint\":@" + keys + "}", "endpoint"));
        p.add(http("POST", BASE + "/push/subscribe",
                "{\"endpoint\":\"https://push.example.com/x\",\"keys\":{\"p256dh\":@,\"auth\":\"" + AUTH + "\"}}",
                "keys.p256dh"));
        p.add(http("POST", BASE + "/push/subscribe",
                "{\"endpoint\":\"https://push.example.com/x\",\"keys\":{\"p256dh\":\"" + P256DH + "\",\"auth\":@}}",
                "keys.auth"));
        p.add(http("POST", BASE + "/push/subscribe",
                "{\"endpoint\":\"https://push.example.com/x\",\"expirationTime\":@" + keys + "}", "expirationTime"));
        p.add(http("POST", BASE + "/push/unsubscribe", "{\"endpoint\":@}", "endpoint"));

        String profile = "/api/v1/recipients/alice";
        for (String f : List.of("display_name", "email", "locale", "time_zone")) {
            p.add(http("PUT", profile, "{\"" + f + "\":@}", f));
        }

        String ws = "{\"type\":\"send_notification\",\"recipient\":\"alice\",\"title\":\"Hi\"";
        for (String f : List.of("title", "recipient")) {
            p.add(websocket(ws.replace("\"" + f + "\":\"" + ("title".equals(f) ? "Hi" : "alice") + "\"",
                    "\"" + f + "\":@") + "}", f));
        }
        for (String f : List.of("message", "user_id", "notification_type", "link", "idempotency_key", "priority")) {
            p.add(websocket(ws + ",\"" + f + "\":@}", f));
        }
        p.add(websocket(ws + ",\"recipients\":[@]}", "recipients[0]"));
        p.add(websocket(ws + ",\"data\":{\"k\":@}}", "data.k"));
        p.add(key(websocket(ws + ",\"data\":{@:true}}", "data")));
        p.add(websocket("{\"type\":\"get_notifications\",\"notification_type\":@}", "notification_type"));
        p.add(websocket("{\"type\":\"get_notifications\",\"cursor\":@}", "cursor"));
        p.add(websocket("{\"type\":\"mark_read\",\"notification_id\":@}", "notification_id"));
        p.add(websocket("{\"type\":\"delete_notification\",\"notification_id\":@}", "notification_id"));
        p.add(websocket("{\"type\":@}", "type"));
        p.add(websocket("{\"type\":\"mark_all_read\",\"request_id\":@}", "request_id"));
        return p;
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Db db : Db.values()) {
            for (Place place : places()) {
                for (Bad bad : Bad.values()) {
                    // Big integers where numbers are expected or stored; every other number case is 1e999.
                    boolean numeric = place.field() != null && place.field().matches(
                            "(data|params)\\..*|priority|notification_id|request_id|expirationTime");
                    if (bad == Bad.BIG_INTEGER && !numeric) {
                        continue;
                    }
                    if (bad.text() || !place.keyPosition()) {
                        out.add(Arguments.of(db, place, bad));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void badTextAndNumbersAre400WithTheFieldAndWriteNothing(Db db, Place place, Bad bad) throws Exception {
        Running running = server(db);
        String body = place.template().replace("@", bad.json);
        // A key at the top level has no parent: the field is the key itself, as sent.
        String field = place.field() == null ? null : place.field();
        long before = rows(running);
        if (place.via().equals("http")) {
            TestServer s = running.server();
            HttpResponse<String> r = s.send(s.request(place.path(), s.token("alice", "publish"))
                    .header("Content-Type", "application/json")
                    .method(place.method(), HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                    .build());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            Map<String, Object> error = error(r);
            assertThat(error).as(r.body()).containsEntry("code", bad.code);
            if (field != null) {
                assertThat(error).as(r.body()).containsEntry("field", field);
            } else {
                assertThat(error).as(r.body()).doesNotContainKey("field");
            }
        } else {
            try (WsTestClient client = WsTestClient.withToken(running.server(),
                    running.server().token("alice", "publish"))) {
                client.sendText(body);
                Map<String, Object> reply = client.next(java.time.Duration.ofSeconds(10));
                assertThat(reply).as(body).containsEntry("type", "error").containsEntry("code", bad.code);
                if (field != null) {
                    assertThat(reply).as(body).containsEntry("field", field);
                } else {
                    assertThat(reply).as(body).doesNotContainKey("field");
                }
            }
        }
        assertThat(rows(running)).as("rows written").isEqualTo(before);
    }

    static Stream<Arguments> parameterCases() {
        List<Arguments> out = new ArrayList<>();
        for (Db db : Db.values()) {
            out.add(Arguments.of(db, "GET", BASE + "?type=a%00b", "type"));
            out.add(Arguments.of(db, "GET", BASE + "?cursor=1%00", "cursor"));
            out.add(Arguments.of(db, "GET", BASE + "?unread=%00", "unread"));
            out.add(Arguments.of(db, "GET", "/api/v1/admin/outbox?channel=e%00", "channel"));
            out.add(Arguments.of(db, "GET", "/api/v1/templates/welcome/preview?locale=e%00n", "locale"));
            out.add(Arguments.of(db, "GET", BASE + "/sse/stream?last_event_id=%00", "last_event_id"));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("parameterCases")
    void nulInAQueryOrPathParameterIs400WithItsName(Db db, String method, String path, String field) throws Exception {
        Running running = server(db);
        TestServer s = running.server();
        long before = rows(running);
        HttpResponse<String> r = s.send(s.request(path, s.token("alice", "publish", "admin"))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString("{}"))
                .build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(error(r)).containsEntry("code", "invalid_text").containsEntry("field", field);
        assertThat(rows(running)).isEqualTo(before);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Db.class)
    void bodyBytesThatAreNotUtf8Are400AndWriteNothing(Db db) throws Exception {
        Running running = server(db);
        TestServer s = running.server();
        long before = rows(running);
        byte[] prefix = "{\"recipient\":\"alice\",\"title\":\"".getBytes(StandardCharsets.UTF_8);
        // 0xC3 0x28: a broken two-byte sequence; 0xED 0xA0 0x80: a surrogate encoded as if it were a character.
        for (byte[] bad : List.of(new byte[] {(byte) 0xC3, 0x28}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80})) {
            byte[] body = new byte[prefix.length + bad.length + 2];
            System.arraycopy(prefix, 0, body, 0, prefix.length);
            System.arraycopy(bad, 0, body, prefix.length, bad.length);
            body[body.length - 2] = '"';
            body[body.length - 1] = '}';
            HttpResponse<String> r = s.send(s.request(BASE, s.token("shop", "publish"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            assertThat((String) error(r).get("code")).as(r.body()).isIn("invalid_json", "invalid_text");
        }
        assertThat(rows(running)).isEqualTo(before);
    }

    static Stream<Arguments> pathCases() {
        List<Arguments> out = new ArrayList<>();
        for (Db db : Db.values()) {
            out.add(Arguments.of(db, "PUT", "/api/v1/topics/news/members/a%00b"));
            out.add(Arguments.of(db, "PUT", "/api/v1/topics/ne%00ws/members/alice"));
            out.add(Arguments.of(db, "PUT", "/api/v1/recipients/a%00b"));
            out.add(Arguments.of(db, "DELETE", BASE + "/1%00"));
        }
        return out.stream();
    }

    /** Jetty itself refuses an encoded NUL in a path (an ambiguous URI) before any handler runs. */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("pathCases")
    void nulInAPathIs400AndWritesNothing(Db db, String method, String path) throws Exception {
        Running running = server(db);
        TestServer s = running.server();
        long before = rows(running);
        // Jetty closes the connection after refusing such a URI: a fresh client, so none is reused.
        HttpResponse<String> r = java.net.http.HttpClient.newHttpClient()
                .send(s.request(path, s.token("alice", "publish", "admin"))
                        .header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString("{}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(rows(running)).isEqualTo(before);
    }

    static Stream<Arguments> subjects() {
        List<Arguments> out = new ArrayList<>();
        for (Db db : Db.values()) {
            out.add(Arguments.of(db, "al\\u0000ice"));
            out.add(Arguments.of(db, "al\\udc00ice"));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} sub={1}")
    @MethodSource("subjects")
    void aTokenWhoseUserIdIsBadTextIs400OnHttpAndWebSocket(Db db, String escapedSub) throws Exception {
        Running running = server(db);
        TestServer s = running.server();
        String token = signedToken(escapedSub);
        long before = rows(running);
        for (String path : List.of(BASE, BASE + "/unread-count", BASE + "/settings")) {
            HttpResponse<String> r = s.get(path, token);
            assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(400);
            assertThat(error(r)).containsEntry("code", "invalid_text").containsEntry("field", "sub");
        }
        HttpResponse<String> ticket = s.post(BASE + "/sse/ticket", token, null);
        assertThat(ticket.statusCode()).isEqualTo(400);
        Throwable thrown = catchThrowable(() -> WsTestClient.open(s, "token=" + token).close());
        Throwable cause = thrown;
        while (cause != null && !(cause instanceof WebSocketHandshakeException)) {
            cause = cause.getCause();
        }
        assertThat(cause).isInstanceOf(WebSocketHandshakeException.class);
        assertThat(((WebSocketHandshakeException) cause).getResponse().statusCode()).isEqualTo(400);
        assertThat(rows(running)).isEqualTo(before);
    }

    /** An HS256 token with the payload written by hand, so the escapes reach the server as sent. */
    private static String signedToken(String escapedSub) {
        var b64 = Base64.getUrlEncoder().withoutPadding();
        long now = Instant.now().getEpochSecond();
        String header = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String payload = b64.encodeToString(("{\"sub\":\"" + escapedSub + "\",\"iat\":" + now + ",\"exp\":"
                + (now + 600) + "}").getBytes(StandardCharsets.UTF_8));
        byte[] signature = Algorithm.HMAC256(TestServer.SECRET)
                .sign(header.getBytes(StandardCharsets.UTF_8), payload.getBytes(StandardCharsets.UTF_8));
        return header + "." + payload + "." + b64.encodeToString(signature);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> error(HttpResponse<String> r) {
        return (Map<String, Object>) TestServer.body(r).get("error");
    }

    private static Place http(String method, String path, String template, String field) {
        return new Place("http", method, path, template, field, false);
    }

    private static Place websocket(String template, String field) {
        return new Place("ws", "", "", template, field, false);
    }

    private static Place key(Place p) {
        return new Place(p.via(), p.method(), p.path(), p.template(), p.field(), true);
    }

    private static synchronized Running server(Db db) {
        return servers.computeIfAbsent(db, kind -> {
            PgTestSchema schema = kind == Db.POSTGRES ? PgTestSchema.create() : null;
            String url = schema != null ? schema.jdbcUrl(null)
                    : "jdbc:h2:mem:bad-input-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
            TestServer server = new TestServer(b -> b.jdbcUrl(url).channel(new PushChannel(PushSettings.builder()
                    .keys(VAPID).subject("mailto:ops@example.com").build())), c -> { });
            // One row of each kind the cases could change, so that an UPDATE would show too.
            server.create("alice", "existing");
            return new Running(server, url, schema);
        });
    }

    @AfterAll
    static void stop() {
        for (Running r : servers.values()) {
            r.server().close();
            if (r.schema() != null) {
                r.schema().close();
            }
        }
        servers.clear();
    }

    /** Rows in every table of the server's schema, and a digest of the notification rows' text. */
    private static long rows(Running running) throws SQLException {
        boolean pg = running.schema() != null;
        try (Connection c = DriverManager.getConnection(running.jdbcUrl()); Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = s.executeQuery(pg
                    ? "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                    + " AND table_type = 'BASE TABLE'"
                    : "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = 'PUBLIC'"
                    + " AND TABLE_TYPE = 'BASE TABLE'")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            assertThat(tables).as("tables found").isNotEmpty();
            long total = 0;
            for (String table : tables) {
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM \"" + table + "\"")) {
                    rs.next();
                    total += rs.getLong(1);
                }
            }
            return total;
        }
    }

    private static void copy32(BigInteger n, byte[] out, int offset) {
        byte[] raw = n.toByteArray();
        int start = Math.max(0, raw.length - 32);
        int len = raw.length - start;
        System.arraycopy(raw, start, out, offset + 32 - len, len);
    }
}
