package dev.notify.internal;

import dev.notify.EventBus;
import dev.notify.Inbox;
import dev.notify.InboxQuery;
import dev.notify.Notification;
import dev.notify.Page;
import dev.notify.StreamEvent;
import java.time.Clock;
import java.util.Objects;

/** One recipient's {@link Inbox} over the store; each change is published to the event bus. */
public final class StoreInbox implements Inbox {
    private final JdbiNotificationStore store;
    private final EventBus bus;
    private final Clock clock;
    private final String recipient;

    public StoreInbox(JdbiNotificationStore store, EventBus bus, Clock clock, String recipient) {
        this.store = store;
        this.bus = bus;
        this.clock = clock;
        this.recipient = recipient;
    }

    @Override
    public String recipient() {
        return recipient;
    }

    @Override
    public Page list(InboxQuery query) {
        return store.list(recipient, Objects.requireNonNull(query, "query"));
    }

    @Override
    public long unreadCount() {
        return store.unreadCount(recipient);
    }

    @Override
    public Notification get(long id) {
        return store.get(recipient, id);
    }

    @Override
    public Notification markRead(long id) {
        JdbiNotificationStore.Marked marked = store.markRead(recipient, id, clock.instant());
        if (marked.changed()) {
            bus.publish(StreamEvent.read(recipient, id));
        }
        return marked.notification();
    }

    @Override
    public int markAllRead() {
        JdbiNotificationStore.AllRead done = store.markAllRead(recipient, clock.instant());
        if (done.count() > 0) {
            bus.publish(StreamEvent.allRead(recipient, done.upToSeq(), done.count()));
        }
        return done.count();
    }

    @Override
    public void delete(long id) {
        store.delete(recipient, id);
        bus.publish(StreamEvent.deleted(recipient, id));
    }
}
