package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.notify.email.UnsubscribeTokens;
import dev.notify.outbox.Delivery;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.outbox.DeliveryOutcome;
import dev.notify.outbox.DeliveryTarget;
import dev.notify.outbox.OutboxSettings;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminApiTest {
    private static final String SECRET = "unsubscribe-secret-unsubscribe-secret-42";

    /** A channel that sends to each profile's email address and fails while {@link #down} is set. */
    static final class MailLikeChannel implements DeliveryChannel {
        final AtomicBoolean down = new AtomicBoolean();
        final AtomicBoolean busy = new AtomicBoolean();

        @Override
        public String name() {
            return "email";
        }

        @Override
        public List<String> destinations(DeliveryTarget target) {
            return target.profile().map(p -> p.email()).stream().toList();
        }

        @Override
        public List<DeliveryOutcome> deliver(List<Delivery> batch) {
            return batch.stream().map(d -> down.get() ? DeliveryOutcome.failed("550 mailbox unavailable")
                    : busy.get() ? DeliveryOutcome.retry("451 try again later") : DeliveryOutcome.delivered()).toList();
        }
    }

    private final MailLikeChannel channel = new MailLikeChannel();
    private TestServer server;
    private String admin;
    private String publisher;

    @BeforeEach
    void start() {
        server = new TestServer(b -> b.channel(channel).outbox(OutboxSettings.ofDefaults().withWorkers(0)),
                c -> c.unsubscribeTokens = new UnsubscribeTokens(SECRET));
        admin = server.token("ops", "admin");
        publisher = server.token("svc", "publish");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> put(String path, String token, String body) {
        return server.send(server.request(path, token).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    @Test
    void publisherSetsAProfileAndSendsQueueAnEmailRow() {
        HttpResponse<String> r = put("/api/v1/recipients/alice", publisher,
                "{\"email\":\"alice@example.com\",\"display_name\":\"Alice\",\"locale\":\"fr-FR\",\"time_zone\":\"Europe/Paris\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(TestServer.body(server.get("/api/v1/recipients/alice", publisher)))
                .containsEntry("email", "alice@example.com").containsEntry("time_zone", "Europe/Paris");
        server.create("alice", "Your order shipped");

        var rows = TestServer.body(server.get("/api/v1/admin/outbox?status=pending", admin));
        assertThat((List<?>) rows.get("entries")).hasSize(1);
        assertThat(SseStreamTest.map(((List<?>) rows.get("entries")).get(0)))
                .containsEntry("channel", "email").containsEntry("destination", "alice@example.com")
                .containsEntry("status", "pending");
    }

    @Test
    void badProfilesAreRejected() {
        assertThat(put("/api/v1/recipients/alice", publisher, "{\"email\":\"not an address\"}").statusCode()).isEqualTo(400);
        assertThat(put("/api/v1/recipients/alice", publisher, "{\"time_zone\":\"Mars/Olympus\"}").body())
                .contains("invalid_time_zone");
        assertThat(put("/api/v1/recipients/alice", publisher, "{\"locale\":\"!!\"}").body())
                .contains("invalid_locale");
        assertThat(put("/api/v1/recipients/alice", publisher, "{\"mail\":\"a@b.c\"}").body()).contains("unknown_field");
        assertThat(put("/api/v1/recipients/alice", server.token("alice"), "{\"email\":\"a@b.c\"}").statusCode())
                .isEqualTo(403);
        assertThat(server.get("/api/v1/recipients/alice", publisher).statusCode()).isEqualTo(404);
    }

    @Test
    void deadRowShowsInTheAdminApiAndRetryDeliversIt() {
        put("/api/v1/recipients/bob", publisher, "{\"email\":\"bob@example.com\"}");
        channel.down.set(true);
        server.create("bob", "Invoice");
        server.notify.outbox().deliverDue();

        var dead = TestServer.body(server.get("/api/v1/admin/outbox?status=dead&channel=email", admin));
        Map<String, Object> row = SseStreamTest.map(((List<?>) dead.get("entries")).get(0));
        assertThat(row).containsEntry("status", "dead").containsEntry("last_error", "550 mailbox unavailable");
        assertThat(TestServer.body(server.get("/api/v1/admin/outbox/counts", admin)))
                .isEqualTo(Map.of("counts", Map.of("email", Map.of("dead", 1))));

        channel.down.set(false);
        HttpResponse<String> retried = server.post("/api/v1/admin/outbox/" + row.get("id") + "/retry", admin, null);
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(TestServer.body(retried)).containsEntry("status", "pending");
        server.notify.outbox().deliverDue();
        assertThat(TestServer.body(server.get("/api/v1/admin/outbox/counts", admin)))
                .isEqualTo(Map.of("counts", Map.of("email", Map.of("delivered", 1))));
        HttpResponse<String> again = server.post("/api/v1/admin/outbox/" + row.get("id") + "/retry", admin, null);
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.body()).contains("not_waiting");
        assertThat(server.post("/api/v1/admin/outbox/424242/retry", admin, null).statusCode()).isEqualTo(404);
    }

    @Test
    void retryMakesARetryingRowDueNowAndRetryAllDoesSoForAChannel() {
        put("/api/v1/recipients/bob", publisher, "{\"email\":\"bob@example.com\"}");
        put("/api/v1/recipients/carol", publisher, "{\"email\":\"carol@example.com\"}");
        put("/api/v1/recipients/dave", publisher, "{\"email\":\"dave@example.com\"}");
        channel.busy.set(true);
        server.create("bob", "Invoice");
        assertThat(server.notify.outbox().deliverDue()).isEqualTo(1);
        Map<String, Object> row = SseStreamTest.map(((List<?>) TestServer.body(
                server.get("/api/v1/admin/outbox?status=retrying", admin)).get("entries")).get(0));
        assertThat(server.notify.outbox().deliverDue()).as("waits for its backoff").isZero();

        channel.busy.set(false);
        HttpResponse<String> retried = server.post("/api/v1/admin/outbox/" + row.get("id") + "/retry", admin, null);
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(TestServer.body(retried)).containsEntry("status", "retrying").containsEntry("attempts", 1);
        assertThat(server.notify.outbox().deliverDue()).isEqualTo(1);

        channel.busy.set(true);
        server.create("carol", "Invoice");
        server.create("dave", "Invoice");
        assertThat(server.notify.outbox().deliverDue()).isEqualTo(2);
        assertThat(server.notify.outbox().deliverDue()).isZero();
        channel.busy.set(false);
        HttpResponse<String> all = server.post("/api/v1/admin/outbox/retry?channel=email", admin, null);
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(TestServer.body(all)).isEqualTo(Map.of("channel", "email", "retried", 2));
        assertThat(server.notify.outbox().deliverDue()).isEqualTo(2);
        assertThat(TestServer.body(server.get("/api/v1/admin/outbox/counts", admin)))
                .isEqualTo(Map.of("counts", Map.of("email", Map.of("delivered", 3))));

        assertThat(server.post("/api/v1/admin/outbox/retry", admin, null).body()).contains("channel");
        assertThat(server.post("/api/v1/admin/outbox/retry?channel=email", publisher, null).statusCode())
                .isEqualTo(403);
    }

    @Test
    void adminCallsNeedTheAdminScope() {
        assertThat(server.get("/api/v1/admin/outbox", publisher).statusCode()).isEqualTo(403);
        assertThat(server.get("/api/v1/admin/outbox/counts", server.token("alice")).statusCode()).isEqualTo(403);
        assertThat(server.get("/api/v1/admin/outbox", null).statusCode()).isEqualTo(401);
        assertThat(server.get("/api/v1/admin/outbox?status=lost", admin).body()).contains("invalid_status");
    }

    @Test
    void oneClickUnsubscribeStopsLaterEmailsOfThatType() {
        put("/api/v1/recipients/carol", publisher, "{\"email\":\"carol@example.com\"}");
        String token = new UnsubscribeTokens(SECRET).issue("carol", "email", "task_assigned");
        String path = "/api/v1/notifications/unsubscribe?token=" + token;

        // GET only shows a confirmation form (mail scanners follow links).
        HttpResponse<String> page = server.get(path, null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<form method=post").contains("task_assigned");
        assertThat(server.notify.preferences().allows("carol", "email", "task_assigned")).isTrue();

        // RFC 8058 section 3.2: POST with the body List-Unsubscribe=One-Click.
        HttpResponse<String> done = server.send(server.request(path, null)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("List-Unsubscribe=One-Click")).build());
        assertThat(done.statusCode()).isEqualTo(200);
        assertThat(server.notify.preferences().allows("carol", "email", "task_assigned")).isFalse();
        assertThat(server.notify.preferences().allows("carol", "email", "invoice")).isTrue();

        server.create("carol", "task for carol");
        assertThat(server.notify.outbox().list(null, "email", 0, 10)).isEmpty();
        assertThat(server.get("/api/v1/notifications/unsubscribe?token=forged", null).statusCode()).isEqualTo(400);
    }
}
