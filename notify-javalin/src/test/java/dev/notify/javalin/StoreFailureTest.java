package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.notify.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Database failures as clients see them: 503 + {@code Retry-After} when a retry can succeed (a
 * lock timeout), 500 otherwise (a constraint the database enforces); both with an error id that
 * the log line carries next to the database's own message, which the response never shows.
 */
class StoreFailureTest {
    enum Db { H2, POSTGRES }

    private static final String BASE = "/api/v1/notifications";

    private record Setup(TestServer server, String url, PgTestSchema schema) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
            if (schema != null) {
                schema.close();
            }
        }
    }

    private static Setup start(Db db) {
        PgTestSchema schema = db == Db.POSTGRES ? PgTestSchema.create() : null;
        // A short lock timeout, so that a held row lock fails the request quickly.
        String url = schema != null ? schema.jdbcUrl("options=-c%20lock_timeout%3D500")
                : "jdbc:h2:mem:store-failure-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=500";
        return new Setup(new TestServer(b -> b.jdbcUrl(url), c -> { }), url, schema);
    }

    @ParameterizedTest
    @EnumSource(Db.class)
    void aLockTimeoutIs503WithRetryAfterAndAnErrorIdThatIsLogged(Db db) throws Exception {
        try (Setup setup = start(db); Connection holder = DriverManager.getConnection(setup.url())) {
            TestServer server = setup.server();
            long id = server.create("alice", "hello");
            String alice = server.token("alice");
            holder.setAutoCommit(false);
            try (Statement s = holder.createStatement()) {
                s.executeUpdate("UPDATE notify_notification SET title = title WHERE id = " + id);
            }
            Captured captured = captureErr(() -> server.post(BASE + "/" + id + "/read", alice, null));
            holder.rollback();
            HttpResponse<String> r = captured.response();
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            assertThat(r.headers().firstValue("Retry-After")).hasValue("2");
            Map<String, Object> error = error(r);
            assertThat(error).containsEntry("code", "store_unavailable");
            String errorId = (String) error.get("error_id");
            assertThat(errorId).matches("[0-9a-f]{12}");
            assertThat((String) error.get("message")).contains("try again").contains(errorId)
                    .doesNotContainIgnoringCase("lock").doesNotContainIgnoringCase("notify_notification");
            assertThat(captured.log()).contains("error " + errorId).containsIgnoringCase("lock");
            // Once the lock is gone the same request succeeds.
            assertThat(server.post(BASE + "/" + id + "/read", alice, null).statusCode()).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @EnumSource(Db.class)
    void aFailureARetryCannotCureIs500WithAGenericMessageOverHttpAndWebSocket(Db db) throws Exception {
        try (Setup setup = start(db); Connection c = DriverManager.getConnection(setup.url())) {
            TestServer server = setup.server();
            try (Statement s = c.createStatement()) {
                s.execute("ALTER TABLE notify_notification ADD CONSTRAINT no_boom_title CHECK (title <> 'boom')");
            }
            Captured captured = captureErr(() -> server.post(BASE, server.token("shop", "publish"),
                    Json.write(Map.of("recipient", "alice", "title", "boom"))));
            HttpResponse<String> r = captured.response();
            assertThat(r.statusCode()).as(r.body()).isEqualTo(500);
            assertThat(r.headers().firstValue("Retry-After")).isEmpty();
            Map<String, Object> error = error(r);
            assertThat(error).containsEntry("code", "store_error");
            String errorId = (String) error.get("error_id");
            assertThat(r.body()).doesNotContainIgnoringCase("no_boom_title").doesNotContainIgnoringCase("check")
                    .doesNotContainIgnoringCase("constraint");
            assertThat(captured.log()).contains("error " + errorId).containsIgnoringCase("no_boom_title");

            try (WsTestClient ws = WsTestClient.withToken(server, server.token("shop", "publish"))) {
                Map<String, Object> reply = ws.request(Map.of("type", "send_notification", "recipient", "alice",
                        "title", "boom", "request_id", 7));
                assertThat(reply).containsEntry("type", "error").containsEntry("code", "store_error")
                        .containsEntry("request_id", 7).containsKey("error_id");
                assertThat(Json.write(reply)).doesNotContainIgnoringCase("no_boom_title");
            }
            assertThat(server.notify.inbox("alice").unreadCount()).isZero();
        }
    }

    private record Captured(HttpResponse<String> response, String log) {
    }

    /** Runs the call with {@code System.err}, where slf4j-simple writes, captured. */
    private static Captured captureErr(java.util.function.Supplier<HttpResponse<String>> call) {
        PrintStream original = System.err;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            HttpResponse<String> response = call.get();
            return new Captured(response, buffer.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(original);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> error(HttpResponse<String> r) {
        return (Map<String, Object>) TestServer.body(r).get("error");
    }
}
