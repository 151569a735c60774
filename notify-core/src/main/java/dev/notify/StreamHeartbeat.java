package dev.notify;

import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One heartbeat tick of the stream hub, shared by every connection it is written to in that
 * tick. A transport encodes its keep-alive frame once per tick through {@link #encoded} and
 * writes the same bytes to each of its connections, instead of encoding once per connection.
 */
public final class StreamHeartbeat {
    private final Instant at;
    private final ConcurrentHashMap<Function<Instant, ?>, Object> encodings = new ConcurrentHashMap<>(4);

    /** @param at the hub's clock reading for this tick */
    public StreamHeartbeat(Instant at) {
        this.at = Objects.requireNonNull(at, "at");
    }

    /** The hub's clock reading for this tick. */
    public Instant at() {
        return at;
    }

    /**
     * This tick's encoding by {@code encoder}: computed on the first call for that encoder (the
     * same instance, typically a constant of the transport) and returned as is on later calls from
     * any thread. Callers must not modify what it returns.
     *
     * @param encoder turns the tick's instant into a frame; must not return null
     * @throws NullPointerException if {@code encoder} is null or returns null
     */
    @SuppressWarnings("unchecked")
    public <T> T encoded(Function<Instant, T> encoder) {
        Object value = encodings.get(Objects.requireNonNull(encoder, "encoder"));
        if (value == null) {
            value = encodings.computeIfAbsent(encoder, e -> Objects.requireNonNull(encoder.apply(at),
                    "heartbeat encoder returned null"));
        }
        return (T) value;
    }
}
