package dev.notify.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.notify.javalin.RateLimits;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics}, {@code NOTIFY_MANAGEMENT_PORT}, the health endpoints and the operating variables of the server. */
class ServerOperationsTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    private HttpResponse<String> get(int port, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void metricsOnTheMainPortNeedAnAdminTokenAndIncludeJvmAndJettyMeters() throws Exception {
        Map<String, String> env = Map.of("NOTIFY_PORT", "0", "NOTIFY_DATA_DIR", dataDir.toString());
        try (NotifyServer server = NotifyServer.start(ServerConfig.fromEnvironment(env), env,
                new PrintStream(OutputStream.nullOutputStream()))) {
            String admin = server.authenticator().issue("ops", Set.of("admin"), Duration.ofHours(1));
            assertThat(get(server.port(), "/metrics", null).statusCode()).isEqualTo(401);
            HttpResponse<String> r = get(server.port(), "/metrics", admin);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("jvm_memory_used_bytes", "jetty_threads_current", "notify_sends_total",
                    "notify_heartbeat_lag_seconds");
            assertThat(server.managementPort()).isEmpty();

            HttpResponse<String> live = get(server.port(), "/health/live", null);
            assertThat(live.statusCode()).isEqualTo(200);
            assertThat(live.body()).isEqualTo("{\"status\":\"live\"}\n"); // JSON bodies end with a newline
            HttpResponse<String> ready = get(server.port(), "/health/ready", null);
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).contains("\"status\":\"ready\"", "\"name\":\"database\"");
        }
    }

    @Test
    void aManagementPortServesMetricsWithoutATokenAndTheMainPortServesNone() throws Exception {
        Map<String, String> env = Map.of("NOTIFY_PORT", "0", "NOTIFY_DATA_DIR", dataDir.toString(),
                "NOTIFY_MANAGEMENT_PORT", "0");
        try (NotifyServer server = NotifyServer.start(ServerConfig.fromEnvironment(env), env,
                new PrintStream(OutputStream.nullOutputStream()))) {
            int management = server.managementPort().orElseThrow();
            HttpResponse<String> r = get(management, "/metrics", null);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("notify_sends_total", "jvm_threads_live_threads");
            assertThat(get(management, "/health/ready", null).statusCode()).isEqualTo(200);
            String admin = server.authenticator().issue("ops", Set.of("admin"), Duration.ofHours(1));
            assertThat(get(server.port(), "/metrics", admin).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void operatingVariablesAreReadAndBadValuesNameTheVariable() {
        OpsSettings s = OpsSettings.fromEnvironment(Map.of("NOTIFY_SHUTDOWN_SECONDS", "3",
                "NOTIFY_LIMIT_SENDS_PER_SECOND", "5", "NOTIFY_LIMIT_AUTH_FAILURES_PER_MINUTE", "0"));
        assertThat(s.shutdown()).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.managementPort()).isNull();
        assertThat(s.limits().sendsPerSecond()).isEqualTo(5);
        assertThat(s.limits().authFailuresPerMinute()).isZero();
        assertThat(s.limits().ticketsPerMinute()).isEqualTo(RateLimits.DEFAULT_TICKETS_PER_MINUTE);
        assertThat(OpsSettings.fromEnvironment(Map.of()).shutdown()).isEqualTo(Duration.ofSeconds(10));
        assertThatThrownBy(() -> OpsSettings.fromEnvironment(Map.of("NOTIFY_SHUTDOWN_SECONDS", "0")))
                .hasMessage("NOTIFY_SHUTDOWN_SECONDS must be a whole number of seconds 1-3600 but was '0'");
        assertThatThrownBy(() -> OpsSettings.fromEnvironment(Map.of("NOTIFY_LIMIT_STREAMS_PER_MINUTE", "-1")))
                .hasMessage("NOTIFY_LIMIT_STREAMS_PER_MINUTE must be a whole number >= 0 (0 turns the limit off)"
                        + " but was '-1'");
        assertThatThrownBy(() -> OpsSettings.fromEnvironment(Map.of("NOTIFY_MANAGEMENT_PORT", "http")))
                .hasMessageStartingWith("NOTIFY_MANAGEMENT_PORT must be a port number");
    }

    @Test
    void aWarmUpKeepsTheServerUnreadyUntilItEndsAndLeavesNothingInItsDatabase() throws Exception {
        Map<String, String> env = Map.of("NOTIFY_PORT", "0", "NOTIFY_DATA_DIR", dataDir.toString(),
                "NOTIFY_WARMUP_SECONDS", "2");
        java.io.ByteArrayOutputStream banner = new java.io.ByteArrayOutputStream();
        try (NotifyServer server = NotifyServer.start(ServerConfig.fromEnvironment(env), env,
                new PrintStream(banner, true, java.nio.charset.StandardCharsets.UTF_8))) {
            // Serves at once (streams, sends), while readiness waits for the warm-up.
            assertThat(get(server.port(), "/health/live", null).statusCode()).isEqualTo(200);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
                HttpResponse<String> ready = get(server.port(), "/health/ready", null);
                assertThat(ready.statusCode()).isEqualTo(200);
                assertThat(ready.body()).contains("\"name\":\"warmup\",\"ok\":true,\"detail\":\"warmed up: ")
                        // Reconnections replayed what they missed (the path a restart's clients take).
                        .containsPattern("warmed up: [1-9][0-9]* sends, [1-9][0-9]* streams resumed with Last-Event-ID");
            });
            // The warm-up's sends went to its own database, none to this one.
            assertThat(server.core().inbox("w0").unreadCount()).isZero();
            assertThat(server.meterRegistry().orElseThrow().find(dev.notify.NotifyMeters.SENDS).counters())
                    .allSatisfy(c -> assertThat(c.count()).isZero());
        }
        assertThat(banner.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("warm-up:  running; /health/ready answers 503 until it ends", "warmed up: ");
        assertThatThrownBy(() -> NotifyServer.start(ServerConfig.fromEnvironment(env),
                Map.of("NOTIFY_PORT", "0", "NOTIFY_DATA_DIR", dataDir.toString(), "NOTIFY_WARMUP_SECONDS", "soon"),
                new PrintStream(OutputStream.nullOutputStream())))
                .isInstanceOf(StartupException.class)
                .hasMessage("NOTIFY_WARMUP_SECONDS must be a whole number of seconds 0-600 but was 'soon'");
    }
}
