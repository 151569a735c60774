package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.notify.SendRequest;
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
    private static final Duration TWO_SECONDS = Duration.ofSeconds(2);
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void notificationCreatedThroughTheApiArrivesOnTheStreamWithinTwoSeconds() {
        server = new TestServer();
        try (SseTestClient alice = server.stream(server.token("alice"), null)) {
            SseTestClient.Event hello = alice.next("connection_established", TWO_SECONDS);
            assertThat(hello.json()).containsEntry("user_id", "alice");

            long sentAt = System.nanoTime();
            long id = server.create("alice", "New task assigned: Review the Q3 report");
            SseTestClient.Event event = alice.next("notification", TWO_SECONDS);

            assertThat(event.receivedNanos() - sentAt).isLessThan(TWO_SECONDS.toNanos());
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
                alice.next("connection_established", TWO_SECONDS);
                server.create("alice", "n" + i);
                assertThat(alice.next("notification", TWO_SECONDS).id()).isEqualTo(Integer.toString(i));
            }
        }
    }

    @Test
    void eachUserSeesOnlyTheirOwnNotifications() {
        server = new TestServer();
        try (SseTestClient alice = server.stream(server.token("alice"), null);
             SseTestClient bob = server.stream(server.token("bob"), null)) {
            alice.next("connection_established", TWO_SECONDS);
            bob.next("connection_established", TWO_SECONDS);

            server.create("alice", "for alice");
            server.create("bob", "for bob");
            server.create("alice", "for alice again");

            assertThat(alice.next("notification", 2, TWO_SECONDS)).extracting(e -> e.json().get("title"))
                    .containsExactly("for alice", "for alice again");
            assertThat(bob.next("notification", TWO_SECONDS).json()).containsEntry("title", "for bob");
            // One more to bob; if any of alice's had leaked to bob it would arrive before this one.
            server.create("bob", "bob's second");
            assertThat(bob.next("notification", TWO_SECONDS).json()).containsEntry("title", "bob's second");
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
            List<SseTestClient.Event> seen = first.next("notification", 2, TWO_SECONDS);
            lastSeen = seen.get(1).id();
        }
        server.create("alice", "three");
        server.create("alice", "four");
        server.create("alice", "five");

        try (SseTestClient again = server.stream(token, lastSeen)) {
            List<SseTestClient.Event> replayed = again.next("notification", 3, TWO_SECONDS);
            assertThat(replayed).extracting(SseTestClient.Event::id).containsExactly("3", "4", "5");
            assertThat(replayed).extracting(e -> e.json().get("title")).containsExactly("three", "four", "five");
            // Live events follow the replay, with nothing repeated in between.
            server.create("alice", "six");
            assertThat(again.next("notification", TWO_SECONDS).id()).isEqualTo("6");
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
            assertThat(response.next("notification", TWO_SECONDS).id()).isEqualTo("2");
        }
    }

    @Test
    void busyStreamIsNotSentHeartbeatsWhileAnIdleOneIs() throws Exception {
        Duration interval = Duration.ofSeconds(1);
        server = new TestServer(b -> { }, c -> c.heartbeat = interval);
        ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
        try (SseTestClient alice = server.stream(server.token("alice"), null);
             SseTestClient bob = server.stream(server.token("bob"), null)) {
            alice.next("connection_established", TWO_SECONDS);
            bob.next("connection_established", TWO_SECONDS);
            AtomicInteger sent = new AtomicInteger();
            try {
                // A notification to alice every 50 ms; bob's idle stream is the clock.
                publisher.scheduleAtFixedRate(() -> server.create("alice", "n" + sent.incrementAndGet()),
                        0, 50, TimeUnit.MILLISECONDS);
                List<SseTestClient.Event> beats = bob.next("heartbeat", 3, Duration.ofSeconds(5));
                assertThat(beats).hasSize(3);
            } finally {
                publisher.shutdownNow();
                assertThat(publisher.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            }
            List<SseTestClient.Event> received = new ArrayList<>();
            alice.events.drainTo(received);
            assertThat(received).filteredOn(e -> e.event().equals("notification")).hasSizeGreaterThan(20);
            assertThat(received).filteredOn(e -> e.event().equals("heartbeat")).isEmpty();

            // Quiet again: the keep-alives come back, in the same format.
            SseTestClient.Event beat = alice.next("heartbeat", Duration.ofSeconds(5));
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
            long opened = alice.next("connection_established", TWO_SECONDS).receivedNanos();
            List<SseTestClient.Event> beats = alice.next("heartbeat", 3, TWO_SECONDS);
            assertThat(beats.get(0).json()).containsEntry("type", "heartbeat").containsKey("timestamp");
            // Not sooner than the interval (less a little scheduling slack), and regular after that.
            assertThat(Duration.ofNanos(beats.get(0).receivedNanos() - opened)).isGreaterThan(interval.dividedBy(2));
            assertThat(Duration.ofNanos(beats.get(2).receivedNanos() - beats.get(0).receivedNanos()))
                    .isGreaterThan(interval);
        }
    }

    @Test
    void clientThatStopsReadingIsDroppedWithoutDelayingOthers() throws Exception {
        server = new TestServer(b -> b.streamQueueCapacity(64), c -> { });
        String token = server.token("alice");
        try (Socket stalled = new Socket()) {
            // A tiny receive window, and we never read: the server's writes back up quickly.
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new java.net.InetSocketAddress("localhost", server.app.port()));
            OutputStream out = stalled.getOutputStream();
            out.write(("GET /api/v1/notifications/sse/stream HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                    + "Authorization: Bearer " + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            await().atMost(TWO_SECONDS).until(() -> server.notify.streams("alice").size() == 1);

            try (SseTestClient healthy = server.stream(token, null)) {
                healthy.next("connection_established", TWO_SECONDS);
                String big = "x".repeat(9_000);
                List<Long> sentAt = new ArrayList<>();
                int count = 400;
                for (int i = 0; i < count; i++) {
                    sentAt.add(System.nanoTime());
                    server.notify.send(SendRequest.to("alice").title("n" + i).message(big).build());
                }
                List<SseTestClient.Event> received = healthy.next("notification", count, Duration.ofSeconds(10));
                assertThat(received).extracting(SseTestClient.Event::id)
                        .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, count).mapToObj(Integer::toString).toList());
                long worst = 0;
                for (int i = 0; i < count; i++) {
                    worst = Math.max(worst, received.get(i).receivedNanos() - sentAt.get(i));
                }
                assertThat(Duration.ofNanos(worst)).as("slowest delivery to the healthy client").isLessThan(TWO_SECONDS);
                // The stalled connection was closed for falling behind; the healthy one is still open.
                await().atMost(Duration.ofSeconds(5)).until(() -> server.notify.streams("alice").size() == 1);
                assertThat(server.notify.streams("alice").get(0).lastDeliveredSeq()).isEqualTo(count);
            }
        }
    }

    @Test
    void statusReportsOpenConnectionsAndCloseEndsThem() {
        server = new TestServer();
        String token = server.token("alice");
        try (SseTestClient alice = server.stream(token, null)) {
            alice.next("connection_established", TWO_SECONDS);
            var status = TestServer.body(server.get("/api/v1/notifications/sse/status", token));
            assertThat(status).containsEntry("connected", true).containsEntry("connection_count", 1);

            var closed = server.post("/api/v1/notifications/sse/close", token, null);
            assertThat(closed.statusCode()).isEqualTo(200);
            assertThat(TestServer.body(closed)).containsEntry("closed", 1);
            await().atMost(TWO_SECONDS).until(alice.ended::isDone);
            assertThat(TestServer.body(server.get("/api/v1/notifications/sse/status", token)))
                    .containsEntry("connected", false).containsEntry("connection_count", 0);
        }
    }

    @Test
    void readAndDeleteChangesReachTheStream() {
        server = new TestServer();
        String token = server.token("alice");
        try (SseTestClient alice = server.stream(token, null)) {
            alice.next("connection_established", TWO_SECONDS);
            long id = server.create("alice", "one");
            server.create("alice", "two");
            server.post("/api/v1/notifications/" + id + "/read", token, null);
            assertThat(alice.next("notification_read", TWO_SECONDS).json()).containsEntry("notification_id", (int) id);
            server.post("/api/v1/notifications/mark-all-read", token, null);
            assertThat(alice.next("all_read", TWO_SECONDS).json()).containsEntry("count", 1).containsEntry("up_to_seq", 2);
            server.delete("/api/v1/notifications/" + id, token);
            assertThat(alice.next("notification_deleted", TWO_SECONDS).json()).containsEntry("notification_id", (int) id);
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
