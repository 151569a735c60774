package dev.notify;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link StreamSink} that records what the hub writes, thread-safely. It can be told to block
 * (a client that stops reading) or to fail (a client that went away).
 */
final class RecordingSink implements StreamSink {
    final List<StreamEvent> events = new CopyOnWriteArrayList<>();
    final List<Instant> heartbeats = new CopyOnWriteArrayList<>();
    final List<String> closeReasons = new CopyOnWriteArrayList<>();
    /** What {@link #started} was called with, in order; and how many events preceded each call. */
    final List<long[]> starts = new CopyOnWriteArrayList<>();
    /** Threads that ever called into this sink at the same time as another; must stay 0. */
    final AtomicInteger overlappingCalls = new AtomicInteger();

    private final AtomicInteger inCall = new AtomicInteger();
    private final CountDownLatch unblock = new CountDownLatch(1);
    private volatile boolean blocking;
    private volatile boolean failEvents;
    private volatile boolean failHeartbeats;
    private volatile boolean blocked;

    /** From now on every write blocks until {@link #release()}, even after close, like a stuck socket. */
    RecordingSink blockWrites() {
        blocking = true;
        return this;
    }

    /** Every event write throws {@link IOException}. */
    RecordingSink failEvents() {
        failEvents = true;
        return this;
    }

    /** Every heartbeat write throws {@link IOException}. */
    RecordingSink failHeartbeats() {
        failHeartbeats = true;
        return this;
    }

    /** Unblocks writes blocked by {@link #blockWrites()}; later writes fail as on a closed socket. */
    void release() {
        unblock.countDown();
    }

    /** True once a writer thread is stuck in this sink. */
    boolean isBlocked() {
        return blocked;
    }

    @Override
    public void event(StreamEvent event) throws IOException {
        enter();
        try {
            awaitIfBlocking();
            if (failEvents) {
                throw new IOException("broken pipe");
            }
            events.add(event);
        } finally {
            inCall.decrementAndGet();
        }
    }

    @Override
    public void heartbeat(Instant now) throws IOException {
        enter();
        try {
            awaitIfBlocking();
            if (failHeartbeats) {
                throw new IOException("broken pipe");
            }
            heartbeats.add(now);
        } finally {
            inCall.decrementAndGet();
        }
    }

    @Override
    public void started(long afterSeq) {
        starts.add(new long[] {afterSeq, events.size() + heartbeats.size()});
    }

    @Override
    public void close(String reason) {
        closeReasons.add(reason);
    }

    private void enter() {
        if (inCall.incrementAndGet() > 1) {
            overlappingCalls.incrementAndGet();
        }
    }

    private void awaitIfBlocking() throws IOException {
        if (!blocking) {
            return;
        }
        blocked = true;
        try {
            unblock.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IOException("socket closed");
    }

    /** Sequence numbers of the notification events received, in order. */
    List<Long> seqs() {
        return events.stream().filter(e -> e.kind() == StreamEvent.Kind.NOTIFICATION).map(StreamEvent::seq).toList();
    }

    List<StreamEvent.Kind> kinds() {
        return events.stream().map(StreamEvent::kind).toList();
    }
}
