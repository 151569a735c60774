package dev.notify;

import java.time.Instant;

/**
 * A handle on one open real-time connection registered with {@link Notify#openStream}.
 */
public interface StreamConnection extends AutoCloseable {

    /** A process-unique id for this connection. */
    String id();

    /** The recipient whose events this connection receives. */
    String recipient();

    /** When the connection was opened. */
    Instant openedAt();

    /** The sequence number of the last notification written to this connection, 0 if none. */
    long lastDeliveredSeq();

    /**
     * The sequence number the connection started after (see {@link StreamSink#started}): a client
     * that resumes from it misses nothing that was committed after the connection opened.
     */
    long startedAfterSeq();

    /** Whether the connection is still open. */
    boolean isOpen();

    /** Closes the connection and its sink; harmless when already closed. */
    @Override
    void close();
}
