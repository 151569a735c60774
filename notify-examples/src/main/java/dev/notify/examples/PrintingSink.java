package dev.notify.examples;

import dev.notify.Notification;
import dev.notify.StreamEvent;
import dev.notify.StreamSink;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A {@link StreamSink} that prints each inbox change as one line starting with {@code stream:},
 * where a web application would write an SSE frame or a WebSocket message. Heartbeats are not
 * printed.
 */
public final class PrintingSink implements StreamSink {
    private final PrintStream out;
    private int events;

    /** @param out where the lines go; println is synchronised, so lines never interleave */
    public PrintingSink(PrintStream out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    @Override
    public void event(StreamEvent event) {
        out.println("stream: " + describe(event));
        synchronized (this) {
            events++;
            notifyAll();
        }
    }

    @Override
    public void heartbeat(Instant now) {
        // A terminal needs no keep-alive.
    }

    @Override
    public void close(String reason) {
        out.println("stream: closed (" + reason + ")");
    }

    /** How many events this sink has printed so far. */
    public synchronized int events() {
        return events;
    }

    /**
     * Waits until this sink has printed at least {@code count} events. Delivery to streams is
     * asynchronous, and closing {@link dev.notify.Notify} drops what is still queued, so a short
     * program waits here before it closes.
     *
     * @param count   how many events, in total since this sink was created
     * @param timeout how long to wait at most
     * @return true if the events arrived in time, false if the wait timed out
     * @throws IllegalStateException if the waiting thread is interrupted (the flag stays set)
     */
    public synchronized boolean awaitEvents(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (events < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for stream events", e);
        }
    }

    /** One line per kind of change, e.g. {@code notification #1 task_assigned "..." (high) {task_id=456}}. */
    static String describe(StreamEvent event) {
        return switch (event.kind()) {
            case NOTIFICATION, UPDATED -> {
                Notification n = event.notification();
                yield event.kind().wireName() + " #" + n.seq() + " " + n.type() + " \"" + n.title() + "\" ("
                        + n.priority().wireName() + ") " + n.data();
            }
            case READ -> "notification_read id=" + event.notificationId();
            case ALL_READ -> "all_read count=" + event.count() + " up_to_seq=" + event.fields().get("up_to_seq");
            case DELETED -> "notification_deleted id=" + event.notificationId();
            default -> event.kind().wireName() + " " + event.fields();
        };
    }
}
