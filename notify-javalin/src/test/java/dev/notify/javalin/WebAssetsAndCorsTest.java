package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The page and JS client served from the jar, and CORS for the configured frontend origins. */
class WebAssetsAndCorsTest {
    private static final String FRONTEND = "http://localhost:5173";
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void pageIsServedWithItsApiPathAndAStrictContentSecurityPolicy() {
        server = new TestServer();
        HttpResponse<String> page = server.get("/", null);

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElse("").replace(" ", "")).isEqualTo("text/html;charset=utf-8");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElse("")).contains("script-src 'self'")
                .contains("connect-src 'self'");
        assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
        assertThat(page.body()).contains("<meta name=\"notify-api-path\" content=\"/api/v1/notifications\">")
                .contains("/notify-inbox.js").contains("/notify-inbox.css")
                .doesNotContain("http://").doesNotContain("https://");
    }

    @Test
    void clientScriptMayBeImportedFromAnyOriginAndRevalidatesWithItsETag() {
        server = new TestServer();
        HttpResponse<String> js = server.get("/notify-client.js", null);

        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type").orElse("").replace(" ", "")).isEqualTo("text/javascript;charset=utf-8");
        assertThat(js.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
        assertThat(js.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(js.body()).contains("export function connect(");
        String etag = js.headers().firstValue("ETag").orElseThrow();

        HttpResponse<String> again = server.send(server.request("/notify-client.js", null)
                .header("If-None-Match", etag).GET().build());
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();

        assertThat(server.get("/notify-inbox.css", null).headers().firstValue("Content-Type").orElse(""))
                .startsWith("text/css");
        assertThat(server.get("/notify-inbox.js", null).body()).contains("from \"/notify-client.js\"");
    }

    @Test
    void pageCanMoveOrBeLeftOut() {
        server = new TestServer(b -> { }, c -> c.webPath = "/inbox");
        assertThat(server.get("/inbox", null).statusCode()).isEqualTo(200);
        assertThat(server.get("/", null).statusCode()).isEqualTo(404);
        server.close();

        server = new TestServer(b -> { }, c -> c.webPath = null);
        assertThat(server.get("/", null).statusCode()).isEqualTo(404);
        assertThat(server.get("/notify-client.js", null).statusCode()).isEqualTo(404);
    }

    @Test
    void preflightFromTheFrontendIsAnsweredAndResponsesCarryItsOrigin() {
        server = new TestServer(b -> { }, c -> c.corsOrigins = List.of(FRONTEND + "/"));
        HttpResponse<String> preflight = server.send(server.request("/api/v1/notifications/sse/ticket", null)
                .header("Origin", FRONTEND)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());

        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue(FRONTEND);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElse("")).contains("POST")
                .contains("DELETE").contains("PUT");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElse("")).contains("Authorization");
        assertThat(preflight.headers().firstValue("Access-Control-Max-Age")).hasValue("600");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();

        for (String path : List.of("/api/v1/notifications", "/api/v1/notifications/unread-count", "/api/v1/notifications/9")) {
            HttpResponse<String> r = server.send(server.request(path, server.token("alice"))
                    .header("Origin", FRONTEND).GET().build());
            assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).as(path).hasValue(FRONTEND);
            assertThat(r.headers().allValues("Vary")).as(path).contains("Origin");
        }
        // Preflight for a path with an id, and for DELETE.
        HttpResponse<String> delete = server.send(server.request("/api/v1/notifications/9", null)
                .header("Origin", FRONTEND).header("Access-Control-Request-Method", "DELETE")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
        assertThat(delete.statusCode()).isEqualTo(204);
    }

    @Test
    void otherOriginsGetNoCorsHeadersAndTheirPreflightIsRefused() {
        server = new TestServer(b -> { }, c -> c.corsOrigins = List.of(FRONTEND));
        HttpResponse<String> r = server.send(server.request("/api/v1/notifications", server.token("alice"))
                .header("Origin", "http://evil.example").GET().build());
        assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

        HttpResponse<String> preflight = server.send(server.request("/api/v1/notifications", null)
                .header("Origin", "http://evil.example").header("Access-Control-Request-Method", "GET")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
        assertThat(preflight.statusCode()).isEqualTo(403);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        assertThat(preflight.body()).contains("origin_not_allowed");
    }

    @Test
    void withoutCorsOriginsTheApiIsSameOriginOnly() {
        server = new TestServer();
        HttpResponse<String> r = server.send(server.request("/api/v1/notifications", server.token("alice"))
                .header("Origin", FRONTEND).GET().build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    @Test
    void corsOriginsAreValidated() {
        assertThatThrownBy(() -> new TestServer(b -> { }, c -> c.corsOrigins = List.of("localhost:5173")))
                .hasMessageContaining("localhost:5173");
        assertThatThrownBy(() -> new TestServer(b -> { }, c -> c.corsOrigins = List.of("https://app.example/path")))
                .hasMessageContaining("scheme://host[:port]");
        assertThat(NotifyPluginConfig.normalizeOrigin("HTTPS://App.Example:8443/")).isEqualTo("https://app.example:8443");
    }
}
