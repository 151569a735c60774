package dev.notify.javalin.internal;

import dev.notify.StreamEvent;
import dev.notify.StreamHeartbeat;
import dev.notify.StreamSink;
import dev.notify.json.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * One WebSocket session as a {@link StreamSink}, and the one way anything is sent on it.
 *
 * <p>Every send waits until Jetty has written the frame, under a lock: the stream hub's writer
 * and the thread answering the client's requests never interleave, and a client that stops
 * reading holds up only its own hub writer, whose bounded queue then overflows and closes it.
 * The hub's heartbeat becomes a ping frame (RFC 6455 section 5.5.2) rather than a message, so
 * clients see only the messages of the protocol.
 */
final class WsSink implements StreamSink {
    /** Longest a single frame may take to reach the client before the connection counts as dead. */
    private static final long WRITE_TIMEOUT_SECONDS = 30;
    /** RFC 6455 section 5.5: a close reason is at most 123 bytes of UTF-8. */
    private static final int MAX_REASON_BYTES = 123;

    private final Session session;
    private final Object sendLock = new Object();
    private volatile boolean writing;
    private volatile boolean closed;
    /** Sent before anything else, once; guarded by {@link #sendLock}. */
    private Map<String, Object> greeting;

    WsSink(Session session) {
        this.session = session;
    }

    @Override
    public void event(StreamEvent event) throws IOException {
        if (event.kind().carriesNotification()) {
            // The notification's JSON shares its common fields' encoding with the rest of its send.
            send("{\"type\":\"" + event.kind().wireName() + "\",\"event_id\":" + event.seq() + ",\"notification\":"
                    + NotificationJson.of(event) + "}");
            return;
        }
        var message = new LinkedHashMap<String, Object>();
        message.put("type", event.kind().wireName());
        if (event.seq() > 0) {
            message.put("event_id", event.seq());
        }
        message.putAll(event.fields());
        send(message);
    }

    /** The ping payload: the hub's clock reading in epoch milliseconds, as ASCII digits. */
    private static final Function<Instant, byte[]> PING_PAYLOAD =
            now -> Long.toString(now.toEpochMilli()).getBytes(StandardCharsets.US_ASCII);

    @Override
    public void heartbeat(Instant now) throws IOException {
        heartbeat(new StreamHeartbeat(now));
    }

    /** Sends the tick's ping; the payload is encoded once per tick and shared (read-only) by every socket. */
    @Override
    public void heartbeat(StreamHeartbeat beat) throws IOException {
        ping(ByteBuffer.wrap(beat.encoded(PING_PAYLOAD)).asReadOnlyBuffer());
    }

    private void ping(ByteBuffer payload) throws IOException {
        synchronized (sendLock) {
            sendGreeting();
            await(c -> session.sendPing(payload, c));
        }
    }

    /**
     * Makes {@code message} the first message on the socket, whichever write comes first: the
     * hub's replay or {@link #greet()}.
     */
    void greetWith(Map<String, Object> message) {
        synchronized (sendLock) {
            greeting = new LinkedHashMap<>(message);
        }
    }

    /**
     * The hub's start cursor becomes the greeting's {@code event_id}: a client that reconnects
     * with it ({@code ?last_event_id=}) misses nothing, even if no notification came in between.
     */
    @Override
    public void started(long afterSeq) {
        synchronized (sendLock) {
            if (greeting != null) {
                greeting.put("event_id", afterSeq);
            }
        }
    }

    /** Sends the greeting now, if nothing has sent it yet. */
    void greet() throws IOException {
        synchronized (sendLock) {
            sendGreeting();
        }
    }

    /** Sends one JSON message and waits until it is written. */
    void send(Map<String, Object> message) throws IOException {
        send(Json.write(message));
    }

    /** Sends one message of JSON text and waits until it is written. */
    private void send(String text) throws IOException {
        synchronized (sendLock) {
            sendGreeting();
            await(c -> session.sendText(text, c));
        }
    }

    private void sendGreeting() throws IOException {
        Map<String, Object> message = greeting;
        if (message != null) {
            greeting = null;
            String text = Json.write(message);
            await(c -> session.sendText(text, c));
        }
    }

    private interface Write {
        void start(Callback callback);
    }

    private void await(Write write) throws IOException {
        if (closed || !session.isOpen()) {
            throw new IOException("websocket closed");
        }
        Callback.Completable done = new Callback.Completable();
        writing = true;
        try {
            write.start(done);
            done.get(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IOException("websocket write failed", e.getCause());
        } catch (TimeoutException e) {
            session.disconnect();
            throw new IOException("websocket write took longer than " + WRITE_TIMEOUT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing", e);
        } finally {
            writing = false;
        }
    }

    @Override
    public void close(String reason) {
        if (closed) {
            return;
        }
        closed = true;
        if (writing && reason != null && reason.startsWith(StreamSink.SLOW_CONSUMER)) {
            // The writer is blocked on a client that stopped reading; a close frame would queue
            // behind its data, so drop the connection and let that write fail now. Any other
            // close during a write (a greeting or heartbeat in flight) still sends its close
            // frame, queued after that write; the write timeout bounds it.
            session.disconnect();
            return;
        }
        session.close(closeCode(reason), truncate(reason), Callback.NOOP);
    }

    /** Closes with a given status, e.g. after a protocol violation. */
    void close(int code, String reason) {
        closed = true;
        session.close(code, truncate(reason), Callback.NOOP);
    }

    private static int closeCode(String reason) {
        if (reason == null) {
            return StatusCode.NORMAL;
        }
        if (reason.startsWith("server shutting down")) {
            return StatusCode.SHUTDOWN;
        }
        if (reason.startsWith(StreamSink.SLOW_CONSUMER)) {
            return StatusCode.POLICY_VIOLATION;
        }
        if (reason.startsWith("server error")) {
            return StatusCode.SERVER_ERROR;
        }
        return StatusCode.NORMAL;
    }

    private static String truncate(String reason) {
        if (reason == null) {
            return null;
        }
        byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_REASON_BYTES) {
            return reason;
        }
        String cut = new String(bytes, 0, MAX_REASON_BYTES, StandardCharsets.UTF_8);
        // A multi-byte character split at the cut decodes to U+FFFD (3 bytes): drop it.
        while (cut.getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
            cut = cut.substring(0, cut.length() - 1);
        }
        return cut;
    }

    @Override
    public String transport() {
        return "websocket";
    }
}
