package dev.notify.internal.pipeline;

import dev.notify.internal.JdbiNotificationStore;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;

/**
 * Group commit: writes that arrive together share one database transaction, so that a burst of
 * small sends pays for one commit (one log write on H2, one round trip and WAL flush on PostgreSQL)
 * instead of one each.
 *
 * <p>Leader and followers, as databases do it for their own log: a caller that finds a lane free
 * (at most {@link #lanes} groups gather or commit at once) leads a group. It waits for companions only while other callers are on their way (they
 * {@linkplain #announce() announced} themselves before planning) and at most {@link #maxWaitNanos},
 * takes up to {@link #maxGroup} queued writes (and at most {@value JdbiNotificationStore#BATCH_MAX}
 * recipients), runs them in one transaction, and hands its lane to the next queued caller. While one
 * group commits, the next gathers. Each group writes its members in the order of their first
 * recipient, as topic chunks do, so that groups of single-recipient sends take counter locks in
 * one order and cannot deadlock each other. A lone
 * caller therefore never waits. Every caller returns only after its write committed, with its own
 * result.
 *
 * <p>Errors stay with their request: if the shared transaction fails (a constraint one request
 * violates, a lock conflict), it is rolled back and its halves are committed separately, down to
 * single writes; a write that fails on its own goes back to its caller, who runs it again in a
 * transaction of its own and gets its own error.
 */
final class GroupCommit {
    /** What one caller writes: its work inside the shared transaction, and its recipients. */
    private static final class Pending {
        static final int WAITING = 0;
        static final int DONE = 1;
        static final int ALONE = 2;
        static final int LEAD = 3;

        final Function<Handle, JdbiNotificationStore.Inserted> write;
        final String firstRecipient;
        final int recipients;
        final Thread caller = Thread.currentThread();
        JdbiNotificationStore.Inserted result;
        volatile int state = WAITING;

        Pending(Function<Handle, JdbiNotificationStore.Inserted> write, String firstRecipient, int recipients) {
            this.write = write;
            this.firstRecipient = firstRecipient;
            this.recipients = recipients;
        }
    }

    private final JdbiNotificationStore store;
    private final int maxGroup;
    private final long maxWaitNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final AtomicInteger arriving = new AtomicInteger();
    private final java.util.concurrent.atomic.LongAdder shared = new java.util.concurrent.atomic.LongAdder();
    /** Groups gathering or committing now, at most {@link #lanes}. */
    private int leaders;
    private final int lanes;

    GroupCommit(JdbiNotificationStore store, int lanes, int maxGroup, long maxWaitNanos) {
        this.store = store;
        this.lanes = lanes;
        this.maxGroup = maxGroup;
        this.maxWaitNanos = maxWaitNanos;
    }

    /** Says a write is on its way (being planned); a leader waits up to its bound for it. */
    void announce() {
        arriving.incrementAndGet();
    }

    /** Transactions committed so far that held more than one write. */
    long sharedCommits() {
        return shared.sum();
    }

    /** Writes waiting in the queue for a leader to take them into a group (for tests). */
    int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Takes back an {@link #announce()} for a write that will not come. */
    void withdraw() {
        arriving.decrementAndGet();
    }

    /**
     * Writes in a shared transaction and returns once it committed. The caller has
     * {@linkplain #announce() announced} itself; this call withdraws the announcement.
     *
     * @param recipients the write's recipients, sorted
     * @return the write's result; null if the shared transaction failed, and the caller must write alone
     */
    JdbiNotificationStore.Inserted write(List<String> recipients,
                                         Function<Handle, JdbiNotificationStore.Inserted> write) {
        Pending mine = new Pending(write, recipients.get(0), recipients.size());
        boolean lead;
        lock.lock();
        try {
            lead = leaders < lanes;
            if (lead) {
                leaders++;
            } else {
                queue.add(mine);
            }
            arriving.decrementAndGet();
            arrived.signalAll(); // the leaders gathering a group, at most one per lane
        } finally {
            lock.unlock();
        }
        if (!lead) {
            boolean interrupted = false;
            while (mine.state == Pending.WAITING) {
                LockSupport.park(this);
                interrupted |= Thread.interrupted(); // the write is under way: its outcome is still awaited
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            lead = mine.state == Pending.LEAD;
        }
        if (lead) {
            lead(mine);
        }
        return mine.state == Pending.DONE ? mine.result : null;
    }

    /** Gathers a group behind {@code mine}, commits it, wakes its members and passes the lane on. */
    private void lead(Pending mine) {
        List<Pending> group = new ArrayList<>();
        group.add(mine);
        try {
            lock.lock();
            try {
                // Wait for callers on their way only when no other group is committing: while one is,
                // callers queue up for the next group anyway, and waiting would only add latency.
                long left = maxWaitNanos;
                boolean interrupted = false;
                while (leaders == 1 && queue.size() + 1 < maxGroup && arriving.get() > 0 && left > 0 && !interrupted) {
                    try {
                        left = arrived.awaitNanos(left);
                    } catch (InterruptedException e) {
                        interrupted = true; // commit what is queued now; the flag is restored for the caller
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                int recipients = mine.recipients;
                while (!queue.isEmpty() && group.size() < maxGroup
                        && recipients + queue.peek().recipients <= JdbiNotificationStore.BATCH_MAX) {
                    Pending p = queue.poll();
                    recipients += p.recipients;
                    group.add(p);
                }
            } finally {
                lock.unlock();
            }
            commit(group);
        } finally {
            handOver();
        }
    }

    private void commit(List<Pending> group) {
        // In recipient order, so that single-recipient sends lock counters in the order topic chunks do.
        group.sort(Comparator.comparing(p -> p.firstRecipient));
        commitOrSplit(group);
        Thread me = Thread.currentThread();
        for (Pending p : group) {
            if (p.caller != me) {
                LockSupport.unpark(p.caller);
            }
        }
    }

    /**
     * Commits the writes in one transaction; if it fails, each half again in a transaction of its
     * own, down to single writes, whose callers then write alone. So k failing requests in a group
     * of n cost about k·log2(n) extra transactions, and the others still share theirs.
     */
    private void commitOrSplit(List<Pending> group) {
        try {
            store.transaction(h -> {
                for (Pending p : group) {
                    p.result = p.write.apply(h);
                }
                return null;
            });
            if (group.size() > 1) {
                shared.increment();
            }
            group.forEach(p -> p.state = Pending.DONE);
        } catch (RuntimeException e) {
            group.forEach(p -> p.result = null);
            if (group.size() == 1) {
                group.get(0).state = Pending.ALONE;
                return;
            }
            int half = group.size() / 2;
            commitOrSplit(group.subList(0, half));
            commitOrSplit(group.subList(half, group.size()));
        }
    }

    /** Passes this lane to the first queued caller, who leads the next group; or closes it. */
    private void handOver() {
        Pending next;
        lock.lock();
        try {
            next = queue.poll();
            if (next != null) {
                next.state = Pending.LEAD;
            } else {
                leaders--;
            }
        } finally {
            lock.unlock();
        }
        if (next != null) {
            LockSupport.unpark(next.caller);
        }
    }
}
