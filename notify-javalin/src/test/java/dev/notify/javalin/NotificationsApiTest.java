package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.notify.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NotificationsApiTest {
    private static final String BASE = "/api/v1/notifications";
    private TestServer server;
    private String alice;
    private String bob;
    private String publisher;

    @BeforeEach
    void start() {
        server = new TestServer();
        alice = server.token("alice");
        bob = server.token("bob");
        publisher = server.token("svc", "publish");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> items(HttpResponse<String> r) {
        return (List<Map<String, Object>>) TestServer.body(r).get("notifications");
    }

    private static String errorCode(HttpResponse<String> r) {
        @SuppressWarnings("unchecked")
        Map<String, Object> error = (Map<String, Object>) TestServer.body(r).get("error");
        assertThat(error).as("error body of " + r.body()).isNotNull().containsKey("message");
        return (String) error.get("code");
    }

    @Test
    void createListReadAndDeleteOwnNotifications() {
        HttpResponse<String> created = server.post(BASE, publisher, """
                {"recipient":"alice","type":"task_assigned","title":"New task","message":"Review it",
                 "data":{"task_id":42},"link":"/tasks/42","priority":"high"}""");
        assertThat(created.statusCode()).isEqualTo(201);
        Map<String, Object> n = items(created).get(0);
        assertThat(n).containsEntry("recipient", "alice").containsEntry("type", "task_assigned")
                .containsEntry("priority", "high").containsEntry("link", "/tasks/42").containsEntry("read", false)
                .containsEntry("data", Map.of("task_id", 42)).containsEntry("read_at", null);
        assertThat(Instant.parse((String) n.get("created_at"))).isNotNull();
        int id = (Integer) n.get("id");
        server.create("alice", "second");

        HttpResponse<String> list = server.get(BASE, alice);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(items(list)).extracting(m -> m.get("title")).containsExactly("second", "New task");
        assertThat(TestServer.body(server.get(BASE + "/unread-count", alice))).containsEntry("unread_count", 2);

        HttpResponse<String> read = server.post(BASE + "/" + id + "/read", alice, null);
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(TestServer.body(read)).containsEntry("read", true);
        assertThat(items(server.get(BASE + "?unread=true", alice))).extracting(m -> m.get("title")).containsExactly("second");

        assertThat(TestServer.body(server.post(BASE + "/mark-all-read", alice, null))).containsEntry("marked", 1);
        assertThat(TestServer.body(server.get(BASE + "/unread-count", alice))).containsEntry("unread_count", 0);

        assertThat(server.delete(BASE + "/" + id, alice).statusCode()).isEqualTo(204);
        assertThat(server.get(BASE + "/" + id, alice).statusCode()).isEqualTo(404);
        assertThat(items(server.get(BASE, alice))).hasSize(1);
    }

    @Test
    void listPagesWithCursorAndFiltersByType() {
        for (int i = 1; i <= 5; i++) {
            server.create("alice", "t" + i);
        }
        server.post(BASE, publisher, "{\"recipient\":\"alice\",\"type\":\"low_stock\",\"title\":\"stock\"}");

        var first = TestServer.body(server.get(BASE + "?limit=4", alice));
        assertThat(first).containsEntry("has_more", true);
        var second = TestServer.body(server.get(BASE + "?limit=4&cursor=" + first.get("next_cursor"), alice));
        assertThat(second).containsEntry("has_more", false).containsEntry("next_cursor", null);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> all = new java.util.ArrayList<>((List<Map<String, Object>>) first.get("notifications"));
        all.addAll((List<Map<String, Object>>) second.get("notifications"));
        assertThat(all).extracting(m -> m.get("title")).containsExactly("stock", "t5", "t4", "t3", "t2", "t1");

        assertThat(items(server.get(BASE + "?type=low_stock", alice))).extracting(m -> m.get("title")).containsExactly("stock");
    }

    @Test
    void userCannotSeeMarkOrDeleteAnotherUsersNotification() {
        long id = server.create("alice", "private to alice");

        assertThat(items(server.get(BASE, bob))).isEmpty();
        HttpResponse<String> get = server.get(BASE + "/" + id, bob);
        HttpResponse<String> read = server.post(BASE + "/" + id + "/read", bob, null);
        HttpResponse<String> delete = server.delete(BASE + "/" + id, bob);
        // 404, exactly as for an id that does not exist, so ids do not leak.
        HttpResponse<String> missing = server.get(BASE + "/999999", bob);
        for (HttpResponse<String> r : List.of(get, read, delete, missing)) {
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(errorCode(r)).isEqualTo("not_found");
        }
        server.post(BASE + "/mark-all-read", bob, null);
        Map<String, Object> stillThere = TestServer.body(server.get(BASE + "/" + id, alice));
        assertThat(stillThere).containsEntry("read", false).containsEntry("title", "private to alice");
    }

    @Test
    void creatingNeedsThePublishScope() {
        HttpResponse<String> r = server.post(BASE, alice, "{\"recipient\":\"bob\",\"title\":\"hi\"}");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(errorCode(r)).isEqualTo("insufficient_scope");
        assertThat(items(server.get(BASE, bob))).isEmpty();
    }

    @Test
    void repeatedCreateWithTheSameIdempotencyKeyReturnsTheFirst() {
        String body = "{\"recipients\":[\"alice\",\"bob\"],\"title\":\"once\",\"idempotency_key\":\"order-7\"}";
        HttpResponse<String> first = server.post(BASE, publisher, body);
        HttpResponse<String> again = server.post(BASE, publisher, body);
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(TestServer.body(again)).containsEntry("created", 0);
        assertThat(items(again)).extracting(m -> m.get("id")).isEqualTo(items(first).stream().map(m -> m.get("id")).toList());
        assertThat(items(server.get(BASE, alice))).hasSize(1);

        // The header form works too.
        var viaHeader = server.send(server.request(BASE, publisher).header("Content-Type", "application/json")
                .header("Idempotency-Key", "order-7").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"recipient\":\"alice\",\"title\":\"once\"}")).build());
        assertThat(viaHeader.statusCode()).isEqualTo(200);
    }

    @Test
    void badInputGetsAClearErrorAndStoresNothing() {
        Map<String, String> cases = Map.of(
                "{\"recipient\":\"alice\",\"title\":", "invalid_json",
                "[1,2]", "invalid_json",
                "{\"recipient\":\"alice\"}", "invalid_title",
                "{\"title\":\"no recipient\"}", "invalid_recipients",
                "{\"recipient\":\"alice\",\"title\":\"x\",\"priority\":\"extreme\"}", "invalid_priority",
                "{\"recipient\":\"alice\",\"title\":\"x\",\"type\":\"has space\"}", "invalid_type",
                "{\"recipient\":\"alice\",\"title\":\"x\",\"data\":[1]}", "invalid_data",
                "{\"recipient\":\"alice\",\"titel\":\"typo\"}", "unknown_field",
                "{\"recipient\":\"alice\",\"title\":42}", "invalid_title");
        cases.forEach((body, code) -> {
            HttpResponse<String> r = server.post(BASE, publisher, body);
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            assertThat(errorCode(r)).as(body).isEqualTo(code);
        });
        assertThat(items(server.get(BASE, alice))).isEmpty();
        assertThat(TestServer.body(server.get(BASE + "/unread-count", alice))).containsEntry("unread_count", 0);
    }

    @Test
    void oversizeBodyGets413AndStoresNothing() {
        String huge = "{\"recipient\":\"alice\",\"title\":\"big\",\"message\":\"" + "x".repeat(70_000) + "\"}";
        HttpResponse<String> r = server.post(BASE, publisher, huge);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(errorCode(r)).isEqualTo("payload_too_large");
        assertThat(items(server.get(BASE, alice))).isEmpty();
    }

    @Test
    void badQueryParametersGet400() {
        assertThat(server.get(BASE + "?limit=0", alice).statusCode()).isEqualTo(400);
        assertThat(errorCode(server.get(BASE + "?limit=101", alice))).isEqualTo("invalid_limit");
        assertThat(errorCode(server.get(BASE + "?cursor=zzz", alice))).isEqualTo("invalid_cursor");
        assertThat(errorCode(server.get(BASE + "?unread=maybe", alice))).isEqualTo("invalid_unread");
    }

    @Test
    void authenticationFailuresGet401() {
        JwtAuthenticator otherKey = JwtAuthenticator.hs256("another-secret-another-secret-0123456789");
        JwtAuthenticator past = JwtAuthenticator.hs256(TestServer.SECRET,
                java.time.Clock.fixed(Instant.now().minus(Duration.ofHours(2)), java.time.ZoneOffset.UTC));
        String expired = past.issue("alice", Set.of(), Duration.ofMinutes(5));
        String wronglySigned = otherKey.issue("alice", Set.of(), Duration.ofHours(1));
        String[] parts = alice.split("\\.");
        String unsigned = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + ".";
        for (String token : new String[] {expired, wronglySigned, unsigned, "not-a-jwt", parts[0] + "." + parts[1] + ".AAAA"}) {
            HttpResponse<String> r = server.get(BASE, token);
            assertThat(r.statusCode()).as(token).isEqualTo(401);
            assertThat(errorCode(r)).isEqualTo("unauthenticated");
            assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
        }
        assertThat(server.get(BASE, null).statusCode()).isEqualTo(401);
        var basic = server.send(server.request(BASE, null).header("Authorization", "Basic YTpi").GET().build());
        assertThat(basic.statusCode()).isEqualTo(401);
        // The query-string form used by EventSource works on every endpoint.
        assertThat(server.get(BASE + "/unread-count?token=" + alice, null).statusCode()).isEqualTo(200);
    }

    @Test
    void tokenInTheQueryStringNeverAppearsInTheLog() {
        server.close();
        // An authenticator that fails unexpectedly makes the server log the failing request.
        server = new TestServer(b -> { }, c -> c.authenticator = token -> {
            throw new IllegalStateException("key service down");
        });
        String secretToken = "eyJsecret.token.value";
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        HttpResponse<String> r;
        try {
            r = server.get(BASE + "/unread-count?token=" + secretToken, null);
        } finally {
            System.setErr(original);
        }
        assertThat(r.statusCode()).isEqualTo(500);
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log).contains("GET /api/v1/notifications/unread-count failed");
        assertThat(log).doesNotContain(secretToken);
        assertThat(r.body()).doesNotContain(secretToken);
    }

    @Test
    void healthAnswersWithoutAuthentication() {
        HttpResponse<String> r = server.get("/health", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(TestServer.body(r)).containsEntry("status", "ok");
    }

    private static String b64(String json) {
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    static String json(Object o) {
        return Json.write(o);
    }
}
