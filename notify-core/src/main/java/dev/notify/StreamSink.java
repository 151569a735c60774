package dev.notify;

import java.io.IOException;
import java.time.Instant;

/**
 * One open real-time connection (an SSE response, a WebSocket session), implemented by the web
 * module. The stream hub calls {@link #event} and the {@code heartbeat} methods from one thread at a
 * time per sink, in order; they may block on a slow socket, which delays only this sink. An
 * {@link IOException} means the client is gone: the hub then closes the connection.
 */
public interface StreamSink {
    /**
     * How every {@link #close} reason for a connection that could not keep up begins: its queue
     * overflowed, so its writer may be blocked on a client that stopped reading.
     */
    String SLOW_CONSUMER = "slow consumer";
    /**
     * How the {@link #close} reason begins for a connection closed because it reached the hub's
     * maximum stream duration ({@link Notify.Builder#maxStreamDuration}); its client should reconnect
     * with its last event id.
     */
    String MAX_DURATION = "maximum stream duration reached";

    /**
     * Called once, before any other method, with the sequence number this connection starts after:
     * the client's resume cursor (capped at what exists), or for a live-only connection the
     * recipient's last committed sequence (0 if none). Every notification the connection writes has
     * a higher sequence. A transport sends it as the resume cursor of its first frame (the SSE
     * {@code id:} of {@code connection_established}), so that a client that drops before its first
     * notification still resumes without a gap. The default does nothing.
     *
     * @param afterSeq a sequence number, {@code >= 0}
     */
    default void started(long afterSeq) {
    }

    /**
     * Writes one inbox change. For {@link StreamEvent.Kind#NOTIFICATION} the transport must send
     * {@code event.seq()} as the resume cursor (the SSE {@code id:} field).
     *
     * @throws IOException if the client has gone away
     */
    void event(StreamEvent event) throws IOException;

    /**
     * Writes a keep-alive. The hub calls {@link #heartbeat(StreamHeartbeat)}, whose default calls this.
     *
     * @param now the hub's clock reading
     * @throws IOException if the client has gone away
     */
    void heartbeat(Instant now) throws IOException;

    /**
     * Writes a keep-alive for one tick of the hub, which calls this (not {@link #heartbeat(Instant)})
     * on a connection that has written nothing for a whole heartbeat interval. The same
     * {@code beat} goes to every connection due in that tick, so a transport can encode its frame
     * once through {@link StreamHeartbeat#encoded} and write the same bytes everywhere. The default
     * calls {@link #heartbeat(Instant)} with {@link StreamHeartbeat#at()}.
     *
     * @param beat this tick's heartbeat
     * @throws IOException if the client has gone away
     */
    default void heartbeat(StreamHeartbeat beat) throws IOException {
        heartbeat(beat.at());
    }

    /**
     * Ends the connection. Called once, from any thread, possibly while another thread is blocked
     * in {@link #event}; an implementation should make that write fail promptly.
     *
     * @param reason why, e.g. one starting with {@link #SLOW_CONSUMER}, for logs and a final message if the
     *               transport has one
     */
    void close(String reason);

    /**
     * The transport's name for metrics and logs, e.g. {@code sse} or {@code websocket}. Default
     * {@code other}.
     */
    default String transport() {
        return "other";
    }
}
