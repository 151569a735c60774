package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.notify.javalin.internal.HeaderTimeout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Caps on open streams, the header timeout, and how fast a departed client is noticed. */
class StreamLimitsTest {
    /** Generous bound for anything asynchronous; passing runs take milliseconds. */
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final String STREAM = "/api/v1/notifications/sse/stream";
    private TestServer server;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private SseTestClient stream(String user) {
        SseTestClient client = server.stream(server.token(user), null);
        open.add(client);
        client.next("connection_established", BOUND);
        return client;
    }

    @Test
    void userOverTheCapGets429WithRetryAfterAndKeepsTheStreamsItHas() {
        server = new TestServer(b -> b.maxStreamsPerRecipient(2), c -> c.streamRetryAfter = Duration.ofSeconds(7));
        SseTestClient first = stream("alice");
        stream("alice");

        HttpResponse<String> refused = server.get(STREAM, server.token("alice"));
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("7");
        assertThat(TestServer.body(refused)).extractingByKey("error").asInstanceOf(
                org.assertj.core.api.InstanceOfAssertFactories.MAP).containsEntry("code", "too_many_streams");
        // The WebSocket counts against the same cap, and is refused before the upgrade.
        assertThat(wsUpgradeStatus("alice")).isEqualTo(429);

        // Nothing was taken from the streams alice has, and bob is not affected.
        server.create("alice", "still here");
        assertThat(first.next("notification", BOUND).json()).containsEntry("title", "still here");
        assertThat(server.notify.streams("alice")).hasSize(2);
        stream("bob");

        // A closed stream frees its slot.
        first.close();
        await().atMost(BOUND).until(() -> server.notify.streams("alice").size() == 1);
        stream("alice");
    }

    @Test
    void serverAtItsStreamCapAnswers503WithRetryAfterWhileHealthAndTheApiStillAnswer() {
        server = new TestServer(b -> b.maxOpenStreams(3), c -> { });
        stream("alice");
        stream("bob");
        stream("carol");

        HttpResponse<String> refused = server.get(STREAM, server.token("dave"));
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("5");
        assertThat(refused.headers().firstValue("Connection")).hasValue("close");
        assertThat(refused.body()).contains("\"code\":\"streams_unavailable\"");
        assertThat(wsUpgradeStatus("dave")).isEqualTo(503);

        HttpResponse<String> health = server.get("/health", null);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(TestServer.body(health)).containsEntry("open_streams", 3);
        assertThat(server.get("/api/v1/notifications/unread-count", server.token("dave")).statusCode()).isEqualTo(200);
    }

    private int wsUpgradeStatus(String user) {
        try (WsTestClient ws = WsTestClient.open(server, "token=" + server.token(user))) {
            throw new AssertionError("the upgrade was accepted: " + ws.next(BOUND));
        } catch (IllegalStateException e) {
            assertThat(e.getCause()).isInstanceOf(WebSocketHandshakeException.class);
            return ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode();
        }
    }

    @Test
    void clientTricklingHeaderLinesIsClosedAfterTheHeaderTimeout() throws Exception {
        // Jetty's idle timeout (30 s here) never fires on its own: every line resets it.
        server = new TestServer(b -> { }, c -> c.headerTimeout = Duration.ofSeconds(1));
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try (Socket loris = new Socket("localhost", server.app.port());
             Socket silent = new Socket("localhost", server.app.port())) {
            OutputStream out = loris.getOutputStream();
            out.write("GET /health HTTP/1.1\r\nHost: localhost\r\n".getBytes(StandardCharsets.US_ASCII));
            AtomicInteger lines = new AtomicInteger();
            trickle.scheduleAtFixedRate(() -> {
                try {
                    out.write(("X-Line-" + lines.incrementAndGet() + ": a\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException closed) {
                    // the server hung up: what this test waits for
                }
            }, 0, 100, TimeUnit.MILLISECONDS);

            CompletableFuture<Integer> lorisEnd = endOf(loris);
            CompletableFuture<Integer> silentEnd = endOf(silent);
            await().atMost(BOUND).until(() -> lorisEnd.isDone() && silentEnd.isDone());
            assertThat(lorisEnd.join()).as("bytes the slow client got before the close").isZero();
            assertThat(silentEnd.join()).isZero();
            assertThat(lines.get()).as("header lines sent before the close").isGreaterThan(5);
        } finally {
            trickle.shutdownNow();
        }
        // A prompt client is served as before.
        assertThat(server.get("/health", null).statusCode()).isEqualTo(200);
    }

    @Test
    void floodOfSlowClientsIsShedAtTheShortBusyTimeout() throws Exception {
        // A minute normally, and every connection trickles header lines so that no idle timeout
        // can end it: only the timeout shortened under a flood can end these within the bound.
        server = new TestServer(b -> { }, c -> c.headerTimeout = Duration.ofMinutes(1));
        int flood = 80;
        List<Socket> slow = new CopyOnWriteArrayList<>();
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try {
            for (int i = 0; i < flood; i++) {
                Socket s = new Socket("localhost", server.app.port());
                slow.add(s);
                s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: localhost\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            List<CompletableFuture<Integer>> ends = slow.stream().map(StreamLimitsTest::endOf).toList();
            trickle.scheduleWithFixedDelay(() -> {
                for (Socket s : slow) {
                    try {
                        s.getOutputStream().write("X-Slow: 1\r\n".getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException closed) {
                        // shed: what this test waits for
                    }
                }
            }, 0, 200, TimeUnit.MILLISECONDS);
            // While 64 or more wait, each waits at most 2 s; the last 63 may get the full minute.
            await().atMost(BOUND).until(() -> ends.stream().filter(CompletableFuture::isDone).count()
                    >= flood - (HeaderTimeout.BUSY_WAITING - 1));
            assertThat(server.get("/health", null).statusCode()).isEqualTo(200);
        } finally {
            trickle.shutdownNow();
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    /** Reads {@code socket} to its end on another thread; completes with how many bytes came. */
    private static CompletableFuture<Integer> endOf(Socket socket) {
        CompletableFuture<Integer> end = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (InputStream in = socket.getInputStream()) {
                end.complete(in.readAllBytes().length);
            } catch (IOException reset) {
                end.complete(0);
            }
        }, "end-of-socket");
        reader.setDaemon(true);
        reader.start();
        return end;
    }

    @Test
    void clientThatDisconnectsIsForgottenLongBeforeTheNextHeartbeat() throws Exception {
        server = new TestServer(b -> { }, c -> c.heartbeat = Duration.ofHours(1));
        try (Socket client = new Socket("localhost", server.app.port())) {
            client.getOutputStream().write(("GET " + STREAM + " HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                    + "Authorization: Bearer " + server.token("alice") + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            readUntil(client.getInputStream(), "event: connection_established");
            assertThat(server.notify.openStreamCount()).isEqualTo(1);
        }
        // No write will happen for an hour: only the socket's end of stream can tell.
        await().atMost(BOUND).until(() -> server.notify.openStreamCount() == 0);
        assertThat(server.notify.streams("alice")).isEmpty();
    }

    @Test
    void serverThatEndsAStreamLeavesNoReadPending() throws Exception {
        // The disconnect watch must not get in the way when the server ends the stream itself.
        server = new TestServer(b -> { }, c -> c.heartbeat = Duration.ofHours(1));
        SseTestClient alice = stream("alice");
        assertThat(server.post("/api/v1/notifications/sse/close", server.token("alice"), null).statusCode())
                .isEqualTo(200);
        await().atMost(BOUND).until(alice.ended::isDone);
        assertThat(server.notify.openStreamCount()).isZero();
        stream("alice");
        assertThat(server.get("/health", null).statusCode()).isEqualTo(200);
    }

    private static String readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        while (!seen.toString(StandardCharsets.UTF_8).contains(marker)) {
            int n = in.read(buffer);
            if (n < 0) {
                throw new AssertionError("stream ended before '" + marker + "': " + seen);
            }
            seen.write(buffer, 0, n);
        }
        return seen.toString(StandardCharsets.UTF_8);
    }
}
