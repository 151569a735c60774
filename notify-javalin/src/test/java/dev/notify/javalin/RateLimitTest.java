package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.notify.NotifyMeters;
import dev.notify.json.Json;
import dev.notify.testing.TestClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each limit: the request past it gets 429 with {@code Retry-After} and code {@code rate_limited};
 * another caller is unaffected; the limit refills as the (test) clock moves.
 */
class RateLimitTest {
    private final TestClock clock = new TestClock(Instant.parse("2026-03-01T09:00:00Z"));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private TestServer server;

    private void start(RateLimits limits) {
        server = new TestServer(b -> b.clock(clock).meterRegistry(registry), c -> {
            c.limits = limits;
            c.clock = clock;
        });
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private double refused(String limit) {
        var c = registry.find(NotifyMeters.RATE_LIMITED).tag("limit", limit).counter();
        return c == null ? 0 : c.count();
    }

    private HttpResponse<String> create(String token) {
        return server.post("/api/v1/notifications", token,
                Json.write(Map.of("recipient", "alice", "type", "t", "title", "hello")));
    }

    private static void assertLimited(HttpResponse<String> r, String retryAfter) {
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("Retry-After")).contains(retryAfter);
        assertThat(TestServer.body(r)).extractingByKey("error").asInstanceOf(
                org.assertj.core.api.InstanceOfAssertFactories.MAP).containsEntry("code", "rate_limited");
    }

    @Test
    void sendsPerPublisherPerSecond() {
        start(new RateLimits(3, 0, 0, 0, 0));
        String a = server.token("publisher-a", "publish");
        String b = server.token("publisher-b", "publish");
        for (int i = 0; i < 3; i++) {
            assertThat(create(a).statusCode()).isEqualTo(201);
        }
        assertLimited(create(a), "1");
        assertThat(server.notify.inbox("alice").unreadCount()).isEqualTo(3); // nothing stored for the refused one
        assertThat(create(b).statusCode()).isEqualTo(201);
        assertThat(refused("sends")).isEqualTo(1);

        clock.advance(Duration.ofSeconds(1));
        assertThat(create(a).statusCode()).isEqualTo(201);
    }

    @Test
    void streamTicketsPerUserPerMinute() {
        start(new RateLimits(0, 2, 0, 0, 0));
        String alice = server.token("alice");
        for (int i = 0; i < 2; i++) {
            assertThat(server.post("/api/v1/notifications/sse/ticket", alice, "").statusCode()).isEqualTo(200);
        }
        // Two a minute: the next token comes 30 s after the bucket ran dry.
        assertLimited(server.post("/api/v1/notifications/sse/ticket", alice, ""), "30");
        assertThat(server.post("/api/v1/notifications/sse/ticket", server.token("bob"), "").statusCode()).isEqualTo(200);
        assertThat(refused("stream_tickets")).isEqualTo(1);

        clock.advance(Duration.ofSeconds(30));
        assertThat(server.post("/api/v1/notifications/sse/ticket", alice, "").statusCode()).isEqualTo(200);
    }

    @Test
    void newStreamsPerUserPerMinuteCountSseAndWebSocketTogether() {
        start(new RateLimits(0, 0, 2, 0, 0));
        String alice = server.token("alice");
        try (SseTestClient sse = server.stream(alice, null);
             WsTestClient ws = WsTestClient.withToken(server, alice)) {
            assertLimited(server.get("/api/v1/notifications/sse/stream", alice), "30");
            Throwable refusedUpgrade = org.assertj.core.api.Assertions.catchThrowable(
                    () -> WsTestClient.open(server, "token=" + alice));
            Throwable cause = refusedUpgrade;
            while (cause != null && !(cause instanceof java.net.http.WebSocketHandshakeException)) {
                cause = cause.getCause();
            }
            assertThat(cause).as("handshake refused: " + refusedUpgrade).isNotNull();
            assertThat(((java.net.http.WebSocketHandshakeException) cause).getResponse().statusCode()).isEqualTo(429);
            try (SseTestClient bobs = server.stream(server.token("bob"), null)) {
                bobs.next("connection_established", Duration.ofSeconds(5));
            }
            assertThat(refused("streams")).isEqualTo(2);

            clock.advance(Duration.ofSeconds(30));
            try (SseTestClient again = server.stream(alice, null)) {
                again.next("connection_established", Duration.ofSeconds(5));
            }
        }
    }

    @Test
    void webSocketMessagesPerConnectionPerSecondAnswerAnErrorAndKeepTheSocketOpen() {
        start(new RateLimits(0, 0, 0, 2, 0));
        try (WsTestClient alice = WsTestClient.withToken(server, server.token("alice"));
             WsTestClient other = WsTestClient.withToken(server, server.token("alice"))) {
            Map<String, Object> list = Map.of("type", "get_notifications");
            assertThat(alice.request(list).get("type")).isEqualTo("notifications_list");
            assertThat(alice.request(list).get("type")).isEqualTo("notifications_list");
            Map<String, Object> refused = alice.request(list);
            assertThat(refused).containsEntry("type", "error").containsEntry("code", "rate_limited")
                    .containsEntry("retry_after", 1);
            // The same user's other connection has its own budget.
            assertThat(other.request(list).get("type")).isEqualTo("notifications_list");
            assertThat(refused("websocket_messages")).isEqualTo(1);

            clock.advance(Duration.ofSeconds(1));
            assertThat(alice.request(list).get("type")).isEqualTo("notifications_list");
        }
    }

    @Test
    void failedAuthenticationsPerClientAddressPerMinute() throws Exception {
        start(new RateLimits(0, 0, 0, 0, 3));
        String good = server.token("alice");
        for (int i = 0; i < 3; i++) {
            assertThat(server.get("/api/v1/notifications", "not-a-token").statusCode()).isEqualTo(401);
        }
        // Past the limit even a good token from that address is refused, before it is looked at.
        assertLimited(server.get("/api/v1/notifications", good), "20");
        // Another address (127.0.0.2, also loopback) is unaffected.
        assertThat(statusFrom(InetAddress.getByName("127.0.0.2"), good)).isEqualTo(200);
        assertThat(refused("failed_authentications")).isEqualTo(1);

        clock.advance(Duration.ofSeconds(20));
        assertThat(server.get("/api/v1/notifications", good).statusCode()).isEqualTo(200);
    }

    @Test
    void defaultsAreFarAboveNormalUse() {
        start(RateLimits.ofDefaults());
        String a = server.token("publisher-a", "publish");
        for (int i = 0; i < 50; i++) {
            assertThat(create(a).statusCode()).isEqualTo(201);
        }
        assertThat(refused("sends")).isZero();
    }

    /** A GET of the inbox from a socket bound to {@code local}; returns the status code. */
    private int statusFrom(InetAddress local, String token) throws Exception {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(local, 0));
            s.connect(new InetSocketAddress("127.0.0.1", server.app.port()), 5_000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /api/v1/notifications HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            return Integer.parseInt(status.substring(9, 12));
        }
    }
}
