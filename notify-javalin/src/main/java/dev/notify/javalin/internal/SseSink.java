package dev.notify.javalin.internal;

import dev.notify.StreamEvent;
import dev.notify.StreamHeartbeat;
import dev.notify.StreamSink;
import dev.notify.json.Json;
import io.javalin.http.Context;
import jakarta.servlet.ServletOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.eclipse.jetty.ee10.servlet.HttpOutput;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SSE response as a {@link StreamSink}. Frames follow the HTML Living Standard,
 * "Server-sent events", section 9.2.5 (event stream format): {@code id:}, {@code event:},
 * {@code data:} lines and a blank line. Event names and ids never hold CR or LF (they are
 * produced here, not taken from input), and the JSON data is written on one line.
 *
 * <p>The first frame, {@code connection_established}, carries the sequence the stream starts after
 * as its {@code id:}, so an EventSource that reconnects by itself sends it back as
 * {@code Last-Event-ID} and misses nothing even if the stream dropped before its first notification.
 *
 * <p>A client that goes away is noticed when it does, not at the next write: once the greeting is
 * written, the sink asks the connection's endpoint to report readability; a GET stream's client
 * sends nothing more, so the next thing the socket reports is its end of stream (the client's FIN
 * or reset), which completes {@link #done()}. The response carries {@code Connection: close}, so
 * Jetty never tries to read a next request from the same connection.
 */
final class SseSink implements StreamSink {
    private static final Logger log = LoggerFactory.getLogger(SseSink.class);

    private final Context ctx;
    private final ServletOutputStream out;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    /** Released once the greeting is written: the hub's writer may not overtake it. */
    private final CountDownLatch greeted = new CountDownLatch(1);
    private volatile boolean writing;
    /** The sequence the stream starts after, from the hub; -1 until then. */
    private volatile long startedAfter = -1;

    /** The reconnect delay told to clients in the final event of a shutdown. */
    private final Duration shutdownRetry;

    SseSink(Context ctx, Duration shutdownRetry) throws IOException {
        this.ctx = ctx;
        this.out = ctx.res().getOutputStream();
        this.shutdownRetry = shutdownRetry;
    }

    /** Completes when the stream is closed; Javalin ends the async response then. */
    CompletableFuture<Void> done() {
        return done;
    }

    /**
     * Writes the stream's first frames. The connection is registered with the hub before this (so
     * nothing committed after the greeting can be missed); the hub's writer waits until it is done.
     */
    void greet(String retryField, Map<String, Object> hello) throws IOException {
        try {
            write(retryField);
            frame(startedAfter >= 0 ? Long.toString(startedAfter) : null, "connection_established", hello);
        } finally {
            greeted.countDown();
        }
    }

    @Override
    public void started(long afterSeq) {
        startedAfter = afterSeq;
    }

    /**
     * Completes {@link #done()} as soon as the client closes its end of the connection. Does
     * nothing where the connection is not a plain HTTP/1 socket this can watch.
     */
    void watchForDisconnect() {
        EndPoint endPoint;
        try {
            ServletContextRequest request = ServletContextRequest.getServletContextRequest(ctx.req());
            endPoint = request == null ? null : request.getConnectionMetaData().getConnection().getEndPoint();
        } catch (RuntimeException e) {
            endPoint = null;
        }
        if (endPoint == null) {
            return;
        }
        arm(endPoint);
    }

    private void arm(EndPoint endPoint) {
        if (done.isDone()) {
            return;
        }
        boolean armed = endPoint.tryFillInterested(Callback.from(() -> readable(endPoint), failure -> {
            // The endpoint closed (by us or by the peer): the stream is over either way.
            close("client gone");
        }));
        if (!armed) {
            log.debug("cannot watch the SSE connection for a disconnect; relying on heartbeats");
        }
    }

    /** The socket is readable: its end (the client is gone), or stray bytes, which are dropped. */
    private void readable(EndPoint endPoint) {
        ByteBuffer buffer = BufferUtil.allocate(512);
        try {
            while (true) {
                BufferUtil.clear(buffer);
                int n = endPoint.fill(buffer);
                if (n < 0) {
                    close("client gone");
                    return;
                }
                if (n == 0) {
                    arm(endPoint);
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            close("client gone");
        }
    }

    private void awaitGreeting() throws IOException {
        try {
            if (!greeted.await(10, TimeUnit.SECONDS)) {
                throw new IOException("stream was never started");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public void event(StreamEvent event) throws IOException {
        awaitGreeting();
        if (event.kind().carriesNotification()) {
            // Its id is the notification's sequence; its JSON shares the send's common encoding.
            write(notificationFrame(event));
        } else {
            // Every entry of the recipient's log carries its sequence as id, so a reconnect resumes after it.
            frame(event.seq() > 0 ? Long.toString(event.seq()) : null, event.kind().wireName(), event.fields());
        }
    }

    /**
     * A notification's frame, its JSON built by {@link NotificationJson} (the fields it shares with
     * the rest of its send encoded once per send). The bytes equal those of {@link #encode} on
     * {@link Json#notificationView}.
     */
    static byte[] notificationFrame(StreamEvent event) {
        String json = NotificationJson.of(event);
        String seq = Long.toString(event.seq());
        return new StringBuilder(48 + json.length()).append("id: ").append(seq).append("\nevent: ")
                .append(event.kind().wireName()).append("\ndata: ").append(json).append("\n\n").toString()
                .getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void heartbeat(Instant now) throws IOException {
        heartbeat(new StreamHeartbeat(now));
    }

    /** Writes the tick's heartbeat frame, encoded once per tick for every SSE connection. */
    @Override
    public void heartbeat(StreamHeartbeat beat) throws IOException {
        awaitGreeting();
        write(beat.encoded(HEARTBEAT_FRAME));
    }

    /** {@code event: heartbeat} with {@code {"type":"heartbeat","timestamp":...}} as UTF-8. */
    static final Function<Instant, byte[]> HEARTBEAT_FRAME = now -> {
        var data = new LinkedHashMap<String, Object>();
        data.put("type", "heartbeat");
        data.put("timestamp", now);
        return encode(null, "heartbeat", data).getBytes(StandardCharsets.UTF_8);
    };

    /** Writes one frame and flushes it to the client. */
    void frame(String id, String event, Object data) throws IOException {
        write(encode(id, event, data));
    }

    static String encode(String id, String event, Object data) {
        StringBuilder sb = new StringBuilder(256);
        if (id != null) {
            sb.append("id: ").append(id).append('\n');
        }
        sb.append("event: ").append(event).append('\n');
        sb.append("data: ").append(Json.write(data)).append("\n\n");
        return sb.toString();
    }

    /** Writes raw event-stream text, e.g. a {@code retry:} field. */
    void write(String text) throws IOException {
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes and flushes encoded event-stream bytes; {@code bytes} is not modified. */
    private void write(byte[] bytes) throws IOException {
        if (done.isDone()) {
            throw new IOException("stream closed");
        }
        synchronized (this) {
            writing = true;
            try {
                if (out instanceof HttpOutput direct) {
                    // Straight to the connection, without the response's aggregation buffer:
                    // written through that buffer, every open stream would hold a pooled buffer
                    // of the response's size (32 KiB by default, direct memory) for as long as it
                    // stays open. Blocks until written, like write + flush.
                    direct.write(ByteBuffer.wrap(bytes));
                } else {
                    out.write(bytes);
                    out.flush();
                }
            } catch (IllegalStateException e) {
                // The async response already completed under us.
                throw new IOException("stream closed", e);
            } finally {
                writing = false;
            }
        }
    }

    @Override
    public void close(String reason) {
        boolean greetedAlready = greeted.getCount() == 0;
        greeted.countDown();
        if (!writing && greetedAlready && reason != null && reason.startsWith("server shutting down")) {
            // The last frame: a retry hint, so the client reconnects (to another node) after it.
            var data = new LinkedHashMap<String, Object>();
            data.put("type", "shutdown");
            data.put("message", "the server is shutting down; reconnect in " + shutdownRetry.toMillis() + " ms");
            data.put("retry_ms", shutdownRetry.toMillis());
            try {
                write("retry: " + shutdownRetry.toMillis() + "\n" + encode(null, "shutdown", data));
            } catch (IOException | RuntimeException e) {
                log.debug("could not write the shutdown event", e);
            }
        }
        if (writing) {
            // A writer is blocked on a client that stopped reading: end the TCP connection so the
            // write fails now instead of after the idle timeout.
            abortConnection();
        }
        done.complete(null);
    }

    private void abortConnection() {
        try {
            ServletContextRequest request = ServletContextRequest.getServletContextRequest(ctx.req());
            if (request != null) {
                request.getConnectionMetaData().getConnection().getEndPoint().close();
            }
        } catch (RuntimeException e) {
            log.debug("could not abort SSE connection", e);
        }
    }

    @Override
    public String transport() {
        return "sse";
    }
}
