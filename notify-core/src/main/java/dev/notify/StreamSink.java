package dev.notify;

import java.io.IOException;
import java.time.Instant;

/**
 * One open real-time connection (an SSE response, a WebSocket session), implemented by the web
 * module. The stream hub calls {@link #event} and {@link #heartbeat} from one thread at a time per
 * sink, in order; they may block on a slow socket, which delays only this sink. An
 * {@link IOException} means the client is gone: the hub then closes the connection.
 */
public interface StreamSink {

    /**
     * Writes one inbox change. For {@link StreamEvent.Kind#NOTIFICATION} the transport must send
     * {@code event.seq()} as the resume cursor (the SSE {@code id:} field).
     *
     * @throws IOException if the client has gone away
     */
    void event(StreamEvent event) throws IOException;

    /**
     * Writes a keep-alive; called every heartbeat interval while the connection is open.
     *
     * @param now the hub's clock reading
     * @throws IOException if the client has gone away
     */
    void heartbeat(Instant now) throws IOException;

    /**
     * Ends the connection. Called once, from any thread, possibly while another thread is blocked
     * in {@link #event}; an implementation should make that write fail promptly.
     *
     * @param reason why, e.g. {@code "slow consumer"}, for logs and a final message if the
     *               transport has one
     */
    void close(String reason);
}
