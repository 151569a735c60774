package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.notify.ActionListener;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The inbox model over HTTP, SSE and WebSocket: seen, archive, snooze, actions, keys, expiry. */
class InboxModelApiTest {
    private static final String BASE = "/api/v1/notifications";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final List<ActionListener.Performed> performed = new CopyOnWriteArrayList<>();
    private TestServer server;
    private String alice;
    private String bob;
    private String publisher;

    @BeforeEach
    void start() {
        server = new TestServer(b -> b.onAction(performed::add), c -> { });
        alice = server.token("alice");
        bob = server.token("bob");
        publisher = server.token("svc", "publish");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> items(HttpResponse<String> r) {
        return (List<Map<String, Object>>) TestServer.body(r).get("notifications");
    }

    private static List<Object> titles(HttpResponse<String> r) {
        return items(r).stream().map(m -> m.get("title")).toList();
    }

    @SuppressWarnings("unchecked")
    private static String errorCode(HttpResponse<String> r) {
        return (String) ((Map<String, Object>) TestServer.body(r).get("error")).get("code");
    }

    private long approval() {
        HttpResponse<String> created = server.post(BASE, publisher, """
                {"recipient":"alice","type":"approval","title":"Approve form 9?","key":"form-9",
                 "actions":[{"id":"approve","label":"Approve","kind":"callback","payload":{"form":9},"style":"primary"},
                            {"id":"reject","label":"Reject","kind":"callback","payload":{"form":9},"style":"danger"},
                            {"id":"open","label":"Open","kind":"link","url":"/forms/9"}]}""");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return ((Number) items(created).get(0).get("id")).longValue();
    }

    @Test
    void seenArchiveSnoozeActionsAndKeysOverHttp() {
        long id = approval();
        long other = server.create("alice", "other");
        Map<String, Object> n = TestServer.body(server.get(BASE + "/" + id, alice));
        assertThat(n).containsEntry("key", "form-9").containsEntry("seen", false).containsEntry("archived_at", null);
        assertThat((List<?>) n.get("actions")).hasSize(3);
        assertThat(TestServer.body(server.get(BASE + "/unseen-count", alice))).containsEntry("unseen_count", 2);

        assertThat(TestServer.body(server.post(BASE + "/mark-seen", alice, "{\"up_to_seq\":1}")))
                .containsEntry("marked", 1);
        assertThat(TestServer.body(server.get(BASE + "/unseen-count", alice))).containsEntry("unseen_count", 1);
        assertThat(titles(server.get(BASE + "?unseen=true", alice))).containsExactly("other");

        assertThat(TestServer.body(server.post(BASE + "/" + other + "/archive", alice, null)))
                .containsKey("archived_at");
        assertThat(titles(server.get(BASE, alice))).containsExactly("Approve form 9?");
        assertThat(titles(server.get(BASE + "?archived=true", alice))).containsExactly("other");
        assertThat(TestServer.body(server.post(BASE + "/unarchive", alice, "{\"ids\":[" + other + "]}")))
                .containsEntry("unarchived", 1);

        String until = Instant.now().plus(Duration.ofHours(1)).toString();
        HttpResponse<String> snoozed = server.post(BASE + "/" + other + "/snooze", alice, "{\"until\":\"" + until + "\"}");
        assertThat(snoozed.statusCode()).as(snoozed.body()).isEqualTo(200);
        assertThat(titles(server.get(BASE + "?snoozed=true", alice))).containsExactly("other");
        assertThat(titles(server.get(BASE, alice))).containsExactly("Approve form 9?");
        server.post(BASE + "/" + other + "/unsnooze", alice, null);
        assertThat(titles(server.get(BASE, alice))).containsExactly("other", "Approve form 9?");

        HttpResponse<String> approve = server.post(BASE + "/" + id + "/actions/approve", alice, null);
        assertThat(approve.statusCode()).as(approve.body()).isEqualTo(200);
        assertThat(TestServer.body(approve)).containsEntry("first", true).containsEntry("action_id", "approve");
        assertThat(TestServer.body(server.post(BASE + "/" + id + "/actions/approve", alice, null)))
                .containsEntry("first", false);
        assertThat(performed).hasSize(1);
        assertThat(TestServer.body(server.get(BASE + "/" + id, alice))).containsEntry("read", true);

        // The same key replaces the notification: unread again, new content, at the top.
        HttpResponse<String> again = server.post(BASE, publisher,
                "{\"recipient\":\"alice\",\"title\":\"Form 9 changed: approve?\",\"key\":\"form-9\"}");
        assertThat(((Number) items(again).get(0).get("id")).longValue()).isEqualTo(id);
        assertThat(titles(server.get(BASE, alice))).containsExactly("Form 9 changed: approve?", "other");
        assertThat(server.delete(BASE + "/by-key/form-9", alice).statusCode()).isEqualTo(204);
        assertThat(titles(server.get(BASE, alice))).containsExactly("other");

        assertThat(TestServer.body(server.post(BASE + "/mark-read", alice, "{\"notification_type\":\"task_assigned\"}")))
                .containsEntry("marked", 1);
        assertThat(TestServer.body(server.post(BASE + "/archive-all-read", alice, null))).containsEntry("archived", 1);
        assertThat(TestServer.body(server.post(BASE + "/archive", alice, null))).containsEntry("archived", 0);
    }

    @Test
    void everyNewEndpointAnswers404ForAnotherUsersNotification() {
        long id = approval();
        String until = Instant.now().plus(Duration.ofHours(1)).toString();
        List<HttpResponse<String>> answers = List.of(
                server.post(BASE + "/" + id + "/archive", bob, null),
                server.post(BASE + "/" + id + "/unarchive", bob, null),
                server.post(BASE + "/" + id + "/snooze", bob, "{\"until\":\"" + until + "\"}"),
                server.post(BASE + "/" + id + "/unsnooze", bob, null),
                server.post(BASE + "/" + id + "/actions/approve", bob, null),
                server.delete(BASE + "/by-key/form-9", bob));
        for (HttpResponse<String> r : answers) {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
            assertThat(errorCode(r)).isEqualTo("not_found");
        }
        // Bulk operations on another user's ids change nothing.
        for (String path : List.of("/mark-seen", "/mark-read", "/archive", "/unarchive")) {
            assertThat(server.post(BASE + path, bob, "{\"ids\":[" + id + "]}").statusCode()).isEqualTo(200);
        }
        Map<String, Object> n = TestServer.body(server.get(BASE + "/" + id, alice));
        assertThat(n).containsEntry("read", false).containsEntry("seen", false).containsEntry("archived_at", null)
                .containsEntry("snoozed_until", null);
        assertThat(performed).isEmpty();
    }

    @Test
    void badInputAnswers400AndChangesNothing() {
        long id = approval();
        String tooMany = "{\"recipient\":\"alice\",\"title\":\"t\",\"actions\":["
                + "{\"label\":\"a\",\"kind\":\"callback\"},".repeat(3) + "{\"label\":\"a\",\"kind\":\"callback\"}]}";
        Map<String, String> bad = Map.of(
                tooMany, "invalid_actions",
                "{\"recipient\":\"alice\",\"title\":\"t\",\"actions\":[{\"label\":\"Open\",\"kind\":\"link\"}]}",
                "invalid_actions",
                "{\"recipient\":\"alice\",\"title\":\"t\",\"actions\":[{\"label\":\"x\",\"kind\":\"button\"}]}",
                "invalid_actions",
                "{\"recipient\":\"alice\",\"title\":\"t\",\"expires_at\":\"tomorrow\"}", "invalid_expires_at",
                // An instant no supported database stores as it is.
                "{\"recipient\":\"alice\",\"title\":\"t\",\"expires_at\":\"-5000-01-01T00:00:00Z\"}",
                "invalid_expires_at");
        for (var e : bad.entrySet()) {
            HttpResponse<String> r = server.post(BASE, publisher, e.getKey());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            assertThat(errorCode(r)).isEqualTo(e.getValue());
        }
        HttpResponse<String> past = server.post(BASE + "/" + id + "/snooze", alice, "{\"until\":\"2020-01-01T00:00:00Z\"}");
        assertThat(errorCode(past)).isEqualTo("invalid_until");
        assertThat(errorCode(server.post(BASE + "/" + id + "/actions/open", alice, null))).isEqualTo("invalid_action_id");
        assertThat(errorCode(server.post(BASE + "/mark-seen", alice, "{\"ids\":[\"x\"]}"))).isEqualTo("invalid_ids");
        assertThat(errorCode(server.post(BASE + "/archive", alice, "{\"ids\":[1],\"before_seq\":3}")))
                .isEqualTo("invalid_ids");
        assertThat(errorCode(server.post(BASE + "/archive", alice, "{\"everything\":true}"))).isEqualTo("unknown_field");
        assertThat(TestServer.body(server.get(BASE + "/" + id, alice))).containsEntry("read", false)
                .containsEntry("snoozed_until", null).containsEntry("archived_at", null);
        assertThat(items(server.get(BASE, alice))).hasSize(1);
    }

    @Test
    void changesStreamOverSseWithIdsAndAreReplayedAfterAReconnect() {
        long id = approval();
        try (SseTestClient stream = server.stream(alice, null)) {
            stream.next("connection_established", WAIT);
            server.post(BASE + "/mark-seen", alice, null);
            server.post(BASE + "/" + id + "/archive", alice, null);
            server.post(BASE + "/" + id + "/actions/reject", alice, null);
            server.post(BASE, publisher, "{\"recipient\":\"alice\",\"title\":\"Form 9 again\",\"key\":\"form-9\"}");
            SseTestClient.Event seen = stream.next("notifications_seen", WAIT);
            assertThat(seen.id()).isEqualTo("2");
            assertThat(seen.json()).containsEntry("count", 1);
            assertThat(stream.next("notifications_archived", WAIT).id()).isEqualTo("3");
            SseTestClient.Event action = stream.next("notification_action", WAIT);
            assertThat(action.json()).containsEntry("action_id", "reject").containsEntry("payload", Map.of("form", 9));
            SseTestClient.Event updated = stream.next("notification_updated", WAIT);
            assertThat(updated.id()).isEqualTo("5");
            assertThat(updated.json()).containsEntry("title", "Form 9 again").containsEntry("read", false);
        }
        try (SseTestClient replay = server.stream(alice, "2")) {
            assertThat(replay.next("notifications_archived", WAIT).id()).isEqualTo("3");
            assertThat(replay.next("notification_action", WAIT).id()).isEqualTo("4");
            assertThat(replay.next("notification_updated", WAIT).id()).isEqualTo("5");
        }
    }

    @Test
    void aWebSocketResumingAfterAnEventIdReceivesTheChangesItMissedInOrder() {
        long id = approval();
        server.post(BASE + "/" + id + "/archive", alice, null);
        server.post(BASE + "/" + id + "/actions/approve", alice, null);
        server.post(BASE + "/" + id + "/unarchive", alice, null);
        try (WsTestClient ws = WsTestClient.open(server, "last_event_id=1&token=" + alice)) {
            ws.next(WAIT); // connection_established
            List<Map<String, Object>> events = List.of(ws.next(WAIT), ws.next(WAIT), ws.next(WAIT));
            assertThat(events).extracting(m -> m.get("type"))
                    .containsExactly("notifications_archived", "notification_action", "notifications_unarchived");
            assertThat(events).extracting(m -> ((Number) m.get("event_id")).longValue()).containsExactly(2L, 3L, 4L);
            assertThat(events.get(1)).containsEntry("action_id", "approve").containsEntry("payload", Map.of("form", 9));
        }
    }

    @Test
    void webSocketMessagesPerformActionsArchiveAndSnooze() {
        long id = approval();
        try (WsTestClient ws = WsTestClient.open(server, "token=" + alice)) {
            ws.next(WAIT); // connection_established
            Map<String, Object> archived = ws.request(Map.of("type", "archive", "notification_id", id, "request_id", 1));
            assertThat(archived).containsEntry("type", "archived").containsEntry("success", true);
            Map<String, Object> action = ws.request(Map.of("type", "perform_action", "notification_id", id,
                    "action_id", "approve"));
            assertThat(action).containsEntry("type", "action_performed").containsEntry("first", true);
            Map<String, Object> snoozed = ws.request(Map.of("type", "snooze", "notification_id", id,
                    "until", Instant.now().plus(Duration.ofDays(1)).toString()));
            assertThat(snoozed).containsEntry("type", "snoozed");
            Map<String, Object> list = ws.request(Map.of("type", "get_notifications", "snoozed", true, "archived", true));
            assertThat((List<?>) list.get("notifications")).hasSize(1);
            Map<String, Object> error = ws.request(Map.of("type", "perform_action", "notification_id", id + 1000,
                    "action_id", "approve"));
            assertThat(error).containsEntry("type", "error").containsEntry("code", "not_found");
        }
        assertThat(performed).hasSize(1);
    }
}
