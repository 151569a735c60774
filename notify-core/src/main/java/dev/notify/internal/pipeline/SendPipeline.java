package dev.notify.internal.pipeline;

import dev.notify.EventBus;
import dev.notify.Notification;
import dev.notify.NotifyException;
import dev.notify.Recipient;
import dev.notify.RecipientDirectory;
import dev.notify.SendRequest;
import dev.notify.SendResult;
import dev.notify.StreamEvent;
import dev.notify.internal.DigestStore;
import dev.notify.internal.JdbiNotificationStore;
import dev.notify.internal.JdbiPreferences;
import dev.notify.internal.JdbiTopics;
import dev.notify.json.Json;
import dev.notify.internal.OutboxService;
import dev.notify.internal.Metrics;
import dev.notify.internal.OutboxStore;
import dev.notify.internal.PreferenceSnapshot;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.template.Template;
import dev.notify.template.TemplateRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
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
    private volatile Metrics metrics = Metrics.NONE;
    private volatile Runnable betweenChunks = () -> {
    };
    /** Null when group commit is off. */
    private final GroupCommit group;

    /** Recipients per transaction of a {@link #send}. */
    public static final int CHUNK = JdbiNotificationStore.BATCH_MAX;
    /** Most recipients of a request that joins a {@linkplain GroupCommit group commit}. */
    static final int GROUPED_MAX = 100;
    /** Groups gathering or committing at once. */
    static final int GROUP_LANES = 2;
    /** Most requests in one group commit. */
    static final int GROUP_MAX = 64;
    /** How long a group's leader waits for callers already on their way: 1 ms. */
    static final long GROUP_WAIT_NANOS = 1_000_000;

    public SendPipeline(JdbiNotificationStore store, OutboxStore outboxStore, DigestStore digests, JdbiTopics topics,
                        RecipientDirectory directory, JdbiPreferences preferences, TemplateRegistry templates,
                        Map<String, DeliveryChannel> channels, EventBus bus, OutboxService outbox, Clock clock,
                        boolean groupCommit) {
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
        this.group = groupCommit ? new GroupCommit(store, GROUP_LANES, GROUP_MAX, GROUP_WAIT_NANOS) : null;
    }

    /** Where sends are counted; default {@link Metrics#NONE}. */
    public void metrics(Metrics metrics) {
        this.metrics = metrics;
    }

    /**
     * Sends in transactions of its own, one per {@value #CHUNK} recipients in the order of their
     * ids, and publishes each transaction's notifications once it committed. A send to up to
     * {@value #CHUNK} recipients is therefore one transaction (shared with concurrent sends by
     * {@linkplain GroupCommit group commit} when it is on and the request names at most
     * {@value #GROUPED_MAX} recipients); a larger one (a topic) is written chunk by chunk, and if the process dies between two chunks the recipients of the committed
     * chunks have their notification and the others do not. Sending the same request again with
     * the same idempotency key then completes it: recipients that have the notification are
     * skipped, the others get it.
     */
    public SendResult send(SendRequest request) {
        long started = metrics.enabled() ? System.nanoTime() : 0;
        SendResult result = sendInOwnTransactions(request);
        if (started != 0) {
            metrics.sendTime(System.nanoTime() - started);
        }
        return result;
    }

    private SendResult sendInOwnTransactions(SendRequest request) {
        boolean grouped = group != null && request.topic() == null && request.recipients().size() <= GROUPED_MAX;
        boolean announced = grouped;
        if (grouped) {
            group.announce();
        }
        try {
            Instant now = clock.instant();
            SendPlan plan = plan(request, now);
            if (plan == null) {
                return new SendResult(List.of(), 0);
            }
            String data = Json.writeData(plan.request().data());
            List<String> members = List.copyOf(new TreeSet<>(plan.request().recipients()));
            store.prepareRecipients(members);
            if (grouped) {
                announced = false;
                JdbiNotificationStore.Inserted done = group.write(members, h -> write(h, plan, members, data, now));
                if (done == null) {
                    done = writeChunk(plan, members, data, now); // the shared transaction failed: alone
                }
                publish(done.created());
                metrics.sent(done.created().size());
                return result(plan.request(), done.byRecipient(), done.created().size());
            }
            Map<String, Notification> all = new HashMap<>();
            int created = 0;
            for (int from = 0; from < members.size(); from += CHUNK) {
                List<String> chunk = members.subList(from, Math.min(members.size(), from + CHUNK));
                JdbiNotificationStore.Inserted done = writeChunk(plan, chunk, data, now);
                all.putAll(done.byRecipient());
                created += done.created().size();
                publish(done.created());
                if (from + CHUNK < members.size()) {
                    betweenChunks.run();
                }
            }
            metrics.sent(created);
            return result(plan.request(), all, created);
        } finally {
            if (announced) {
                group.withdraw();
            }
        }
    }

    /**
     * Sends inside the caller's open transaction (every chunk in it); the caller passes the
     * result to {@link #afterCommit} once that transaction committed.
     */
    public JdbiNotificationStore.Sent sendIn(Handle handle, SendRequest request) {
        Instant now = clock.instant();
        SendPlan plan = plan(request, now);
        if (plan == null) {
            return new JdbiNotificationStore.Sent(new SendResult(List.of(), 0), List.of());
        }
        String data = Json.writeData(plan.request().data());
        List<String> members = List.copyOf(new TreeSet<>(plan.request().recipients()));
        store.prepareRecipients(members);
        Map<String, Notification> all = new HashMap<>();
        List<Notification> created = new ArrayList<>();
        for (int from = 0; from < members.size(); from += CHUNK) {
            List<String> chunk = members.subList(from, Math.min(members.size(), from + CHUNK));
            JdbiNotificationStore.Inserted done = write(handle, plan, chunk, data, now);
            all.putAll(done.byRecipient());
            created.addAll(done.created());
        }
        return new JdbiNotificationStore.Sent(result(plan.request(), all, created.size()), created);
    }

    /** Committed transactions that held more than one send (0 with group commit off). For tests and measurements. */
    public long sharedCommits() {
        return group == null ? 0 : group.sharedCommits();
    }

    /**
     * Runs {@code hook} after each chunk of a multi-chunk {@link #send} committed, before the next
     * begins; a hook that throws ends the send there, as if the process had died. For tests.
     */
    public void betweenChunks(Runnable hook) {
        this.betweenChunks = hook;
    }

    /**
     * One chunk in a transaction of its own. A transaction that waited too long for counters another
     * send holds (on a busy machine a 1,000-member chunk of a concurrent broadcast can hold them past
     * H2's 2-s lock timeout) rolled back entirely, so it is run again, up to
     * {@value #LOCK_ATTEMPTS} times.
     */
    private JdbiNotificationStore.Inserted writeChunk(SendPlan plan, List<String> chunk, String data, Instant now) {
        for (int attempt = 1; ; attempt++) {
            try {
                return store.transaction(h -> write(h, plan, chunk, data, now));
            } catch (NotifyException e) {
                if (attempt >= LOCK_ATTEMPTS || !JdbiNotificationStore.isLockConflict(e)) {
                    throw e;
                }
            }
        }
    }

    /** Attempts of one chunk's transaction when it loses a lock wait. */
    static final int LOCK_ATTEMPTS = 5;

    private JdbiNotificationStore.Inserted write(Handle h, SendPlan plan, List<String> chunk, String data,
                                                 Instant now) {
        JdbiNotificationStore.Inserted done = store.insert(h, plan.request(), chunk, plan.contents(), data, now);
        outboxStore.insert(h, done.created(), plan::deliveriesOf, now);
        for (Notification n : done.created()) {
            for (DigestStore.Planned d : plan.digestsOf(n.recipient())) {
                digests.enqueue(h, n, d, now);
            }
        }
        return done;
    }

    private static SendResult result(SendRequest request, Map<String, Notification> byRecipient, int created) {
        List<Notification> ordered = new ArrayList<>(request.recipients().size());
        for (String recipient : request.recipients()) {
            ordered.add(byRecipient.get(recipient));
        }
        return new SendResult(ordered, created);
    }

    private void publish(List<Notification> created) {
        publishEvents(created);
        if (!created.isEmpty() && outbox.hasChannels()) {
            outbox.wake();
        }
    }

    /**
     * Publishes one request's new notifications, those with the same rendered content sharing one
     * {@link StreamEvent.Shared}: the rest of their fields (data, link, priority, creation time)
     * are the request's, so a transport encodes all but id, recipient and sequence once.
     */
    private void publishEvents(List<Notification> created) {
        if (created.size() == 1) {
            bus.publish(StreamEvent.stored(created.get(0)));
            return;
        }
        // Notifications equal in every field but id, recipient and sequence share one encoding
        // (rendered content differs by locale; a replaced one differs in its inbox state).
        Map<List<Object>, StreamEvent.Shared> byContent = new HashMap<>();
        for (Notification n : created) {
            StreamEvent.Shared shared = byContent.computeIfAbsent(Arrays.asList(n.type(), n.title(), n.message(),
                    n.data(), n.link(), n.priority(), n.read(), n.createdAt(), n.readAt(), n.seen(), n.seenAt(),
                    n.archivedAt(), n.snoozedUntil(), n.expiresAt(), n.updatedAt(), n.key(), n.category(),
                    n.actions()), k -> new StreamEvent.Shared());
            bus.publish(StreamEvent.stored(n, shared));
        }
    }

    /** Publishes the sends' new notifications to the streams and wakes the outbox workers. */
    public void afterCommit(List<JdbiNotificationStore.Sent> sends) {
        boolean queued = false;
        for (JdbiNotificationStore.Sent sent : sends) {
            metrics.sent(sent.created().size());
            publishEvents(sent.created());
            queued |= !sent.created().isEmpty();
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
        if (template != null && r.actions().isEmpty() && !template.actions().isEmpty()) {
            r = r.withActions(template.renderActions(r.params()));
        }
        Map<String, Recipient> profiles = template != null || !channels.isEmpty()
                ? directory.findAll(r.recipients()) : Map.of();
        PreferenceSnapshot prefs = channels.isEmpty() ? PreferenceSnapshot.NONE : preferences.snapshot(r.recipients());
        return SendPlanner.plan(r, template, profiles, prefs, channels, now);
    }

}
