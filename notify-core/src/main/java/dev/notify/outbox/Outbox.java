package dev.notify.outbox;

import java.util.List;
import java.util.Map;

/** Looking at and acting on the outbox: obtain it with {@link dev.notify.Notify#outbox()}. */
public interface Outbox {

    /**
     * Rows newest first.
     *
     * @param status   only rows in this status, or null for all
     * @param channel  only rows of this channel, or null for all
     * @param beforeId keyset cursor: only rows with a smaller id, or 0 for the first page
     * @param limit    1 to 100
     */
    List<OutboxEntry> list(OutboxStatus status, String channel, long beforeId, int limit);

    /** Row counts per channel, then per status. */
    Map<String, Map<OutboxStatus, Long>> counts();

    /**
     * Makes a waiting row due now, whatever it waits for (its backoff, an unavailable destination):
     * a dead row becomes pending with a fresh set of attempts; a pending or retrying row keeps its
     * attempts. A row being delivered at this moment is left to its worker.
     *
     * @return the row as now stored
     * @throws dev.notify.NotFoundException if there is no such row
     * @throws dev.notify.NotifyException   with code {@code not_waiting} if the row is delivered or closed
     */
    OutboxEntry retry(long id);

    /**
     * As {@link #retry(long)} for every pending, retrying and dead row of one channel, e.g. after
     * an outage was fixed.
     *
     * @param channel the channel name ({@code email}, {@code push})
     * @return how many rows were made due now
     * @throws dev.notify.InvalidRequestException if {@code channel} is blank
     */
    int retryAll(String channel);

    /**
     * Claims and delivers every row due now, on the calling thread, until none is left.
     *
     * @return how many rows were handed to channels
     */
    int deliverDue();

    /** Wakes the workers now, e.g. after a send from another process. */
    void wake();
}
