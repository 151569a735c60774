package dev.notify.internal;

import dev.notify.ActionListener;
import dev.notify.EventBus;
import dev.notify.Inbox;
import dev.notify.InboxQuery;
import dev.notify.InboxSelection;
import dev.notify.InputRules;
import dev.notify.InvalidRequestException;
import dev.notify.Notification;
import dev.notify.Page;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One recipient's {@link Inbox} over the store. Each change is written with its entry in the
 * recipient's log in one transaction, then published to the event bus.
 */
public final class StoreInbox implements Inbox {
    private static final Logger log = LoggerFactory.getLogger(StoreInbox.class);

    private final JdbiNotificationStore store;
    private final EventBus bus;
    private final Clock clock;
    private final String recipient;
    private final ActionListener actions;
    private final Runnable snoozed;

    public StoreInbox(JdbiNotificationStore store, EventBus bus, Clock clock, String recipient) {
        this(store, bus, clock, recipient, ActionListener.NONE, () -> {
        });
    }

    /**
     * @param actions told of each callback action the first time it is performed
     * @param snoozed run after a snooze was stored, to wake the snooze waker
     */
    public StoreInbox(JdbiNotificationStore store, EventBus bus, Clock clock, String recipient, ActionListener actions,
                      Runnable snoozed) {
        this.store = store;
        this.bus = bus;
        this.clock = clock;
        this.recipient = recipient;
        this.actions = actions;
        this.snoozed = snoozed;
    }

    @Override
    public String recipient() {
        return recipient;
    }

    @Override
    public Page list(InboxQuery query) {
        return store.list(recipient, Objects.requireNonNull(query, "query"), clock.instant());
    }

    @Override
    public long unreadCount() {
        return store.unreadCount(recipient, clock.instant());
    }

    @Override
    public long unseenCount() {
        return store.unseenCount(recipient, clock.instant());
    }

    @Override
    public Notification get(long id) {
        return store.get(recipient, id);
    }

    @Override
    public Notification markRead(long id) {
        return published(store.markRead(recipient, id, clock.instant())).notification();
    }

    @Override
    public int markAllRead() {
        return published(store.markAllRead(recipient, clock.instant())).count();
    }

    @Override
    public int markSeen(InboxSelection selection) {
        return published(store.markSeen(recipient, Objects.requireNonNull(selection, "selection"), clock.instant()))
                .count();
    }

    @Override
    public int markRead(InboxSelection selection) {
        return published(store.markRead(recipient, Objects.requireNonNull(selection, "selection"), clock.instant()))
                .count();
    }

    @Override
    public Notification archive(long id) {
        return published(store.archive(recipient, id, clock.instant())).notification();
    }

    @Override
    public int archive(InboxSelection selection) {
        return published(store.archive(recipient, Objects.requireNonNull(selection, "selection"), clock.instant()))
                .count();
    }

    @Override
    public int archiveAllRead() {
        return published(store.archiveAllRead(recipient, clock.instant())).count();
    }

    @Override
    public Notification unarchive(long id) {
        return published(store.unarchive(recipient, id, clock.instant())).notification();
    }

    @Override
    public int unarchive(InboxSelection selection) {
        return published(store.unarchive(recipient, Objects.requireNonNull(selection, "selection"), clock.instant()))
                .count();
    }

    @Override
    public Notification snooze(long id, Instant until) {
        Instant now = clock.instant();
        if (until == null || !until.isAfter(now)) {
            throw InvalidRequestException.field("until", "must be a future instant but was " + until);
        }
        Notification n = published(store.snooze(recipient, id, until, now)).notification();
        snoozed.run();
        return n;
    }

    @Override
    public Notification unsnooze(long id) {
        return published(store.unsnooze(recipient, id, clock.instant())).notification();
    }

    @Override
    public void delete(long id) {
        published(store.delete(recipient, id, clock.instant()));
    }

    @Override
    public void deleteByKey(String key) {
        InputRules.text("key", key);
        if (key == null || key.isBlank()) {
            throw InvalidRequestException.field("key", "is required");
        }
        published(store.deleteByKey(recipient, key, clock.instant()));
    }

    @Override
    public ActionListener.Performed performAction(long id, String actionId) {
        InputRules.text("action_id", actionId);
        if (actionId == null || actionId.isBlank()) {
            throw InvalidRequestException.field("action_id", "is required");
        }
        JdbiNotificationStore.Performed done = store.performAction(recipient, id, actionId, clock.instant());
        if (done.event() != null) {
            bus.publish(done.event());
            try {
                actions.performed(done.performed());
            } catch (RuntimeException e) {
                log.warn("action listener failed for action '{}' of notification {}", actionId, id, e);
            }
        }
        return done.performed();
    }

    private JdbiNotificationStore.Changed published(JdbiNotificationStore.Changed changed) {
        if (changed.event() != null) {
            bus.publish(changed.event());
        }
        return changed;
    }
}
