package dev.notify;

import java.util.function.Consumer;

/**
 * Carries committed inbox changes to every node's stream hub. The default
 * ({@link #local()}) calls listeners in-process; a multi-node deployment uses one that crosses
 * processes (PostgreSQL {@code LISTEN/NOTIFY}).
 *
 * <p>{@link #publish} is called after the change has committed and must not block on slow
 * listeners.
 */
public interface EventBus extends AutoCloseable {

    /** Publishes one change to every subscriber (on every node). */
    void publish(StreamEvent event);

    /** Adds a listener; it must return quickly (the stream hub only enqueues). */
    void subscribe(Consumer<StreamEvent> listener);

    @Override
    default void close() {
    }

    /** An in-process bus: publish calls each listener on the publishing thread. */
    static EventBus local() {
        return new dev.notify.internal.LocalEventBus();
    }
}
