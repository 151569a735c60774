package dev.notify.outbox;

import java.util.List;

/**
 * One out-of-band channel (email, Web Push). Notify asks it, when a notification is sent, where
 * the notification should go ({@link #destinations}); each destination becomes one outbox row in
 * the notification's transaction. Outbox workers later hand due rows to {@link #deliver} in
 * batches.
 *
 * <p>Delivery is at least once: a worker that crashes after a channel delivered a row but before
 * the outcome was recorded leaves the row to be delivered again (at once when the same node
 * restarts, else when the lease expires). Each outcome is recorded as soon as the channel
 * reports it to {@link #deliver(List, OutcomeSink)}, so a crash re-sends at most the deliveries
 * that were in flight: one per SMTP connection, one per push request. Channels should make a
 * re-delivery recognisable (email: a stable {@code Message-ID} from {@link Delivery#outboxId()};
 * Web Push: a stable {@code Topic}, RFC 8030 section 5.4).
 */
public interface DeliveryChannel extends AutoCloseable {

    /** The channel's stable name, stored in outbox rows and preferences: e.g. {@code email}, {@code push}. */
    String name();

    /**
     * Whether deliveries on this channel may be folded into a digest, when the recipient asked for
     * a template category as a daily or weekly digest ({@link dev.notify.Preferences#digest}).
     * Default false: the channel gets each notification on its own. Email says true. A recipient's
     * digest of a category and period goes out on one channel, so at most one configured channel
     * may say true ({@link dev.notify.Notify.Builder#build()} refuses a second).
     */
    default boolean takesDigests() {
        return false;
    }

    /**
     * Whether deliveries on this channel wait for a template's {@code escalate_after} delay and
     * are dropped if the notification was read meanwhile. Default false: the channel gets the
     * notification at once. Email says true.
     */
    default boolean takesEscalation() {
        return false;
    }

    /**
     * Called once when {@link dev.notify.Notify} starts, before any other method.
     *
     * @param context the database and clock the channel may use for its own state
     */
    default void start(ChannelContext context) {
    }

    /**
     * Where a notification goes on this channel. Called before the send transaction opens, so it
     * may read its own tables or call out (a directory lookup); it must not deliver.
     *
     * @return destinations (an email address, a subscription id); empty when the recipient has
     *         none on this channel
     */
    List<String> destinations(DeliveryTarget target);

    /**
     * Delivers a batch, typically over one connection. Runs on an outbox worker thread and may
     * block: the worker renews the batch's leases ({@link OutboxSettings#lease()}) meanwhile.
     *
     * @param batch deliveries due on this channel, at most {@link OutboxSettings#batchSize()}
     * @return exactly one outcome per delivery, in the same order
     */
    List<DeliveryOutcome> deliver(List<Delivery> batch);

    /**
     * Receives outcomes one by one, as a channel learns them; may be called from any thread, once
     * per delivery.
     */
    @FunctionalInterface
    interface OutcomeSink {
        /**
         * @param delivery one of the batch's deliveries
         * @param outcome  what happened to it
         */
        void report(Delivery delivery, DeliveryOutcome outcome);
    }

    /**
     * The outcomes of {@code batch}, in its order, as {@code deliver} reports them to the sink it is
     * given: what a channel that overrides {@link #deliver(List, OutcomeSink)} returns from
     * {@link #deliver(List)}, e.g. {@code return DeliveryChannel.collectOutcomes(batch, sink -> deliver(batch, sink));}.
     *
     * @param batch   the deliveries, each reported once
     * @param deliver delivers the batch, reporting to the sink it is passed; returns when all are reported
     * @return one outcome per delivery, in the batch's order
     * @throws IllegalStateException if a delivery was not reported
     */
    static List<DeliveryOutcome> collectOutcomes(List<Delivery> batch, java.util.function.Consumer<OutcomeSink> deliver) {
        DeliveryOutcome[] outcomes = new DeliveryOutcome[batch.size()];
        java.util.Map<Delivery, Integer> index = new java.util.IdentityHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            index.put(batch.get(i), i);
        }
        deliver.accept((d, outcome) -> outcomes[index.get(d)] = outcome);
        for (int i = 0; i < outcomes.length; i++) {
            if (outcomes[i] == null) {
                throw new IllegalStateException("delivery " + i + " of " + outcomes.length + " was not reported");
            }
        }
        return List.of(outcomes);
    }

    /**
     * Delivers a batch and reports each outcome to {@code sink} as soon as it is known, so the
     * outbox records it at once instead of after the whole batch. Returns when every delivery has
     * been reported; a delivery left unreported is retried. The default calls {@link #deliver(List)}
     * and reports its outcomes when it returns; channels override it to report earlier.
     *
     * @param batch deliveries due on this channel
     * @param sink  where outcomes go, as they happen
     */
    default void deliver(List<Delivery> batch, OutcomeSink sink) {
        List<DeliveryOutcome> outcomes = deliver(batch);
        if (outcomes == null || outcomes.size() != batch.size()) {
            throw new IllegalStateException("channel " + name() + " returned "
                    + (outcomes == null ? "null" : outcomes.size() + " outcomes") + " for " + batch.size()
                    + " deliveries");
        }
        for (int i = 0; i < batch.size(); i++) {
            sink.report(batch.get(i), outcomes.get(i));
        }
    }

    /**
     * The server each delivery goes through, as far as outages go: deliveries with the same route
     * share one circuit breaker (e.g. one SMTP server, one push service origin). Called on an
     * outbox worker before {@link #deliver(List, OutcomeSink)}; the default is the channel name
     * for every delivery (one breaker for the channel).
     *
     * @param batch deliveries about to be made
     * @return one route per delivery, in order; an empty string for a delivery that goes through
     *         no server (it bypasses the breakers)
     */
    default List<String> routes(List<Delivery> batch) {
        return java.util.Collections.nCopies(batch.size(), name());
    }

    /**
     * Periodic clean-up of the channel's own state (e.g. expiring push subscriptions that never
     * worked); called from {@link dev.notify.Notify#housekeep()}.
     *
     * @param now the clock's reading
     */
    default void housekeep(java.time.Instant now) {
    }

    /** Releases connections; called when notify closes. */
    @Override
    default void close() {
    }
}
