package dev.notify.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.notify.javalin.AuthenticationException;
import dev.notify.javalin.JwtAuthenticator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up as an operator meets it: each failure is one or two lines naming the setting to change,
 * with the stack trace only when asked for; the port and the data directory are claimed before
 * the database is touched; the banner says where things are.
 */
class ServerStartupTest {
    @TempDir
    Path dataDir;

    private record Run(int exit, String out, String err) {
        long errLines() {
            return err.isEmpty() ? 0 : err.lines().count();
        }
    }

    private static Run cli(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = NotifyCli.run(env, new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(exit, out.toString().trim(), err.toString().trim());
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    @Test
    void busyPortNamesNotifyPortAndCreatesNoDatabase() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            Map<String, String> env = Map.of("NOTIFY_PORT", Integer.toString(taken.getLocalPort()),
                    "NOTIFY_DATA_DIR", dataDir.resolve("data").toString());
            Run run = cli(env, "serve");
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.err()).startsWith("notify could not start: port " + taken.getLocalPort() + " is in use")
                    .contains("NOTIFY_PORT").doesNotContain("\tat ");
            assertThat(run.errLines()).isBetween(1L, 2L);
            // The port is checked first: nothing was written, no table was created.
            assertThat(dataDir.resolve("data")).doesNotExist();
        }
    }

    @Test
    void debugPrintsTheStackTrace() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            Map<String, String> env = Map.of("NOTIFY_PORT", Integer.toString(taken.getLocalPort()),
                    "NOTIFY_DATA_DIR", dataDir.toString());
            assertThat(cli(env, "serve", "--debug").err()).contains("NOTIFY_PORT").contains("\tat ");
            Map<String, String> debugEnv = new HashMap<>(env);
            debugEnv.put("NOTIFY_LOG_LEVEL", "debug");
            assertThat(cli(debugEnv, "serve").err()).contains("\tat ");
        }
    }

    @Test
    void secondServerOnTheSameDataDirectoryIsToldSo() {
        Map<String, String> env = Map.of("NOTIFY_PORT", "0", "NOTIFY_DATA_DIR", dataDir.toString());
        try (NotifyServer first = NotifyServer.start(ServerConfig.fromEnvironment(env), quiet())) {
            Run second = cli(env, "serve");
            assertThat(second.exit()).isEqualTo(1);
            assertThat(second.err()).contains("another notify server is using").contains(dataDir.getFileName().toString())
                    .contains("NOTIFY_DATA_DIR").doesNotContain("\tat ").doesNotContain("server mode");
            assertThat(second.errLines()).isBetween(1L, 2L);
            assertThat(first.core().openStreamCount()).isZero();
        }
        // Released on close: the directory serves again.
        try (NotifyServer again = NotifyServer.start(ServerConfig.fromEnvironment(env), quiet())) {
            assertThat(again.port()).isPositive();
        }
    }

    @Test
    void unreachableDatabaseNamesNotifyDbUrl() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Map<String, String> env = Map.of("NOTIFY_PORT", "0", "NOTIFY_DATA_DIR", dataDir.toString(),
                "NOTIFY_DB_URL", "jdbc:postgresql://127.0.0.1:" + closedPort + "/none?user=nobody",
                "NOTIFY_DB_CONNECTION_TIMEOUT_SECONDS", "2");
        Run run = cli(env, "serve");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("notify could not start: cannot open the database at NOTIFY_DB_URL")
                .contains("check NOTIFY_DB_URL").doesNotContain("\tat ");
        assertThat(run.errLines()).isBetween(1L, 2L);
    }

    @Test
    void malformedSettingIsOneLine() {
        Run run = cli(Map.of("NOTIFY_PORT", "eighty", "NOTIFY_DATA_DIR", dataDir.toString()), "serve");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("notify could not start: NOTIFY_PORT must be a whole number but was 'eighty'");
    }

    @Test
    void bannerShowsVersionDataDirectoryInboxAndTheTokenCommandForThisDirectory() {
        Map<String, String> env = Map.of("NOTIFY_PORT", "0", "NOTIFY_DATA_DIR", dataDir.toString());
        ByteArrayOutputStream banner = new ByteArrayOutputStream();
        try (NotifyServer server = NotifyServer.start(ServerConfig.fromEnvironment(env),
                new PrintStream(banner, true, StandardCharsets.UTF_8))) {
            String text = banner.toString(StandardCharsets.UTF_8);
            String base = "http://localhost:" + server.port();
            assertThat(text).startsWith("notify " + dev.notify.javalin.internal.BuildVersion.get() + " listening on " + base)
                    .contains("inbox:    " + base + "/ ")
                    .contains("data dir: " + dataDir.toAbsolutePath().normalize())
                    .contains(" token --data-dir " + dataDir.toAbsolutePath().normalize() + " --user alice")
                    .contains("access log: on");
        }
    }

    @Test
    void versionComesFromTheBuild() {
        Run run = cli(Map.of(), "--version");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).matches("notify \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
    }

    @Test
    void tokenRefusesToInventASecret() throws Exception {
        Path elsewhere = dataDir.resolve("not-a-server");
        Run run = cli(Map.of("NOTIFY_DATA_DIR", elsewhere.toString()), "token", "--user", "alice");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("no server secret found: looked for "
                + elsewhere.resolve("jwt-secret").toAbsolutePath()).contains("--data-dir");
        assertThat(elsewhere).doesNotExist();

        // With --data-dir pointing at a server's directory, the token verifies there.
        Map<String, String> env = Map.of("NOTIFY_PORT", "0", "NOTIFY_DATA_DIR", dataDir.toString());
        try (NotifyServer server = NotifyServer.start(ServerConfig.fromEnvironment(env), quiet())) {
            Run token = cli(Map.of(), "token", "--data-dir", dataDir.toString(), "--user", "alice");
            assertThat(token.exit()).as(token.err()).isZero();
            assertThat(server.authenticator().authenticate(token.out()).userId()).isEqualTo("alice");
        }
    }

    @Test
    void tokenRejectsUnknownScopes() throws Exception {
        Files.writeString(dataDir.resolve("jwt-secret"), "0123456789abcdef0123456789abcdef");
        Run run = cli(Map.of("NOTIFY_DATA_DIR", dataDir.toString()), "token", "--user", "a", "--scope", "publsh");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("unknown scope 'publsh'").contains("publish, admin");
        assertThat(run.out()).isEmpty();
        assertThat(run.errLines()).isEqualTo(2);
    }

    @Test
    void tokenFromAnotherSecretIsToldTheSecretMayDiffer() {
        String foreign = JwtAuthenticator.hs256("another-secret-another-secret-32b!")
                .issue("alice", Set.of(), Duration.ofMinutes(5));
        assertThat(org.assertj.core.api.Assertions.catchThrowable(
                () -> JwtAuthenticator.hs256("0123456789abcdef0123456789abcdef").authenticate(foreign)))
                .isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("different secret");
    }

    @Test
    void unknownRoutesAndWrongMethodsAnswerJsonAndEveryRequestIsLogged() throws Exception {
        Map<String, String> env = Map.of("NOTIFY_PORT", "0", "NOTIFY_DATA_DIR", dataDir.toString());
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream originalErr = System.err;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try (NotifyServer server = NotifyServer.start(ServerConfig.fromEnvironment(env), quiet())) {
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://localhost:" + server.port();
            HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create(base + "/no/such/route?token=secret"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.headers().firstValue("Content-Type")).hasValue("application/json");
            assertThat(unknown.body()).startsWith("{\"error\":{\"code\":\"route_not_found\"").endsWith("}\n");

            HttpResponse<String> wrongMethod = http.send(HttpRequest.newBuilder(URI.create(base + "/health"))
                    .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(wrongMethod.statusCode()).isEqualTo(405);
            assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("GET");
            assertThat(wrongMethod.body()).contains("\"code\":\"method_not_allowed\"").endsWith("}\n");

            String token = server.authenticator().issue("alice", Set.of(), Duration.ofMinutes(5));
            HttpResponse<String> count = http.send(HttpRequest.newBuilder(
                    URI.create(base + "/api/v1/notifications/unread-count?token=" + token)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(count.body()).isEqualTo("{\"unread_count\":0}\n");

            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.body()).contains("\"version\":\"" + dev.notify.javalin.internal.BuildVersion.get() + "\"");

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(log.toString(StandardCharsets.UTF_8))
                    .containsPattern("dev\\.notify\\.access - GET /no/such/route 404 \\d+ms user=-")
                    .containsPattern("dev\\.notify\\.access - PUT /health 405 \\d+ms user=-")
                    .containsPattern("dev\\.notify\\.access - GET /api/v1/notifications/unread-count 200 \\d+ms user=alice")
                    .doesNotContain("token=")
                    .doesNotContain(token));
        } finally {
            System.setErr(originalErr);
        }
    }

    @Test
    void accessLogCanBeSwitchedOff() throws Exception {
        Map<String, String> env = Map.of("NOTIFY_PORT", "0", "NOTIFY_DATA_DIR", dataDir.toString(),
                NotifyServer.ACCESS_LOG, "off");
        ByteArrayOutputStream banner = new ByteArrayOutputStream();
        try (NotifyServer server = NotifyServer.start(ServerConfig.fromEnvironment(env), env,
                new PrintStream(banner, true, StandardCharsets.UTF_8))) {
            assertThat(banner.toString(StandardCharsets.UTF_8)).contains("access log: off");
        }
        Run bad = cli(Map.of("NOTIFY_PORT", "0", "NOTIFY_DATA_DIR", dataDir.toString(),
                NotifyServer.ACCESS_LOG, "sometimes"), "serve");
        assertThat(bad.err()).isEqualTo("notify could not start: NOTIFY_ACCESS_LOG must be on or off but was 'sometimes'");
    }
}
