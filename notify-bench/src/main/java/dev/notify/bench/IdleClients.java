package dev.notify.bench;

/** The client side of the idle benchmark: many streams of one kind, with counters. */
interface IdleClients extends AutoCloseable {
    /** Opens one stream for {@code pathAndQuery}; returns its index. */
    int open(String pathAndQuery);

    /** Waits while more than {@code max} streams are connecting, up to 30 s. */
    void throttle(int max) throws InterruptedException;

    int established();

    int errors();

    int closed();

    /** Heartbeats received: SSE {@code heartbeat} events, WebSocket pings. */
    int heartbeats();

    @Override
    void close();
}
