package dev.notify;

import dev.notify.outbox.Delivery;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.outbox.DeliveryOutcome;
import dev.notify.outbox.DeliveryTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

/**
 * A channel that records every delivery it is handed and answers with a scripted outcome. Each
 * recipient gets one destination, {@code "box:<recipient>"}.
 */
final class RecordingChannel implements DeliveryChannel {
    final ConcurrentLinkedQueue<Delivery> delivered = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Integer> batchSizes = new ConcurrentLinkedQueue<>();
    volatile Function<Delivery, DeliveryOutcome> answer = d -> DeliveryOutcome.delivered();
    private final String name;
    private final boolean likeEmail;

    RecordingChannel(String name) {
        this(name, false);
    }

    private RecordingChannel(String name, boolean likeEmail) {
        this.name = name;
        this.likeEmail = likeEmail;
    }

    /** A channel named {@code email} that, like the SMTP channel, takes digests and escalation. */
    static RecordingChannel likeEmail() {
        return new RecordingChannel("email", true);
    }

    @Override
    public boolean takesDigests() {
        return likeEmail;
    }

    @Override
    public boolean takesEscalation() {
        return likeEmail;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> destinations(DeliveryTarget target) {
        return List.of("box:" + target.recipient());
    }

    @Override
    public List<DeliveryOutcome> deliver(List<Delivery> batch) {
        batchSizes.add(batch.size());
        List<DeliveryOutcome> outcomes = new ArrayList<>();
        for (Delivery d : batch) {
            DeliveryOutcome outcome = answer.apply(d);
            if (outcome instanceof DeliveryOutcome.Delivered) {
                delivered.add(d);
            }
            outcomes.add(outcome);
        }
        return outcomes;
    }

    List<Long> deliveredIds() {
        return delivered.stream().map(Delivery::outboxId).toList();
    }
}
