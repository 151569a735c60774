package dev.notify.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The standalone server loads templates from {@code NOTIFY_TEMPLATES_DIR}. */
class ServerTemplatesTest {
    @TempDir
    Path dataDir;
    @TempDir
    Path templatesDir;

    @Test
    void templatesFromTheDirectoryAreSentAndPreviewed() throws Exception {
        Files.writeString(templatesDir.resolve("new_order.json"), """
                {
                  "name": "new_order",
                  "category": "orders",
                  "locales": {"en": {"title": "New order #{{order_number}}", "message": "{{customer_name}} ordered."}},
                  "sample": {"order_number": "1042", "customer_name": "Ana"}
                }
                """);
        Map<String, String> env = Map.of("NOTIFY_PORT", "0", "NOTIFY_DATA_DIR", dataDir.toString(),
                "NOTIFY_TEMPLATES_DIR", templatesDir.toString());
        ByteArrayOutputStream banner = new ByteArrayOutputStream();
        try (NotifyServer server = NotifyServer.start(ServerConfig.fromEnvironment(env), env,
                new PrintStream(banner, true, StandardCharsets.UTF_8))) {
            assertThat(banner.toString(StandardCharsets.UTF_8)).contains("templates: 1 from " + templatesDir);
            String base = "http://localhost:" + server.port();
            String publisher = server.authenticator().issue("shop", Set.of("publish"), Duration.ofMinutes(5));
            HttpClient http = HttpClient.newHttpClient();

            HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/notifications"))
                    .header("Authorization", "Bearer " + publisher).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("""
                            {"recipient": "42", "template": "new_order",
                             "params": {"order_number": "7", "customer_name": "Bo"}}""")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).isEqualTo(201);
            assertThat(created.body()).contains("\"title\":\"New order #7\"").contains("\"type\":\"new_order\"");

            HttpResponse<String> preview = http.send(HttpRequest.newBuilder(
                            URI.create(base + "/api/v1/templates/new_order/preview"))
                    .header("Authorization", "Bearer " + publisher).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(preview.statusCode()).isEqualTo(200);
            assertThat(preview.body()).contains("New order #1042");
        }
    }
}
