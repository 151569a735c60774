package dev.notify.internal;

import dev.notify.EventBus;
import dev.notify.StreamEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The in-process {@link EventBus}: each listener is called on the publishing thread. */
public final class LocalEventBus implements EventBus {
    private static final Logger log = LoggerFactory.getLogger(LocalEventBus.class);
    private final List<Consumer<StreamEvent>> listeners = new CopyOnWriteArrayList<>();

    @Override
    public void publish(StreamEvent event) {
        for (Consumer<StreamEvent> listener : listeners) {
            try {
                listener.accept(event);
            } catch (RuntimeException e) {
                // One failing listener must not stop the others, nor fail an already committed send.
                log.warn("event listener failed for {} to {}", event.kind(), event.recipient(), e);
            }
        }
    }

    @Override
    public void subscribe(Consumer<StreamEvent> listener) {
        listeners.add(listener);
    }
}
