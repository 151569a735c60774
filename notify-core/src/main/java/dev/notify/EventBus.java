package dev.notify;

import java.util.function.Consumer;

/**
 * Carries committed inbox changes to every node's stream hub. {@link #local()} calls listeners
 * in-process; {@link #postgres()} also crosses processes with PostgreSQL {@code LISTEN/NOTIFY}, so
 * several nodes sharing one database act as one.
 *
 * <p>{@link #publish} is called after the change has committed and must not block on slow
 * listeners. A bus may deliver a {@link StreamEvent.Kind#NOTIFICATION} event without its
 * {@link StreamEvent#notification()} (it came from another node): the stream hub then reads it
 * from the store. A bus that may lose events (its connection dropped) says so through
 * {@link #onEventsMissed}, and the hub catches every open stream up from the store.
 */
public interface EventBus extends AutoCloseable {

    /** Publishes one change to every subscriber (on every node). */
    void publish(StreamEvent event);

    /** Adds a listener; it must return quickly (the stream hub only enqueues). */
    void subscribe(Consumer<StreamEvent> listener);

    /**
     * Adds a listener called when events may have been lost, e.g. after the bus reconnected; the
     * stream hub then catches every open connection up from the store. Called on the bus's own
     * thread, after the bus hears new events again. The default does nothing: a bus that never
     * loses events never calls it.
     */
    default void onEventsMissed(Runnable listener) {
    }

    @Override
    default void close() {
    }

    /** An in-process bus: publish calls each listener on the publishing thread. */
    static EventBus local() {
        return new dev.notify.internal.LocalEventBus();
    }

    /**
     * A bus over PostgreSQL {@code LISTEN/NOTIFY} on notify's own database: every node using the
     * same database and schema hears every other node's changes. {@link Notify.Builder#build()}
     * starts it on the configured data source, with one extra, dedicated listening connection.
     * It is the default when the database is PostgreSQL; use it once, for one {@link Notify}.
     *
     * <p>Payloads are tiny (recipient, sequence, ids, never content), well under PostgreSQL's
     * 8000-byte limit, and many are sent per NOTIFY transaction. The listening connection must
     * reach PostgreSQL directly or through a session-pooling proxy: {@code LISTEN} does not work
     * through transaction pooling (PgBouncer's {@code pool_mode=transaction}).
     */
    static EventBus postgres() {
        return new dev.notify.internal.PostgresEventBus();
    }
}
