package dev.notify.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * One warning per condition, not one per occurrence: the first occurrence is logged at once; later
 * ones are counted and reported in one line at most every {@code interval}, so a flood of refused
 * connections cannot flood the log. No stack traces.
 */
public final class ConditionLog {
    private final Logger log;
    private final long intervalNanos;
    private final AtomicLong nextLogNanos;
    private final AtomicLong suppressed = new AtomicLong();

    public ConditionLog(Logger log, long interval, TimeUnit unit) {
        this.log = log;
        this.intervalNanos = unit.toNanos(interval);
        this.nextLogNanos = new AtomicLong(System.nanoTime());
    }

    /** Records one occurrence; logs {@code message} (with how many went unlogged) if the interval has passed. */
    public void warn(String message) {
        long now = System.nanoTime();
        long next = nextLogNanos.get();
        if (now - next >= 0 && nextLogNanos.compareAndSet(next, now + intervalNanos)) {
            long more = suppressed.getAndSet(0);
            log.warn(more == 0 ? message : message + " (" + more + " more like this since the last such line)");
        } else {
            suppressed.incrementAndGet();
        }
    }
}
