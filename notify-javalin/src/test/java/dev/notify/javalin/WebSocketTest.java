package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The WebSocket endpoint with a real client: its JSON messages, errors, isolation, fan-out. */
class WebSocketTest {
    /** Bound for waits on the server; generous, so that a loaded machine does not fail a test. */
    private static final Duration BOUND = Duration.ofSeconds(30);
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void greetsTheAuthenticatedUserAndDeliversNewNotifications() {
        server = new TestServer();
        try (WsTestClient alice = WsTestClient.open(server, "token=" + server.token("alice"))) {
            Map<String, Object> hello = alice.next("connection_established", BOUND);
            assertThat(hello).containsEntry("user_id", "alice").containsEntry("ping_seconds", 15);

            long id = server.create("alice", "New task assigned: Review the Q3 report");
            Map<String, Object> message = alice.next(BOUND);

            assertThat(message).containsEntry("type", "notification").containsEntry("event_id", 1);
            assertThat(notification(message)).containsEntry("id", (int) id)
                    .containsEntry("title", "New task assigned: Review the Q3 report")
                    .containsEntry("type", "task_assigned")
                    .containsEntry("read", false)
                    .containsKey("created_at");
        }
    }

    @Test
    void getNotificationsListsTheInboxWithTotalAndUnreadCount() {
        server = new TestServer();
        long first = server.create("alice", "one");
        server.create("alice", "two");
        server.create("alice", "three");
        server.post("/api/v1/notifications/" + first + "/read", server.token("alice"), null);
        try (WsTestClient alice = WsTestClient.withToken(server, server.token("alice"))) {
            Map<String, Object> all = alice.request(Map.of("type", "get_notifications", "request_id", "r1"));
            assertThat(all).containsEntry("type", "notifications_list").containsEntry("total", 3)
                    .containsEntry("unread_count", 2).containsEntry("has_more", false)
                    .containsEntry("request_id", "r1");
            assertThat(list(all)).extracting(n -> n.get("title")).containsExactly("three", "two", "one");

            Map<String, Object> unread = alice.request(Map.of("type", "get_notifications", "unread", true));
            assertThat(list(unread)).extracting(n -> n.get("title")).containsExactly("three", "two");

            Map<String, Object> page = alice.request(Map.of("type", "get_notifications", "limit", 2));
            assertThat(page).containsEntry("total", 2).containsEntry("has_more", true);
            Map<String, Object> rest = alice.request(Map.of("type", "get_notifications", "cursor", page.get("next_cursor")));
            assertThat(list(rest)).extracting(n -> n.get("title")).containsExactly("one");
        }
    }

    @Test
    void markReadIsConfirmedAndReachesTheUsersOtherWebSocketAndSseConnections() {
        server = new TestServer();
        String token = server.token("alice");
        long id = server.create("alice", "hello");
        try (WsTestClient tab1 = WsTestClient.withToken(server, token);
             WsTestClient tab2 = WsTestClient.withToken(server, token);
             SseTestClient sse = server.stream(token, null)) {
            sse.next("connection_established", BOUND);

            Map<String, Object> reply = tab1.request(Map.of("type", "mark_read", "notification_id", id, "request_id", 7));

            assertThat(reply).containsEntry("type", "notification_marked_read").containsEntry("notification_id", (int) id)
                    .containsEntry("success", true).containsEntry("request_id", 7);
            assertThat(tab2.next("notification_read", BOUND)).containsEntry("notification_id", (int) id);
            assertThat(sse.next("notification_read", BOUND).json()).containsEntry("notification_id", (int) id);
            // The requesting connection hears the change too, like every other.
            assertThat(tab1.next("notification_read", BOUND)).containsEntry("notification_id", (int) id);
            assertThat(server.notify.inbox("alice").get(id).read()).isTrue();
        }
    }

    @Test
    void aReadThroughTheHttpApiReachesWebSockets() {
        server = new TestServer();
        long id = server.create("alice", "hello");
        try (WsTestClient alice = WsTestClient.withToken(server, server.token("alice"))) {
            server.post("/api/v1/notifications/" + id + "/read", server.token("alice"), null);
            assertThat(alice.next("notification_read", BOUND)).containsEntry("notification_id", (int) id);
        }
    }

    @Test
    void markAllReadAndDeleteAreConfirmedAndBroadcast() {
        server = new TestServer();
        String token = server.token("alice");
        long one = server.create("alice", "one");
        server.create("alice", "two");
        try (WsTestClient tab1 = WsTestClient.withToken(server, token);
             WsTestClient tab2 = WsTestClient.withToken(server, token)) {
            assertThat(tab1.request(Map.of("type", "mark_all_read")))
                    .containsEntry("type", "all_marked_read").containsEntry("count", 2).containsEntry("success", true);
            assertThat(tab2.next("all_read", BOUND)).containsEntry("count", 2).containsEntry("up_to_seq", 2);
            assertThat(server.notify.inbox("alice").unreadCount()).isZero();

            tab1.drain();
            assertThat(tab1.request(Map.of("type", "delete_notification", "notification_id", one)))
                    .containsEntry("type", "notification_deleted").containsEntry("notification_id", (int) one)
                    .containsEntry("success", true);
            assertThat(tab2.next("notification_deleted", BOUND)).containsEntry("notification_id", (int) one)
                    .doesNotContainKey("success");
            assertThat(server.get("/api/v1/notifications/" + one, token).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void sendNotificationWithThePublishScopeReachesTheRecipientOnWebSocketAndSse() {
        server = new TestServer();
        try (WsTestClient publisher = WsTestClient.withToken(server, server.token("backend", "publish"));
             WsTestClient alice = WsTestClient.withToken(server, server.token("alice"));
             SseTestClient aliceSse = server.stream(server.token("alice"), null)) {
            aliceSse.next("connection_established", BOUND);

            Map<String, Object> sent = publisher.request(Map.of("type", "send_notification", "user_id", "alice",
                    "title", "Details approved", "message", "Your details have been approved",
                    "notification_type", "approval", "data", Map.of("item_id", 42), "link", "/profile"));

            assertThat(sent).containsEntry("type", "notification_sent").containsEntry("success", true)
                    .containsEntry("created", 1).containsKey("notification_id");
            Map<String, Object> arrived = notification(alice.next("notification", BOUND));
            assertThat(arrived).containsEntry("id", sent.get("notification_id")).containsEntry("type", "approval")
                    .containsEntry("title", "Details approved").containsEntry("data", Map.of("item_id", 42))
                    .containsEntry("link", "/profile");
            assertThat(aliceSse.next("notification", BOUND).json()).containsEntry("title", "Details approved");
            // The publisher's own socket is for its own inbox: nothing arrives there.
            assertThat(publisher.drain()).isEmpty();
        }
    }

    @Test
    void sendNotificationAcceptsANumericUserId() {
        server = new TestServer();
        try (WsTestClient publisher = WsTestClient.withToken(server, server.token("backend", "publish"))) {
            Map<String, Object> sent = publisher.request(Map.of("type", "send_notification", "user_id", 123,
                    "title", "Title", "message", "Message"));
            assertThat(sent).containsEntry("type", "notification_sent");
            assertThat(server.notify.inbox("123").unreadCount()).isEqualTo(1);
        }
    }

    @Test
    void sendNotificationWithoutThePublishScopeIsRefusedAndTheSocketStaysOpen() {
        server = new TestServer();
        try (WsTestClient alice = WsTestClient.withToken(server, server.token("alice"))) {
            Map<String, Object> error = alice.request(Map.of("type", "send_notification", "user_id", "bob",
                    "title", "spam", "request_id", "x"));
            assertThat(error).containsEntry("type", "error").containsEntry("code", "insufficient_scope")
                    .containsEntry("request_id", "x");
            assertThat(server.notify.inbox("bob").unreadCount()).isZero();
            assertThat(alice.request(Map.of("type", "get_notifications"))).containsEntry("type", "notifications_list");
        }
    }

    @Test
    void garbageGetsInvalidJsonErrorsAndTheSocketStaysOpen() {
        server = new TestServer();
        try (WsTestClient alice = WsTestClient.withToken(server, server.token("alice"))) {
            for (String garbage : List.of("not json", "{\"type\":", "[1,2,3]", "42", "\u0000\u0001",
                    "{\"type\":\"get_notifications\",\"type\":\"mark_all_read\"}")) {
                alice.sendText(garbage);
                assertThat(alice.next(BOUND)).as(garbage).containsEntry("type", "error")
                        .containsEntry("code", "invalid_json").containsKey("message");
            }
            assertThat(alice.request(Map.of("type", "get_notifications"))).containsEntry("type", "notifications_list");
            assertThat(alice.closed).isNotDone();
        }
    }

    @Test
    void unknownOrMissingTypesAndBadFieldsAreReportedWithCodes() {
        server = new TestServer();
        try (WsTestClient alice = WsTestClient.withToken(server, server.token("alice"))) {
            assertThat(alice.request(Map.of("type", "subscribe_to_everything", "request_id", 1)))
                    .containsEntry("type", "error").containsEntry("code", "unknown_type").containsEntry("request_id", 1);
            assertThat(alice.request(Map.of("notification_id", 1)))
                    .containsEntry("type", "error").containsEntry("code", "invalid_request");
            assertThat(alice.request(Map.of("type", "mark_read")))
                    .containsEntry("code", "invalid_request");
            assertThat((String) alice.request(Map.of("type", "mark_read", "notification_id", "abc")).get("message"))
                    .contains("notification_id");
            assertThat(alice.request(Map.of("type", "get_notifications", "limit", 1000)))
                    .containsEntry("code", "invalid_request");
            assertThat(alice.request(Map.of("type", "get_notifications", "cursor", "nope")))
                    .containsEntry("code", "invalid_request");
            assertThat(alice.request(Map.of("type", "mark_read", "notification_id", 999)))
                    .containsEntry("code", "not_found");
            assertThat(alice.request(Map.of("type", "get_notifications"))).containsEntry("type", "notifications_list");
        }
    }

    @Test
    void userCannotReadOrDeleteAnotherUsersNotification() {
        server = new TestServer();
        long bobs = server.create("bob", "for bob only");
        try (WsTestClient alice = WsTestClient.withToken(server, server.token("alice"))) {
            assertThat(alice.request(Map.of("type", "mark_read", "notification_id", bobs)))
                    .containsEntry("type", "error").containsEntry("code", "not_found");
            assertThat(alice.request(Map.of("type", "delete_notification", "notification_id", bobs)))
                    .containsEntry("type", "error").containsEntry("code", "not_found");
            assertThat(list(alice.request(Map.of("type", "get_notifications")))).isEmpty();
        }
        assertThat(server.notify.inbox("bob").get(bobs).read()).isFalse();
    }

    @Test
    void eachUserReceivesOnlyTheirOwnNotificationsAndChanges() {
        server = new TestServer();
        try (WsTestClient alice = WsTestClient.withToken(server, server.token("alice"));
             WsTestClient bob = WsTestClient.withToken(server, server.token("bob"))) {
            server.create("alice", "for alice");
            long bobs = server.create("bob", "for bob");
            server.create("alice", "for alice again");
            assertThat(notification(alice.next("notification", BOUND))).containsEntry("title", "for alice");
            assertThat(notification(alice.next("notification", BOUND))).containsEntry("title", "for alice again");
            assertThat(notification(bob.next("notification", BOUND))).containsEntry("title", "for bob");

            bob.request(Map.of("type", "mark_read", "notification_id", bobs));
            bob.next("notification_read", BOUND);
            // A marker after bob's read: had anything of bob's leaked to alice, it would come first.
            server.create("alice", "marker");
            assertThat(notification(alice.next(BOUND))).containsEntry("title", "marker");
            assertThat(bob.drain()).isEmpty();
        }
    }

    @Test
    void resumesAfterLastEventIdWithoutGapsOrRepeats() {
        server = new TestServer();
        server.create("alice", "one");
        server.create("alice", "two");
        server.create("alice", "three");
        try (WsTestClient alice = WsTestClient.open(server, "last_event_id=1&token=" + server.token("alice"))) {
            alice.next("connection_established", BOUND);
            assertThat(List.of(alice.next(BOUND), alice.next(BOUND)))
                    .extracting(m -> m.get("event_id")).containsExactly(2, 3);
            server.create("alice", "four");
            assertThat(alice.next(BOUND)).containsEntry("event_id", 4);
            assertThat(alice.drain()).isEmpty();
        }
    }

    @Test
    void upgradeWithoutValidCredentialsIsRefusedWith401() {
        server = new TestServer();
        for (String query : List.of("", "token=not-a-jwt", "ticket=made-up")) {
            assertThat(handshakeFailure(query).statusCode()).as(query).isEqualTo(401);
        }
        assertThat(handshakeFailure("token=" + server.token("alice") + "&last_event_id=abc").statusCode()).isEqualTo(400);
    }

    @Test
    void aMessageOverTheSizeLimitClosesTheSocketWithStatus1009() {
        server = new TestServer(b -> { }, c -> c.wsMaxMessageBytes = 1024);
        try (WsTestClient alice = WsTestClient.withToken(server, server.token("alice"))) {
            alice.sendText("{\"type\":\"get_notifications\",\"pad\":\"" + "x".repeat(2048) + "\"}");
            assertThat(alice.closed).succeedsWithin(BOUND).isEqualTo(1009);
        }
        await().atMost(BOUND).until(() -> server.notify.streams("alice").isEmpty());
    }

    @Test
    void serverPingsIdleSocketsAtTheConfiguredInterval() {
        server = new TestServer(b -> { }, c -> c.wsPing = Duration.ofMillis(200));
        try (WsTestClient alice = WsTestClient.withToken(server, server.token("alice"))) {
            await().atMost(BOUND).until(() -> alice.pings.get() >= 3);
            // Pings are frames, not messages: clients see nothing outside the protocol.
            assertThat(alice.drain()).isEmpty();
        }
    }

    @Test
    void closingTheUsersStreamsClosesTheirWebSocketsAndClosingASocketUnregistersIt() {
        server = new TestServer();
        String token = server.token("alice");
        try (WsTestClient alice = WsTestClient.withToken(server, token)) {
            assertThat(server.notify.streams("alice")).hasSize(1);
            HttpResponse<String> r = server.post("/api/v1/notifications/sse/close", token, null);
            assertThat(TestServer.body(r)).containsEntry("closed", 1);
            assertThat(alice.closed).succeedsWithin(BOUND).isEqualTo(1000);
        }
        WsTestClient again = WsTestClient.withToken(server, token);
        again.close();
        await().atMost(BOUND).until(() -> server.notify.streams("alice").isEmpty());
    }

    private HttpResponse<?> handshakeFailure(String query) {
        Throwable thrown = catchThrowable(() -> WsTestClient.open(server, query).close());
        Throwable cause = thrown;
        while (cause != null && !(cause instanceof WebSocketHandshakeException)) {
            cause = cause.getCause();
        }
        assertThat(cause).as("handshake failure for '" + query + "'").isInstanceOf(WebSocketHandshakeException.class);
        return ((WebSocketHandshakeException) cause).getResponse();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> notification(Map<String, Object> message) {
        assertThat(message).containsEntry("type", "notification");
        return (Map<String, Object>) message.get("notification");
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Map<String, Object> message) {
        assertThat(message).containsEntry("type", "notifications_list");
        return (List<Map<String, Object>>) message.get("notifications");
    }
}
