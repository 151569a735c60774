package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.notify.SendRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A standard EventSource, which knows nothing of notify and reconnects by itself with
 * {@code Last-Event-ID}, misses nothing from its very first connection: the greeting carries the
 * stream's start as its id.
 */
class SseResumeTest {
    private static final Duration BOUND = Duration.ofSeconds(30);
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private SpecEventSource source(String user) {
        return new SpecEventSource(server.http, server.url("/api/v1/notifications/sse/stream?token=" + server.token(user)));
    }

    private SpecEventSource.Event next(SpecEventSource source) throws InterruptedException {
        SpecEventSource.Event e = source.events.poll(BOUND.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertThat(e).as("an event within " + BOUND).isNotNull();
        return e;
    }

    @Test
    void greetingCarriesTheRecipientsCurrentSequenceAsItsId() throws Exception {
        server = new TestServer();
        server.create("alice", "one");
        server.create("alice", "two");
        try (SseTestClient alice = server.stream(server.token("alice"), null);
             SseTestClient bob = server.stream(server.token("bob"), null);
             SseTestClient resumed = server.stream(server.token("alice"), "1")) {
            assertThat(alice.next("connection_established", BOUND).id()).isEqualTo("2");
            assertThat(bob.next("connection_established", BOUND).id()).isEqualTo("0");
            // A resumed stream starts where the client asked: its replay follows the greeting.
            assertThat(resumed.next("connection_established", BOUND).id()).isEqualTo("1");
            assertThat(resumed.next("notification", BOUND).id()).isEqualTo("2");
        }
        try (WsTestClient ws = WsTestClient.open(server, "token=" + server.token("alice"))) {
            assertThat(ws.next("connection_established", BOUND)).containsEntry("event_id", 2);
        }
    }

    @Test
    void streamThatDropsBeforeItsFirstNotificationResumesWithoutAGap() throws Exception {
        server = new TestServer(b -> { }, c -> c.sseRetry = Duration.ZERO);
        server.create("alice", "before the stream");
        try (SpecEventSource source = source("alice")) {
            SpecEventSource.Event hello = next(source);
            assertThat(hello.type()).isEqualTo("connection_established");
            assertThat(hello.lastEventId()).isEqualTo("1");

            // The stream drops and the client cannot reconnect for a while; meanwhile two are sent.
            source.holdReconnects();
            server.post("/api/v1/notifications/sse/close", server.token("alice"), null);
            await().atMost(BOUND).until(source::waitingToReconnect);
            server.create("alice", "while away 1");
            server.create("alice", "while away 2");
            source.releaseReconnect();

            assertThat(next(source).type()).isEqualTo("connection_established");
            SpecEventSource.Event first = next(source);
            SpecEventSource.Event second = next(source);
            assertThat(List.of(first.lastEventId(), second.lastEventId())).containsExactly("2", "3");
            assertThat(first.data()).contains("while away 1");
            assertThat(source.connections.get()).isEqualTo(2);
        }
    }

    @Test
    void clientDisconnectedEverySecondMissesNothingAndSeesNothingTwice() throws Exception {
        server = new TestServer(b -> b.maxStreamDuration(Duration.ofSeconds(1)), c -> c.sseRetry = Duration.ZERO);
        try (SpecEventSource source = source("alice")) {
            assertThat(next(source).type()).isEqualTo("connection_established");
            // Send until the server has ended the stream several times during the sends.
            long sent = 0;
            while (source.connections.get() < 4 && sent < 100_000) {
                server.notify.send(SendRequest.to("alice").title("n" + (++sent)).build());
            }
            assertThat(source.connections.get()).as("streams the server ended during the sends").isGreaterThanOrEqualTo(4);

            List<Long> ids = new ArrayList<>();
            long last = sent;
            await().atMost(BOUND).until(() -> {
                for (SpecEventSource.Event e; (e = source.events.poll()) != null; ) {
                    if (e.type().equals("notification")) {
                        ids.add(Long.parseLong(e.lastEventId()));
                    }
                }
                return !ids.isEmpty() && ids.get(ids.size() - 1) == last;
            });
            assertThat(ids).containsExactlyElementsOf(LongStream.rangeClosed(1, sent).boxed().toList());
        }
    }
}
