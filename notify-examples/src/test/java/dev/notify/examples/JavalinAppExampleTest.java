package dev.notify.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notify.Notify;
import dev.notify.javalin.JwtAuthenticator;
import io.javalin.Javalin;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shop of {@link JavalinAppExample} on a real server (port 0) and an in-memory H2 database. */
class JavalinAppExampleTest {
    private static final String SECRET = "example-shop-secret-at-least-32-bytes";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private Notify notify;
    private Javalin app;
    private String base;

    @BeforeEach
    void start() {
        notify = Notify.builder().jdbcUrl("jdbc:h2:mem:shop-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1").build();
        app = JavalinAppExample.start(notify, SECRET, 0);
        base = "http://localhost:" + app.port();
    }

    @AfterEach
    void stop() {
        // As the example's shutdown hook: notify first, which ends open SSE responses.
        try {
            notify.close();
        } finally {
            app.stop();
        }
    }

    @Test
    void appsOwnRoutesWorkNextToThePlugin() throws Exception {
        HttpResponse<String> empty = get("/orders", null);
        assertThat(empty.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(empty.body()).isArray()).isTrue();
        assertThat(JSON.readTree(empty.body())).isEmpty();

        HttpResponse<String> created = postOrder("{\"customer\":\"ACME\",\"item\":\"Widget\",\"quantity\":3}");
        assertThat(created.statusCode()).isEqualTo(201);
        long id = JSON.readTree(created.body()).get("id").asLong();

        JsonNode orders = JSON.readTree(get("/orders", null).body());
        assertThat(orders).hasSize(1);
        assertThat(orders.get(0).get("id").asLong()).isEqualTo(id);
        assertThat(orders.get(0).get("item").asText()).isEqualTo("Widget");
        assertThat(get("/orders/" + id, null).statusCode()).isEqualTo(200);
        assertThat(get("/health", null).statusCode()).isEqualTo(200);
    }

    @Test
    void newOrderNotifiesTheManager() throws Exception {
        long id = JSON.readTree(postOrder("{\"customer\":\"ACME\",\"item\":\"Widget\",\"quantity\":3}").body())
                .get("id").asLong();

        HttpResponse<String> inbox = get("/api/v1/notifications", token(JavalinAppExample.MANAGER));
        assertThat(inbox.statusCode()).isEqualTo(200);
        JsonNode notifications = JSON.readTree(inbox.body()).get("notifications");
        assertThat(notifications).hasSize(1);
        JsonNode n = notifications.get(0);
        assertThat(n.get("type").asText()).isEqualTo(JavalinAppExample.NEW_ORDER);
        assertThat(n.get("recipient").asText()).isEqualTo(JavalinAppExample.MANAGER);
        assertThat(n.get("title").asText()).isEqualTo("New order #" + id + ": 3 x Widget");
        assertThat(n.get("data").get("order_id").asLong()).isEqualTo(id);
        assertThat(n.get("link").asText()).isEqualTo("/orders/" + id);
        assertThat(n.get("read").asBoolean()).isFalse();

        HttpResponse<String> count = get("/api/v1/notifications/unread-count", token(JavalinAppExample.MANAGER));
        assertThat(JSON.readTree(count.body()).get("unread_count").asLong()).isEqualTo(1);
    }

    @Test
    void otherUsersDoNotSeeTheManagersNotification() throws Exception {
        postOrder("{\"item\":\"Widget\"}");

        HttpResponse<String> inbox = get("/api/v1/notifications", token("alice"));
        assertThat(inbox.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(inbox.body()).get("notifications")).isEmpty();
    }

    @Test
    void notificationsApiWithoutTokenAnswers401WithJsonError() throws Exception {
        HttpResponse<String> response = get("/api/v1/notifications", null);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error).isNotNull();
        assertThat(error.get("code").asText()).isEqualTo("unauthenticated");
        assertThat(error.get("message").asText()).isNotBlank();
    }

    @Test
    void invalidOrderIsRejectedAndNotifiesNobody() throws Exception {
        assertThat(postOrder("{\"item\":\"Widget\",\"quantity\":0}").statusCode()).isEqualTo(400);
        assertThat(postOrder("{\"quantity\":2}").statusCode()).isEqualTo(400);

        assertThat(notify.inbox(JavalinAppExample.MANAGER).unreadCount()).isZero();
    }

    @Test
    void managerReceivesNewOrderOnTheSseStream() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        // Last-Event-ID 0: replay from the start, then live, so an order placed while the stream is
        // still being registered is not missed.
        HttpRequest stream = HttpRequest.newBuilder(URI.create(base + "/api/v1/notifications/sse/stream?token="
                        + token(JavalinAppExample.MANAGER)))
                .header("Accept", "text/event-stream")
                .header("Last-Event-ID", "0")
                .build();
        http.sendAsync(stream, HttpResponse.BodyHandlers.ofLines())
                .thenAccept(response -> response.body().forEach(lines::add));
        await().atMost(Duration.ofSeconds(60)).until(() -> lines.contains("event: connection_established"));

        postOrder("{\"customer\":\"ACME\",\"item\":\"Widget\",\"quantity\":3}");

        await().atMost(Duration.ofSeconds(60)).until(() -> lines.contains("event: notification"));
        String data = lines.get(lines.indexOf("event: notification") + 1);
        assertThat(data).startsWith("data: ");
        JsonNode n = JSON.readTree(data.substring("data: ".length()));
        assertThat(n.get("type").asText()).isEqualTo(JavalinAppExample.NEW_ORDER);
        assertThat(lines.get(lines.indexOf("event: notification") - 1)).isEqualTo("id: " + n.get("seq").asLong());
    }

    private String token(String user) {
        return JwtAuthenticator.hs256(SECRET).issue(user, Set.of(), Duration.ofMinutes(5));
    }

    private HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> postOrder(String json) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/orders"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
