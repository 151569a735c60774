package dev.notify.internal;

import dev.notify.EventBus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings snoozed notifications back when their snooze comes due, as the outbox makes delayed rows
 * due: the due time is a column with an index, every node polls it at the poll interval and wakes
 * at once for a snooze stored locally or due sooner. Each due snooze is ended by one conditional
 * update under the recipient's counter lock ({@link JdbiNotificationStore#wake}), so however many
 * nodes see it due, and whether or not a node restarted meanwhile, it comes back exactly once.
 */
public final class SnoozeWaker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SnoozeWaker.class);
    /** Due snoozes ended per query. */
    static final int BATCH = 100;

    private final JdbiNotificationStore store;
    private final EventBus bus;
    private final Clock clock;
    private final Duration pollInterval;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wakeUp = lock.newCondition();
    private final Thread thread;
    private volatile boolean running = true;
    private boolean signalled;

    public SnoozeWaker(JdbiNotificationStore store, EventBus bus, Clock clock, Duration pollInterval) {
        this.store = store;
        this.bus = bus;
        this.clock = clock;
        this.pollInterval = pollInterval;
        this.thread = new Thread(this::run, "notify-snooze-waker");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Looks again at once: a snooze was stored. */
    public void wake() {
        lock.lock();
        try {
            signalled = true;
            wakeUp.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Ends every snooze due now. @return how many came back */
    public int wakeDue() {
        int woken = 0;
        while (running) {
            Instant now = clock.instant();
            List<JdbiNotificationStore.DueSnooze> due = store.dueSnoozes(now, BATCH);
            for (JdbiNotificationStore.DueSnooze d : due) {
                JdbiNotificationStore.Changed changed = store.wake(d, now);
                if (changed.event() != null) {
                    bus.publish(changed.event());
                    woken++;
                }
            }
            if (due.size() < BATCH) {
                break;
            }
        }
        return woken;
    }

    private void run() {
        while (running) {
            long waitMillis = pollInterval.toMillis();
            try {
                wakeDue();
                Instant next = store.nextSnoozeDue().orElse(null);
                if (next != null) {
                    waitMillis = Math.max(10, Math.min(waitMillis, Duration.between(clock.instant(), next).toMillis()));
                }
            } catch (RuntimeException e) {
                log.warn("waking snoozed notifications failed; trying again in {}", pollInterval, e);
            }
            lock.lock();
            try {
                if (!signalled && running && waitMillis > 0) {
                    wakeUp.await(waitMillis, TimeUnit.MILLISECONDS);
                }
                signalled = false;
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
