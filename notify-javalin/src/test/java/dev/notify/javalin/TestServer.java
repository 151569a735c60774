package dev.notify.javalin;

import dev.notify.Notify;
import dev.notify.json.Json;
import io.javalin.Javalin;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/** A real Javalin server on port 0 with {@link NotifyPlugin} on an in-memory H2 database. */
final class TestServer implements AutoCloseable {
    static final String SECRET = "test-secret-test-secret-test-secret-0123";

    final Notify notify;
    final JwtAuthenticator jwt = JwtAuthenticator.hs256(SECRET);
    final Javalin app;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    TestServer() {
        this(b -> { }, c -> { });
    }

    TestServer(Consumer<Notify.Builder> notifyConfig, Consumer<NotifyPluginConfig> pluginConfig) {
        Notify.Builder builder = Notify.builder().jdbcUrl("jdbc:h2:mem:web-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        notifyConfig.accept(builder);
        notify = builder.build();
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.registerPlugin(new NotifyPlugin(c -> {
                c.notify = notify;
                c.authenticator = jwt;
                pluginConfig.accept(c);
            }));
        }).start(0);
    }

    String url(String path) {
        return "http://localhost:" + app.port() + path;
    }

    String token(String user, String... scopes) {
        return jwt.issue(user, Set.of(scopes), Duration.ofHours(1));
    }

    HttpResponse<String> get(String path, String token) {
        return send(request(path, token).GET().build());
    }

    HttpResponse<String> post(String path, String token, String body) {
        return send(request(path, token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body == null ? "" : body))
                .build());
    }

    HttpResponse<String> delete(String path, String token) {
        return send(request(path, token).DELETE().build());
    }

    /** Creates one notification through the API as a publisher; returns its id. */
    long create(String recipient, String title) {
        HttpResponse<String> r = post("/api/v1/notifications", token("publisher", "publish"),
                Json.write(Map.of("recipient", recipient, "type", "task_assigned", "title", title)));
        if (r.statusCode() != 201) {
            throw new AssertionError("create failed: " + r.statusCode() + " " + r.body());
        }
        return ((Number) ((java.util.List<Map<String, Object>>) body(r).get("notifications")).get(0).get("id")).longValue();
    }

    static Map<String, Object> body(HttpResponse<String> response) {
        return Json.readObject(response.body());
    }

    HttpRequest.Builder request(String path, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<byte[]> sendBytes(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Opens an SSE stream with a real streaming HTTP client. */
    SseTestClient stream(String token, String lastEventId) {
        return SseTestClient.open(http, url("/api/v1/notifications/sse/stream"), token, lastEventId);
    }

    @Override
    public void close() {
        notify.close();
        app.stop();
    }
}
