package dev.notify.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.notify.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's walk-through, step by step, through the same CLI and server code: start on the
 * embedded default, get a token, open the stream, send, see it arrive.
 */
class ServerWalkthroughTest {
    @TempDir
    Path dataDir;

    private final HttpClient http = HttpClient.newHttpClient();

    private record Run(int exit, String out, String err) {
    }

    private Run cli(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = NotifyCli.run(env, new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(exit, out.toString().trim(), err.toString().trim());
    }

    @Test
    void cliTokenAndSendReachAStreamOnTheEmbeddedDefault() throws Exception {
        Map<String, String> env = Map.of("NOTIFY_PORT", "0", "NOTIFY_DATA_DIR", dataDir.toString());
        ByteArrayOutputStream banner = new ByteArrayOutputStream();
        try (NotifyServer server = NotifyServer.start(ServerConfig.fromEnvironment(env),
                new PrintStream(banner, true, StandardCharsets.UTF_8))) {
            String base = "http://localhost:" + server.port();
            assertThat(banner.toString(StandardCharsets.UTF_8))
                    .contains(" listening on " + base)
                    .contains("database: jdbc:h2:file:" + dataDir.toAbsolutePath())
                    .contains("in-app live");

            Run token = cli(env, "token", "--user", "alice");
            assertThat(token.exit()).isZero();
            assertThat(server.authenticator().authenticate(token.out()).userId()).isEqualTo("alice");

            HttpResponse<Stream<String>> stream = http.send(HttpRequest.newBuilder(
                            URI.create(base + "/api/v1/notifications/sse/stream?token=" + token.out())).build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertThat(stream.statusCode()).isEqualTo(200);
            Iterator<String> lines = stream.body().iterator();
            CompletableFuture<String> notificationData = CompletableFuture.supplyAsync(() -> {
                boolean inNotification = false;
                while (lines.hasNext()) {
                    String line = lines.next();
                    if (line.equals("event: notification")) {
                        inNotification = true;
                    } else if (inNotification && line.startsWith("data: ")) {
                        return line.substring(6);
                    }
                }
                return null;
            });

            Run send = cli(env, "send", "--server", base, "--user", "alice", "--type", "task_assigned",
                    "--title", "New task assigned", "--message", "Review the Q3 report");
            assertThat(send.exit()).as(send.err()).isZero();

            // Generous: a loaded machine must not fail this; latency is measured by the benchmarks.
            String data = notificationData.get(30, TimeUnit.SECONDS);
            assertThat(Json.readObject(data)).containsEntry("title", "New task assigned")
                    .containsEntry("message", "Review the Q3 report").containsEntry("type", "task_assigned");
            stream.body().close();
        }
    }

    @Test
    void generatedSecretAndNotificationsSurviveARestart() throws Exception {
        Map<String, String> env = Map.of("NOTIFY_PORT", "0", "NOTIFY_DATA_DIR", dataDir.toString());
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        String token;
        try (NotifyServer server = NotifyServer.start(ServerConfig.fromEnvironment(env), quiet)) {
            token = cli(env, "token", "--user", "alice", "--ttl", "10m").out();
            assertThat(cli(env, "send", "--server", "http://localhost:" + server.port(), "--user", "alice",
                    "--title", "kept").exit()).isZero();
        }
        try (NotifyServer server = NotifyServer.start(ServerConfig.fromEnvironment(env), quiet)) {
            HttpResponse<String> list = http.send(HttpRequest.newBuilder(
                            URI.create("http://localhost:" + server.port() + "/api/v1/notifications"))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(list.statusCode()).isEqualTo(200);
            assertThat(list.body()).contains("\"title\":\"kept\"");
        }
    }

    @Test
    void badCliArgumentsFailWithAMessage() {
        Map<String, String> env = Map.of("NOTIFY_DATA_DIR", dataDir.toString());
        Run badTtl = cli(env, "token", "--user", "alice", "--ttl", "soon");
        assertThat(badTtl.exit()).isEqualTo(2);
        assertThat(badTtl.err()).contains("--ttl must be a positive duration");
        Run noUser = cli(env, "token");
        assertThat(noUser.exit()).isEqualTo(2);
        assertThat(noUser.err()).contains("--user");
        Map<String, String> withSecret = Map.of("NOTIFY_DATA_DIR", dataDir.toString(),
                "NOTIFY_JWT_SECRET", "0123456789abcdef0123456789abcdef");
        Run noServer = cli(withSecret, "send", "--server", "http://localhost:1", "--user", "a", "--title", "t");
        assertThat(noServer.exit()).isEqualTo(1);
        assertThat(noServer.err()).contains("no server at http://localhost:1");
    }

    @Test
    void badEnvironmentNamesTheVariable() {
        assertThat(org.assertj.core.api.Assertions.catchThrowable(
                () -> ServerConfig.fromEnvironment(Map.of("NOTIFY_PORT", "eighty"))))
                .hasMessageContaining("NOTIFY_PORT").hasMessageContaining("eighty");
    }
}
