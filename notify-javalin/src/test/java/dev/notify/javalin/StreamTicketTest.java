package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.notify.testing.TestClock;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Stream tickets: short-lived, single-use, bound to the user and scopes of the token that asked. */
class StreamTicketTest {
    /** Bound for waits on the server; generous, so that a loaded machine does not fail a test. */
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final String TICKET_PATH = "/api/v1/notifications/sse/ticket";
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void ticketIsIssuedForABearerTokenAndNeverCached() {
        server = new TestServer();
        HttpResponse<String> r = server.post(TICKET_PATH, server.token("alice"), null);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        Map<String, Object> body = TestServer.body(r);
        assertThat(body).containsEntry("expires_in", 30);
        assertThat((String) body.get("ticket")).matches("[A-Za-z0-9_-]{43}");
        assertThat(server.post(TICKET_PATH, null, null).statusCode()).isEqualTo(401);
    }

    @Test
    void ticketOpensTheSseStreamOnceOnly() {
        server = new TestServer();
        String ticket = ticket(server.token("alice"));
        try (SseTestClient stream = openSse("ticket=" + ticket)) {
            assertThat(stream.next("connection_established", BOUND).json()).containsEntry("user_id", "alice");
            server.create("alice", "via ticket");
            assertThat(stream.next("notification", BOUND).json()).containsEntry("title", "via ticket");
        }
        HttpResponse<String> again = sse("ticket=" + ticket);
        assertThat(again.statusCode()).isEqualTo(401);
        assertThat(again.body()).contains("\"code\":\"unauthenticated\"").contains("already used")
                .doesNotContain(ticket);
    }

    @Test
    void ticketOpensTheWebSocketOnceOnlyAndIsSharedWithSse() {
        server = new TestServer();
        String ticket = ticket(server.token("alice"));
        try (WsTestClient ws = WsTestClient.open(server, "ticket=" + ticket)) {
            assertThat(ws.next("connection_established", BOUND)).containsEntry("user_id", "alice");
        }
        assertThat(wsHandshakeStatus("ticket=" + ticket)).isEqualTo(401);
        assertThat(sse("ticket=" + ticket).statusCode()).isEqualTo(401);
    }

    @Test
    void ticketExpiresAfterItsLifetime() {
        TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
        server = new TestServer(b -> { }, c -> c.clock = clock);
        String fresh = ticket(server.token("alice"));
        String stale = ticket(server.token("alice"));

        clock.advance(Duration.ofSeconds(29));
        try (SseTestClient stream = openSse("ticket=" + fresh)) {
            stream.next("connection_established", BOUND);
        }
        clock.advance(Duration.ofSeconds(1));
        HttpResponse<String> expired = sse("ticket=" + stale);
        assertThat(expired.statusCode()).isEqualTo(401);
        assertThat(expired.body()).contains("expired");
    }

    @Test
    void ticketLifetimeIsConfigurable() {
        TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
        server = new TestServer(b -> { }, c -> {
            c.clock = clock;
            c.ticketTtl = Duration.ofSeconds(5);
        });
        HttpResponse<String> r = server.post(TICKET_PATH, server.token("alice"), null);
        assertThat(TestServer.body(r)).containsEntry("expires_in", 5);
        clock.advance(Duration.ofSeconds(5));
        assertThat(sse("ticket=" + TestServer.body(r).get("ticket")).statusCode()).isEqualTo(401);
    }

    @Test
    void ticketIsBoundToItsUser() {
        server = new TestServer();
        String alicesTicket = ticket(server.token("alice"));
        try (SseTestClient stream = openSse("ticket=" + alicesTicket)) {
            assertThat(stream.next("connection_established", BOUND).json()).containsEntry("user_id", "alice");
            server.create("bob", "for bob");
            server.create("alice", "for alice");
            assertThat(stream.next("notification", BOUND).json()).containsEntry("title", "for alice")
                    .containsEntry("recipient", "alice");
        }
        // A ticket outranks a token sent alongside it: bob's token does not turn alice's ticket into bob's.
        String another = ticket(server.token("alice"));
        try (SseTestClient stream = openSse("ticket=" + another + "&token=" + server.token("bob"))) {
            assertThat(stream.next("connection_established", BOUND).json()).containsEntry("user_id", "alice");
        }
    }

    @Test
    void ticketCarriesTheScopesOfItsToken() {
        server = new TestServer();
        Map<String, Object> send = Map.of("type", "send_notification", "user_id", "alice", "title", "hi");
        try (WsTestClient user = WsTestClient.open(server, "ticket=" + ticket(server.token("alice")));
             WsTestClient publisher = WsTestClient.open(server, "ticket=" + ticket(server.token("backend", "publish")))) {
            user.next("connection_established", BOUND);
            publisher.next("connection_established", BOUND);
            assertThat(user.request(send)).containsEntry("code", "insufficient_scope");
            assertThat(publisher.request(send)).containsEntry("type", "notification_sent");
        }
    }

    @Test
    void tokenInTheQueryStringStillWorksForClientsWithoutTickets() {
        server = new TestServer();
        try (SseTestClient stream = openSse("token=" + server.token("alice"))) {
            assertThat(stream.next("connection_established", BOUND).json()).containsEntry("user_id", "alice");
        }
    }

    private String ticket(String token) {
        HttpResponse<String> r = server.post(TICKET_PATH, token, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return (String) TestServer.body(r).get("ticket");
    }

    private SseTestClient openSse(String query) {
        return SseTestClient.open(server.http, server.url("/api/v1/notifications/sse/stream?" + query), null, null);
    }

    /** A stream request expected to fail: its status and body. */
    private HttpResponse<String> sse(String query) {
        return server.send(HttpRequest.newBuilder(java.net.URI.create(server.url("/api/v1/notifications/sse/stream?"
                + query))).timeout(Duration.ofSeconds(5)).GET().build());
    }

    private int wsHandshakeStatus(String query) {
        Throwable thrown = catchThrowable(() -> WsTestClient.open(server, query).close());
        Throwable cause = thrown;
        while (cause != null && !(cause instanceof WebSocketHandshakeException)) {
            cause = cause.getCause();
        }
        assertThat(cause).isInstanceOf(WebSocketHandshakeException.class);
        return ((WebSocketHandshakeException) cause).getResponse().statusCode();
    }
}
