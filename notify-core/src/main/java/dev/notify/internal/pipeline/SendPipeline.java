package dev.notify.internal.pipeline;

import dev.notify.EventBus;
import dev.notify.Notification;
import dev.notify.Recipient;
import dev.notify.RecipientDirectory;
import dev.notify.SendRequest;
import dev.notify.SendResult;
import dev.notify.StreamEvent;
import dev.notify.internal.DigestStore;
import dev.notify.internal.JdbiNotificationStore;
import dev.notify.internal.JdbiPreferences;
import dev.notify.internal.JdbiTopics;
import dev.notify.internal.OutboxService;
import dev.notify.internal.OutboxStore;
import dev.notify.internal.PreferenceSnapshot;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.template.Template;
import dev.notify.template.TemplateRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * The send path, top to bottom: resolve the recipients (a topic's members), read their profiles
 * and preferences in bulk, {@linkplain SendPlanner plan}, write the notifications with their
 * outbox rows and digest entries in one transaction, then publish each new notification to the
 * event bus and wake the outbox workers.
 */
public final class SendPipeline {
    private final JdbiNotificationStore store;
    private final OutboxStore outboxStore;
    private final DigestStore digests;
    private final JdbiTopics topics;
    private final RecipientDirectory directory;
    private final JdbiPreferences preferences;
    private final TemplateRegistry templates;
    private final List<DeliveryChannel> channels;
    private final EventBus bus;
    private final OutboxService outbox;
    private final Clock clock;

    public SendPipeline(JdbiNotificationStore store, OutboxStore outboxStore, DigestStore digests, JdbiTopics topics,
                        RecipientDirectory directory, JdbiPreferences preferences, TemplateRegistry templates,
                        Map<String, DeliveryChannel> channels, EventBus bus, OutboxService outbox, Clock clock) {
        this.store = store;
        this.outboxStore = outboxStore;
        this.digests = digests;
        this.topics = topics;
        this.directory = directory;
        this.preferences = preferences;
        this.templates = templates;
        this.channels = List.copyOf(channels.values());
        this.bus = bus;
        this.outbox = outbox;
        this.clock = clock;
    }

    /** Sends in a transaction of its own, then publishes. */
    public SendResult send(SendRequest request) {
        Instant now = clock.instant();
        SendPlan plan = plan(request, now);
        if (plan == null) {
            return new SendResult(List.of(), 0);
        }
        JdbiNotificationStore.Sent sent = store.send(plan.request(), plan.contents(), now, writer(plan, now));
        afterCommit(List.of(sent));
        return sent.result();
    }

    /**
     * Sends inside the caller's open transaction; the caller passes {@code sent} to
     * {@link #afterCommit} once that transaction committed.
     */
    public JdbiNotificationStore.Sent sendIn(Handle handle, SendRequest request) {
        Instant now = clock.instant();
        SendPlan plan = plan(request, now);
        if (plan == null) {
            return new JdbiNotificationStore.Sent(new SendResult(List.of(), 0), List.of());
        }
        return store.sendIn(handle, plan.request(), plan.contents(), now, writer(plan, now));
    }

    /** Publishes the sends' new notifications to the streams and wakes the outbox workers. */
    public void afterCommit(List<JdbiNotificationStore.Sent> sends) {
        boolean queued = false;
        for (JdbiNotificationStore.Sent sent : sends) {
            for (Notification n : sent.created()) {
                bus.publish(StreamEvent.created(n));
                queued = true;
            }
        }
        if (queued && outbox.hasChannels()) {
            outbox.wake();
        }
    }

    /** @return null when a topic send reaches nobody */
    private SendPlan plan(SendRequest request, Instant now) {
        SendRequest r = request;
        if (request.topic() != null) {
            var all = new LinkedHashSet<>(request.recipients());
            all.addAll(topics.members(request.topic()));
            if (all.isEmpty()) {
                return null;
            }
            r = request.withRecipients(List.copyOf(all));
        }
        Template template = r.templated() ? templates.get(r.template()) : null;
        Map<String, Recipient> profiles = template != null || !channels.isEmpty()
                ? directory.findAll(r.recipients()) : Map.of();
        PreferenceSnapshot prefs = channels.isEmpty() ? PreferenceSnapshot.NONE : preferences.snapshot(r.recipients());
        return SendPlanner.plan(r, template, profiles, prefs, channels, now);
    }

    private JdbiNotificationStore.InsertHook writer(SendPlan plan, Instant now) {
        return (handle, n) -> {
            outboxStore.insert(handle, n, plan.deliveriesOf(n.recipient()), now);
            for (DigestStore.Planned d : plan.digestsOf(n.recipient())) {
                digests.enqueue(handle, n, d, now);
            }
        };
    }
}
