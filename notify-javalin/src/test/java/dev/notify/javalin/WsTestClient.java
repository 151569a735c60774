package dev.notify.javalin;

import dev.notify.json.Json;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real WebSocket client (the JDK's {@link java.net.http.WebSocket}) that queues each JSON
 * message it receives and records pings and the close status.
 */
final class WsTestClient implements AutoCloseable {
    final LinkedBlockingQueue<Map<String, Object>> messages;
    final CompletableFuture<Integer> closed;
    final AtomicInteger pings;
    private final WebSocket socket;
    private final java.util.ArrayDeque<Map<String, Object>> held = new java.util.ArrayDeque<>();

    private WsTestClient(WebSocket socket, Listener listener) {
        this.socket = socket;
        this.messages = listener.messages;
        this.closed = listener.closed;
        this.pings = listener.pings;
    }

    /** Connects to {@code /ws/notifications?query}; fails with the handshake's exception. */
    static WsTestClient open(TestServer server, String query) {
        Listener listener = new Listener();
        URI uri = URI.create("ws://localhost:" + server.app.port() + "/ws/notifications" + (query == null ? "" : "?" + query));
        WebSocket socket;
        try {
            socket = server.http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                    .buildAsync(uri, listener).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
        return new WsTestClient(socket, listener);
    }

    /** Connects with {@code ?token=} and takes the greeting. */
    static WsTestClient withToken(TestServer server, String token) {
        WsTestClient client = open(server, "token=" + token);
        client.next("connection_established", Duration.ofSeconds(30));
        return client;
    }

    void send(Map<String, Object> message) {
        sendText(Json.write(message));
    }

    void sendText(String text) {
        socket.sendText(text, true).join();
    }

    /**
     * Sends a message and returns its reply (or error). Events that the hub broadcasts meanwhile
     * (they race with the reply) are kept for later {@link #next} calls.
     */
    Map<String, Object> request(Map<String, Object> message) {
        send(message);
        List<Map<String, Object>> events = new ArrayList<>();
        try {
            while (true) {
                Map<String, Object> m = poll(Duration.ofSeconds(30));
                if (!isEvent(m)) {
                    return m;
                }
                events.add(m);
            }
        } finally {
            held.addAll(events);
        }
    }

    private static boolean isEvent(Map<String, Object> m) {
        // Stream events are named after a StreamEvent kind and, unlike replies, carry no "success".
        if (!(m.get("type") instanceof String type) || m.containsKey("success")) {
            return false;
        }
        try {
            dev.notify.StreamEvent.Kind.ofWireName(type);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The next message, whatever its type. */
    Map<String, Object> next(Duration timeout) {
        Map<String, Object> m = held.poll();
        return m != null ? m : poll(timeout);
    }

    private Map<String, Object> poll(Duration timeout) {
        try {
            Map<String, Object> m = messages.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (m == null) {
                throw new AssertionError("no message within " + timeout);
            }
            return m;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next message of the given type, skipping others; fails after the timeout. */
    Map<String, Object> next(String type, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no '" + type + "' message within " + timeout);
            }
            Map<String, Object> m = next(Duration.ofNanos(left));
            if (type.equals(m.get("type"))) {
                return m;
            }
        }
    }

    /** Messages already received and not yet taken. */
    List<Map<String, Object>> drain() {
        List<Map<String, Object>> all = new ArrayList<>(held);
        held.clear();
        messages.drainTo(all);
        return all;
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").exceptionally(e -> null);
        }
        socket.abort();
    }

    private static final class Listener implements WebSocket.Listener {
        final LinkedBlockingQueue<Map<String, Object>> messages = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        final AtomicInteger pings = new AtomicInteger();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                messages.add(Json.readObject(partial.toString()));
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            pings.incrementAndGet();
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(-1);
        }
    }
}
