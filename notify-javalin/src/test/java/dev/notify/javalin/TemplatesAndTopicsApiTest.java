package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.notify.template.Template;
import dev.notify.template.TemplateRegistry;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Creating from a template, template previews, topic membership and sends to a topic, over HTTP. */
class TemplatesAndTopicsApiTest {
    private TestServer server;
    private String publisher;

    @BeforeEach
    void start() {
        TemplateRegistry templates = TemplateRegistry.builder()
                .template(Template.builder("low_stock_alert")
                        .type("low_stock")
                        .category("inventory")
                        .defaultLocale(Locale.ENGLISH)
                        .locale(Locale.ENGLISH, Template.Parts.of("Low stock: {{item_name}}",
                                        "Only {{current_stock}} {{unit}} left.")
                                .withEmail("Reorder {{item_name}}", null, "<p>{{item_name}}</p>"))
                        .locale(Locale.FRENCH, Template.Parts.of("Stock bas : {{item_name}}",
                                "Plus que {{current_stock}} {{unit}}."))
                        .sample(Map.of("item_name", "Printer <paper>", "current_stock", 3, "unit", "reams"))
                        .build())
                .build();
        server = new TestServer(b -> b.templates(templates), c -> { });
        publisher = server.token("publisher", "publish");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void createRendersTheNamedTemplate() {
        HttpResponse<String> r = server.post("/api/v1/notifications", publisher, """
                {"recipient": "42", "template": "low_stock_alert",
                 "params": {"item_name": "Coffee beans", "current_stock": 5, "unit": "kg", "reorder_level": 10}}""");
        assertThat(r.statusCode()).isEqualTo(201);
        @SuppressWarnings("unchecked")
        Map<String, Object> n = ((List<Map<String, Object>>) TestServer.body(r).get("notifications")).get(0);
        assertThat(n).containsEntry("type", "low_stock").containsEntry("title", "Low stock: Coffee beans")
                .containsEntry("message", "Only 5 kg left.");

        HttpResponse<String> fr = server.post("/api/v1/notifications", publisher, """
                {"recipient": "43", "template": "low_stock_alert", "locale": "fr-CA",
                 "params": {"item_name": "Café", "current_stock": 5, "unit": "kg"}}""");
        assertThat(fr.body()).contains("Stock bas : Café");
    }

    @Test
    void aMissingParameterIsA400AndStoresNothing() {
        HttpResponse<String> r = server.post("/api/v1/notifications", publisher, """
                {"recipient": "42", "template": "low_stock_alert", "params": {"item_name": "Coffee"}}""");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("missing_parameters").contains("current_stock, unit");
        assertThat(server.notify.inbox("42").unreadCount()).isZero();

        HttpResponse<String> both = server.post("/api/v1/notifications", publisher, """
                {"recipient": "42", "template": "low_stock_alert", "title": "Hi"}""");
        assertThat(both.statusCode()).isEqualTo(400);
        HttpResponse<String> unknown = server.post("/api/v1/notifications", publisher, """
                {"recipient": "42", "template": "nope"}""");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("unknown_template");
    }

    @Test
    void aMalformedLocaleIsA400AndStoresNothing() {
        HttpResponse<String> r = server.post("/api/v1/notifications", publisher, """
                {"recipient": "42", "template": "low_stock_alert", "locale": "!!",
                 "params": {"item_name": "Coffee beans", "current_stock": 5, "unit": "kg"}}""");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("invalid_locale");
        assertThat(server.notify.inbox("42").unreadCount()).isZero();

        HttpResponse<String> preview = server.get("/api/v1/templates/low_stock_alert/preview?locale=x", publisher);
        assertThat(preview.statusCode()).isEqualTo(400);
        assertThat(preview.body()).contains("invalid_locale");
    }

    @Test
    void previewRendersEveryChannelWithTheSample() {
        HttpResponse<String> r = server.get("/api/v1/templates/low_stock_alert/preview?locale=en", publisher);
        assertThat(r.statusCode()).isEqualTo(200);
        Map<String, Object> body = TestServer.body(r);
        assertThat(body).containsEntry("template", "low_stock_alert").containsEntry("locale", "en")
                .containsEntry("category", "inventory");
        assertThat(body.get("in_app")).isEqualTo(Map.of("title", "Low stock: Printer <paper>",
                "message", "Only 3 reams left."));
        assertThat(body.get("email")).isEqualTo(Map.of("subject", "Reorder Printer <paper>",
                "text", "Only 3 reams left.", "html", "<p>Printer &lt;paper&gt;</p>"));
        assertThat(body.get("push")).isEqualTo(Map.of("title", "Low stock: Printer <paper>",
                "body", "Only 3 reams left."));

        assertThat(TestServer.body(server.get("/api/v1/templates/low_stock_alert/preview?locale=fr", publisher))
                .get("locale")).isEqualTo("fr");
        assertThat(server.get("/api/v1/templates/nope/preview", publisher).statusCode()).isEqualTo(404);
        assertThat(server.get("/api/v1/templates/low_stock_alert/preview", server.token("alice")).statusCode())
                .isEqualTo(403);
    }

    @Test
    void publishersManageTopicsAndSendToThem() {
        assertThat(put("/api/v1/topics/managers/members/alice", publisher).statusCode()).isEqualTo(204);
        assertThat(put("/api/v1/topics/managers/members/bob", publisher).statusCode()).isEqualTo(204);
        assertThat(TestServer.body(server.get("/api/v1/topics/managers/members", publisher)).get("members"))
                .isEqualTo(List.of("alice", "bob"));

        HttpResponse<String> r = server.post("/api/v1/notifications", publisher, """
                {"topic": "managers", "type": "new_order", "title": "Order 7"}""");
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(TestServer.body(r).get("created")).isEqualTo(2);
        assertThat(server.notify.inbox("bob").unreadCount()).isEqualTo(1);

        assertThat(server.delete("/api/v1/topics/managers/members/bob", publisher).statusCode()).isEqualTo(204);
        assertThat(server.delete("/api/v1/topics/managers/members/bob", publisher).statusCode()).isEqualTo(404);
        assertThat(put("/api/v1/topics/bad%20name/members/bob", publisher).statusCode()).isEqualTo(400);
        assertThat(put("/api/v1/topics/managers/members/carol", server.token("carol")).statusCode()).isEqualTo(403);
    }

    private HttpResponse<String> put(String path, String token) {
        return server.send(server.request(path, token).PUT(HttpRequest.BodyPublishers.noBody()).build());
    }
}
