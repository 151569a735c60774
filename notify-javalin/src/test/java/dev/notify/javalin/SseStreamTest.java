package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.notify.SendRequest;
import dev.notify.StreamConnection;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SseStreamTest {
    /**
     * Bound for waits on something the server does asynchronously: generous, so that a loaded
     * machine does not fail a test; passing runs take milliseconds. Latency is measured by the
     * benchmarks, not asserted here.
     */
    private static final Duration BOUND = Duration.ofSeconds(30);
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void notificationCreatedThroughTheApiArrivesOnTheStream() {
        server = new TestServer();
        try (SseTestClient alice = server.stream(server.token("alice"), null)) {
            SseTestClient.Event hello = alice.next("connection_established", BOUND);
            assertThat(hello.json()).containsEntry("user_id", "alice");

            long id = server.create("alice", "New task assigned: Review the Q3 report");
            SseTestClient.Event event = alice.next("notification", BOUND);

            assertThat(event.id()).isEqualTo("1");
            assertThat(event.json()).containsEntry("id", (int) id)
                    .containsEntry("title", "New task assigned: Review the Q3 report")
                    .containsEntry("type", "task_assigned")
                    .containsEntry("read", false);
        }
    }

    @Test
    void notificationCreatedRightAfterTheGreetingIsNeverMissed() {
        server = new TestServer();
        String token = server.token("alice");
        for (int i = 1; i <= 20; i++) {
            try (SseTestClient alice = server.stream(token, null)) {
                alice.next("connection_established", BOUND);
                server.create("alice", "n" + i);
                assertThat(alice.next("notification", BOUND).id()).isEqualTo(Integer.toString(i));
            }
        }
    }

    @Test
    void eachUserSeesOnlyTheirOwnNotifications() {
        server = new TestServer();
        try (SseTestClient alice = server.stream(server.token("alice"), null);
             SseTestClient bob = server.stream(server.token("bob"), null)) {
            alice.next("connection_established", BOUND);
            bob.next("connection_established", BOUND);

            server.create("alice", "for alice");
            server.create("bob", "for bob");
            server.create("alice", "for alice again");

            assertThat(alice.next("notification", 2, BOUND)).extracting(e -> e.json().get("title"))
                    .containsExactly("for alice", "for alice again");
            assertThat(bob.next("notification", BOUND).json()).containsEntry("title", "for bob");
            // One more to bob; if any of alice's had leaked to bob it would arrive before this one.
            server.create("bob", "bob's second");
            assertThat(bob.next("notification", BOUND).json()).containsEntry("title", "bob's second");
            assertThat(alice.drain("notification")).isEmpty();
        }
    }

    @Test
    void reconnectingWithLastEventIdReceivesExactlyTheMissedNotificationsInOrder() {
        server = new TestServer();
        String token = server.token("alice");
        String lastSeen;
        try (SseTestClient first = server.stream(token, null)) {
            server.create("alice", "one");
            server.create("alice", "two");
            List<SseTestClient.Event> seen = first.next("notification", 2, BOUND);
            lastSeen = seen.get(1).id();
        }
        server.create("alice", "three");
        server.create("alice", "four");
        server.create("alice", "five");

        try (SseTestClient again = server.stream(token, lastSeen)) {
            List<SseTestClient.Event> replayed = again.next("notification", 3, BOUND);
            assertThat(replayed).extracting(SseTestClient.Event::id).containsExactly("3", "4", "5");
            assertThat(replayed).extracting(e -> e.json().get("title")).containsExactly("three", "four", "five");
            // Live events follow the replay, with nothing repeated in between.
            server.create("alice", "six");
            assertThat(again.next("notification", BOUND).id()).isEqualTo("6");
            assertThat(again.drain("notification")).isEmpty();
        }
    }

    @Test
    void lastEventIdMayComeAsAQueryParameter() {
        server = new TestServer();
        server.create("alice", "one");
        server.create("alice", "two");
        var response = SseTestClient.open(server.http,
                server.url("/api/v1/notifications/sse/stream?last_event_id=1&token=" + server.token("alice")), null, null);
        try (response) {
            assertThat(response.next("notification", BOUND).id()).isEqualTo("2");
        }
    }

    @Test
    void busyStreamIsNotSentHeartbeatsWhileAnIdleOneIs() throws Exception {
        // Forty times the gap between alice's notifications, so that only a machine stalled for
        // whole seconds could leave her stream idle for an interval.
        Duration interval = Duration.ofSeconds(2);
        server = new TestServer(b -> { }, c -> c.heartbeat = interval);
        ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
        try (SseTestClient alice = server.stream(server.token("alice"), null);
             SseTestClient bob = server.stream(server.token("bob"), null)) {
            alice.next("connection_established", BOUND);
            bob.next("connection_established", BOUND);
            AtomicInteger sent = new AtomicInteger();
            try {
                // A notification to alice every 50 ms; bob's idle stream is the clock.
                publisher.scheduleWithFixedDelay(() -> server.notify.send(
                        SendRequest.to("alice").type("task_assigned").title("n" + sent.incrementAndGet()).build()),
                        0, 50, TimeUnit.MILLISECONDS);
                List<SseTestClient.Event> beats = bob.next("heartbeat", 2, BOUND);
                assertThat(beats).hasSize(2);
            } finally {
                publisher.shutdownNow();
                assertThat(publisher.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            }
            List<SseTestClient.Event> received = new ArrayList<>();
            alice.events.drainTo(received);
            assertThat(received).filteredOn(e -> e.event().equals("notification")).hasSizeGreaterThan(2);
            assertThat(received).filteredOn(e -> e.event().equals("heartbeat")).isEmpty();

            // Quiet again: the keep-alives come back, in the same format.
            SseTestClient.Event beat = alice.next("heartbeat", BOUND);
            assertThat(beat.json()).containsEntry("type", "heartbeat");
            assertThat(Instant.parse((String) beat.json().get("timestamp"))).isBefore(Instant.now().plusSeconds(1));
        }
    }

    @Test
    void malformedLastEventIdIsRejected() {
        server = new TestServer();
        var r = server.send(server.request("/api/v1/notifications/sse/stream", server.token("alice"))
                .header("Last-Event-ID", "abc").GET().build());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("\"code\":\"invalid_last_event_id\"");
    }

    @Test
    void heartbeatArrivesAtTheConfiguredInterval() {
        Duration interval = Duration.ofMillis(200);
        server = new TestServer(b -> { }, c -> c.heartbeat = interval);
        try (SseTestClient alice = server.stream(server.token("alice"), null)) {
            long opened = alice.next("connection_established", BOUND).receivedNanos();
            List<SseTestClient.Event> beats = alice.next("heartbeat", 3, BOUND);
            assertThat(beats.get(0).json()).containsEntry("type", "heartbeat").containsKey("timestamp");
            // Not sooner than the interval (less a little scheduling slack), and regular after that.
            assertThat(Duration.ofNanos(beats.get(0).receivedNanos() - opened)).isGreaterThan(interval.dividedBy(2));
            assertThat(Duration.ofNanos(beats.get(2).receivedNanos() - beats.get(0).receivedNanos()))
                    .isGreaterThan(interval);
        }
    }

    @Test
    void clientThatStopsReadingIsDroppedWithoutDelayingOthers() throws Exception {
        int capacity = 64;
        server = new TestServer(b -> b.streamQueueCapacity(capacity), c -> { });
        String token = server.token("alice");
        try (Socket stalled = new Socket()) {
            // A tiny receive window, and we never read: the server's writes back up quickly.
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new java.net.InetSocketAddress("localhost", server.app.port()));
            OutputStream out = stalled.getOutputStream();
            out.write(("GET /api/v1/notifications/sse/stream HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                    + "Authorization: Bearer " + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            await().atMost(BOUND).until(() -> server.notify.streams("alice").size() == 1);
            StreamConnection stuck = server.notify.streams("alice").get(0);

            try (SseTestClient healthy = server.stream(token, null)) {
                healthy.next("connection_established", BOUND);
                String big = "x".repeat(9_000);
                int count = 400;
                // Sends are paced by the healthy reader: never more than a window ahead of what it
                // has read, far below the queue capacity. However slowly a loaded machine runs that
                // reader, only the stalled client can overflow its queue; and a hub in which the
                // stalled socket held up anyone else would stop the healthy reader, so this loop
                // would never finish.
                int window = 16;
                List<SseTestClient.Event> received = new ArrayList<>();
                for (int i = 1; i <= count; i++) {
                    while (received.size() < i - window) {
                        received.add(healthy.next("notification", BOUND));
                    }
                    server.notify.send(SendRequest.to("alice").title("n" + i).message(big).build());
                }
                while (received.size() < count) {
                    received.add(healthy.next("notification", BOUND));
                }
                assertThat(received).extracting(SseTestClient.Event::id)
                        .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, count).mapToObj(Integer::toString).toList());
                // The stalled connection was closed for falling behind, stuck far below what the
                // healthy one received; the healthy one is still open.
                await().atMost(BOUND).until(() -> !stuck.isOpen());
                assertThat(stuck.lastDeliveredSeq()).isLessThan(count - capacity);
                assertThat(server.notify.streams("alice")).singleElement()
                        .satisfies(c -> assertThat(c.lastDeliveredSeq()).isEqualTo(count));
            }
        }
    }

    @Test
    void statusReportsOpenConnectionsAndCloseEndsThem() {
        server = new TestServer();
        String token = server.token("alice");
        try (SseTestClient alice = server.stream(token, null)) {
            alice.next("connection_established", BOUND);
            var status = TestServer.body(server.get("/api/v1/notifications/sse/status", token));
            assertThat(status).containsEntry("connected", true).containsEntry("connection_count", 1);

            var closed = server.post("/api/v1/notifications/sse/close", token, null);
            assertThat(closed.statusCode()).isEqualTo(200);
            assertThat(TestServer.body(closed)).containsEntry("closed", 1);
            await().atMost(BOUND).until(alice.ended::isDone);
            assertThat(TestServer.body(server.get("/api/v1/notifications/sse/status", token)))
                    .containsEntry("connected", false).containsEntry("connection_count", 0);
        }
    }

    @Test
    void readAndDeleteChangesReachTheStream() {
        server = new TestServer();
        String token = server.token("alice");
        try (SseTestClient alice = server.stream(token, null)) {
            alice.next("connection_established", BOUND);
            long id = server.create("alice", "one");
            server.create("alice", "two");
            server.post("/api/v1/notifications/" + id + "/read", token, null);
            assertThat(alice.next("notification_read", BOUND).json()).containsEntry("notification_id", (int) id);
            server.post("/api/v1/notifications/mark-all-read", token, null);
            assertThat(alice.next("all_read", BOUND).json()).containsEntry("count", 1).containsEntry("up_to_seq", 2);
            server.delete("/api/v1/notifications/" + id, token);
            assertThat(alice.next("notification_deleted", BOUND).json()).containsEntry("notification_id", (int) id);
        }
    }

    @Test
    void streamWithoutTokenIsRejected() {
        server = new TestServer();
        var r = server.get("/api/v1/notifications/sse/stream", null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(TestServer.body(r)).extractingByKey("error").asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("code", "unauthenticated");
    }

    static Map<String, Object> map(Object o) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) o;
        return m;
    }
}
