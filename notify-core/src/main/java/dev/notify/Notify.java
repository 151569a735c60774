package dev.notify;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.notify.internal.DigestStore;
import dev.notify.internal.JdbiNotificationStore;
import dev.notify.internal.JdbiPreferences;
import dev.notify.internal.JdbiRecipientProfiles;
import dev.notify.internal.JdbiTopics;
import dev.notify.internal.OutboxService;
import dev.notify.internal.OutboxStore;
import dev.notify.internal.PostgresEventBus;
import dev.notify.internal.StreamHub;
import dev.notify.outbox.ChannelContext;
import dev.notify.outbox.Delivery;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.outbox.DeliveryTarget;
import dev.notify.outbox.Outbox;
import dev.notify.outbox.OutboxSettings;
import dev.notify.template.Rendered;
import dev.notify.template.Template;
import dev.notify.template.TemplateRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point: stores notifications, serves each recipient's inbox, and streams changes to
 * open connections. Thread-safe; build one per application and {@link #close()} it on shutdown.
 *
 * <pre>{@code
 * try (Notify notify = Notify.builder().jdbcUrl("jdbc:h2:mem:demo").build()) {
 *     notify.send(SendRequest.to("alice").type("task_assigned").title("Review the Q3 report").build());
 *     Inbox inbox = notify.inbox("alice");
 *     inbox.markAllRead();
 * }
 * }</pre>
 */
public final class Notify implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Notify.class);

    /** Where the embedded H2 database lives when neither a URL nor a data source is given. */
    public static final Path DEFAULT_DATA_DIRECTORY = Path.of("notify-data");
    /** How often open streams get a keep-alive by default: 30 s, as the seeds' clients expect. */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(30);
    /** Events buffered per connection before it counts as too slow and is closed. */
    public static final int DEFAULT_STREAM_QUEUE_CAPACITY = 256;
    /** Threads that write to stream connections; a blocked socket holds one of them. */
    public static final int DEFAULT_STREAM_WRITER_THREADS = 16;
    /** Connections in the pool notify creates from a JDBC URL. */
    public static final int DEFAULT_POOL_SIZE = 10;
    /** How long a caller waits for a pooled connection (or a new one) before failing: 30 s, HikariCP's default. */
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(30);
    /** How long a due outbox row may wait before the health check calls the outbox stuck: 10 minutes. */
    public static final Duration DEFAULT_OUTBOX_STUCK_AFTER = Duration.ofMinutes(10);

    private final JdbiNotificationStore store;
    private final StreamHub hub;
    private final EventBus bus;
    private final Clock clock;
    private final String databaseDescription;
    private final AutoCloseable ownedDataSource;
    private final Map<String, DeliveryChannel> channels;
    private final OutboxStore outboxStore;
    private final OutboxService outbox;
    private final JdbiRecipientProfiles profiles;
    private final RecipientDirectory directory;
    private final JdbiPreferences preferences;
    private final JdbiTopics topics;
    private final DigestStore digests;
    private final TemplateRegistry templates;
    private final StreamTickets streamTickets;
    private final ScheduledExecutorService housekeeping;
    private final OutboxSettings outboxSettings;
    private final io.micrometer.core.instrument.MeterRegistry meterRegistry;
    private final dev.notify.internal.Metrics metrics;
    private final DataSource dataSource;
    private final Duration outboxStuckAfter;

    private Notify(Builder b, DataSource dataSource, String databaseDescription, AutoCloseable ownedDataSource) {
        this.clock = b.clock;
        this.bus = b.eventBus;
        this.databaseDescription = databaseDescription;
        this.ownedDataSource = ownedDataSource;
        this.outboxSettings = b.outboxSettings;
        this.dataSource = dataSource;
        this.meterRegistry = b.meterRegistry;
        this.outboxStuckAfter = b.outboxStuckAfter;
        JdbiNotificationStore.migrate(dataSource);
        this.store = new JdbiNotificationStore(dataSource);
        dev.notify.internal.MicrometerMetrics micrometer = meterRegistry == null ? null
                : new dev.notify.internal.MicrometerMetrics(meterRegistry);
        this.metrics = micrometer != null ? micrometer : dev.notify.internal.Metrics.NONE;
        this.profiles = new JdbiRecipientProfiles(store.jdbi(), clock);
        this.directory = b.directory != null ? b.directory : profiles;
        this.preferences = new JdbiPreferences(store.jdbi(), clock);
        this.topics = new JdbiTopics(store.jdbi(), clock);
        this.digests = new DigestStore(store.jdbi());
        this.templates = b.templates;
        this.streamTickets = new StreamTickets(store.jdbi());
        this.channels = Map.copyOf(b.channels);
        for (DeliveryChannel channel : channels.values()) {
            channel.start(new ChannelContext(dataSource, clock));
        }
        this.outboxStore = new OutboxStore(store.jdbi());
        this.outbox = new OutboxService(outboxStore, channels, outboxSettings, clock, this::decide);
        this.hub = new StreamHub(store, clock, b.streamQueueCapacity, b.heartbeat, b.streamWriterThreads);
        if (micrometer != null) {
            micrometer.bindStore(store.jdbi());
            micrometer.bindOutbox(outboxStore, channels.keySet(), clock);
            micrometer.bindStreams(hub);
            hub.metrics(micrometer);
            outbox.metrics(micrometer);
            if (bus instanceof PostgresEventBus pg) {
                pg.onEchoLag(micrometer::busLag);
            }
        }
        bus.subscribe(hub::onEvent);
        outbox.start();
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "notify-housekeeping");
            t.setDaemon(true);
            return t;
        });
        long every = outboxSettings.housekeepingInterval().toMillis();
        timer.scheduleWithFixedDelay(this::housekeepQuietly, every, every, TimeUnit.MILLISECONDS);
        this.housekeeping = timer;
    }

    /** Starts configuring a {@link Notify}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Stores one notification per recipient in one transaction, then streams each new one to its
     * recipient's open connections. With an idempotency key, recipients that already have a
     * notification under that key get it back unchanged and nothing new is stored for them.
     *
     * <p>Before the transaction: a {@link SendRequest#topic() topic} is resolved to its current
     * members (none: nothing is stored and the result is empty); a {@link SendRequest#template()
     * template} is rendered in each recipient's locale (the request's, else the directory's, else
     * the template's default); each out-of-band channel is planned per recipient, less opt-outs
     * (unless the template is {@code required}), due after the template's escalation delay (email)
     * and after the recipient's quiet hours, or folded into the recipient's digest.
     *
     * @throws InvalidRequestException if the request's {@code data} is too large or not JSON; code
     *                                 {@code unknown_template} for a template the registry lacks;
     *                                 {@link dev.notify.template.MissingParametersException} (code
     *                                 {@code missing_parameters}) naming every missing parameter.
     *                                 Then nothing was stored.
     * @throws NotifyException         with code {@code store_unavailable} if the database fails;
     *                                 then nothing was stored
     */
    public SendResult send(SendRequest request) {
        Objects.requireNonNull(request, "request");
        long started = metrics.enabled() ? System.nanoTime() : 0;
        Instant now = clock.instant();
        Prepared p = prepare(request, now);
        if (p == null) {
            return new SendResult(List.of(), 0);
        }
        JdbiNotificationStore.Sent sent = store.send(p.request(), p.contents(), now, outboxHook(p, now));
        afterCommit(List.of(sent));
        if (started != 0) {
            metrics.sendTime(System.nanoTime() - started);
        }
        return sent.result();
    }

    /**
     * Runs {@code callback} in one database transaction on notify's data source: the host's own
     * statements (on {@link NotifyTransaction#connection()}) and the notifications it sends commit
     * or roll back together. Streams and outbox workers learn of the notifications only after the
     * commit. Jdbi's {@code inTransaction} pattern.
     *
     * <pre>{@code
     * long orderId = notify.inTransaction(tx -> {
     *     long id = orders.insert(tx.connection(), order);
     *     tx.send(SendRequest.to("manager").type("new_order").title("Order " + id).build());
     *     return id;
     * });
     * }</pre>
     *
     * @return what the callback returned
     * @throws Exception whatever the callback threw; the transaction was rolled back
     */
    public <T, X extends Exception> T inTransaction(TransactionCallback<T, X> callback) throws X {
        List<JdbiNotificationStore.Sent> sends = new ArrayList<>();
        T result = store.jdbi().inTransaction(handle -> callback.apply(new Tx(handle, sends)));
        afterCommit(sends);
        return result;
    }

    /** As {@link #inTransaction}, for callbacks that return nothing. */
    public <X extends Exception> void useTransaction(TransactionConsumer<X> callback) throws X {
        inTransaction(tx -> {
            callback.accept(tx);
            return null;
        });
    }

    /** A callback run inside {@link #inTransaction}. */
    @FunctionalInterface
    public interface TransactionCallback<T, X extends Exception> {
        T apply(NotifyTransaction tx) throws X;
    }

    /** A callback run inside {@link #useTransaction}. */
    @FunctionalInterface
    public interface TransactionConsumer<X extends Exception> {
        void accept(NotifyTransaction tx) throws X;
    }

    /** An open transaction of {@link #inTransaction}. */
    public interface NotifyTransaction {
        /** The transaction's JDBC connection, for the host's own statements. Do not commit or close it. */
        Connection connection();

        /** As {@link Notify#send}, inside this transaction. */
        SendResult send(SendRequest request);
    }

    private final class Tx implements NotifyTransaction {
        private final Handle handle;
        private final List<JdbiNotificationStore.Sent> sends;

        Tx(Handle handle, List<JdbiNotificationStore.Sent> sends) {
            this.handle = handle;
            this.sends = sends;
        }

        @Override
        public Connection connection() {
            return handle.getConnection();
        }

        @Override
        public SendResult send(SendRequest request) {
            Objects.requireNonNull(request, "request");
            Instant now = clock.instant();
            Prepared p = prepare(request, now);
            if (p == null) {
                return new SendResult(List.of(), 0);
            }
            JdbiNotificationStore.Sent sent = store.sendIn(handle, p.request(), p.contents(), now,
                    outboxHook(p, now));
            sends.add(sent);
            return sent.result();
        }
    }

    /**
     * A send made ready before its transaction opens: recipients known (topic members added),
     * templates rendered per recipient, deliveries planned.
     */
    private record Prepared(SendRequest request, Map<String, JdbiNotificationStore.Content> contents,
                            Map<String, List<OutboxStore.Planned>> plan,
                            Map<String, List<DigestStore.Planned>> digestPlan) {
    }

    /**
     * Resolves the topic, renders the template (a missing parameter throws here, before anything
     * is stored) and plans the out-of-band deliveries: each channel's destinations, less opt-outs,
     * due after the escalation delay and outside quiet hours.
     *
     * @return null when a topic send reaches nobody
     */
    private Prepared prepare(SendRequest request, Instant now) {
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
        boolean needProfiles = template != null || !channels.isEmpty();
        Map<String, Optional<Recipient>> profiles = new HashMap<>();
        if (needProfiles) {
            for (String recipient : r.recipients()) {
                profiles.put(recipient, directory.find(recipient));
            }
        }
        Map<String, JdbiNotificationStore.Content> contents = new HashMap<>();
        Map<String, Rendered> rendered = new HashMap<>();
        if (template != null) {
            Map<Locale, Rendered> byLocale = new HashMap<>();
            for (String recipient : r.recipients()) {
                Locale locale = r.locale() != null ? r.locale()
                        : profiles.get(recipient).map(Recipient::locale).orElse(null);
                Rendered one = byLocale.get(locale);
                if (one == null) {
                    one = template.render(r.params(), locale);
                    checkRendered(template, one);
                    byLocale.put(locale, one);
                }
                rendered.put(recipient, one);
                contents.put(recipient, new JdbiNotificationStore.Content(template.type(), one.inApp().title(),
                        one.inApp().message()));
            }
        }
        if (channels.isEmpty()) {
            return new Prepared(r, contents, Map.of(), Map.of());
        }
        String type = template != null ? template.type() : r.type();
        String category = template != null ? template.category() : null;
        boolean required = template != null && template.required();
        Duration escalateAfter = template != null ? template.escalateAfter().orElse(null) : null;
        Map<String, List<OutboxStore.Planned>> plan = new HashMap<>();
        Map<String, List<DigestStore.Planned>> digestPlan = new HashMap<>();
        boolean emailConfigured = channels.containsKey(dev.notify.email.EmailChannel.NAME);
        for (String recipient : r.recipients()) {
            Optional<Recipient> profile = profiles.get(recipient);
            DeliveryTarget target = new DeliveryTarget(recipient, profile, r);
            Optional<QuietHours> quiet = required ? Optional.empty() : preferences.quietHours(recipient);
            ZoneId zone = profile.map(Recipient::timeZone).orElse(null);
            List<OutboxStore.Planned> planned = new ArrayList<>();
            DigestFrequency digest = template != null && !required && escalateAfter == null && emailConfigured
                    ? preferences.digests(recipient).getOrDefault(category, DigestFrequency.IMMEDIATE)
                    : DigestFrequency.IMMEDIATE;
            for (DeliveryChannel channel : channels.values()) {
                if (!required && !preferences.allows(recipient, channel.name(), type, category)) {
                    continue;
                }
                List<String> destinations = channel.destinations(target);
                if (destinations.isEmpty()) {
                    continue;
                }
                boolean isEmail = dev.notify.email.EmailChannel.NAME.equals(channel.name());
                if (isEmail && digest != DigestFrequency.IMMEDIATE) {
                    for (String destination : destinations) {
                        digestPlan.computeIfAbsent(recipient, x -> new ArrayList<>()).add(new DigestStore.Planned(
                                category, destination, digest, zone != null ? zone : java.time.ZoneOffset.UTC));
                    }
                    continue;
                }
                boolean escalation = escalateAfter != null && isEmail;
                Instant due = escalation ? now.plus(escalateAfter) : now;
                if (quiet.isPresent()) {
                    due = quiet.get().endOfWindowContaining(due, zone).orElse(due);
                }
                Map<String, Object> extra = new LinkedHashMap<>();
                Rendered text = rendered.get(recipient);
                if (text != null) {
                    extra.put("email", Map.of("subject", text.email().subject(), "text", text.email().text(),
                            "html", text.email().html()));
                    extra.put("push", Map.of("title", text.push().title(), "body", text.push().body()));
                    extra.put("category", category);
                    extra.put("required", required);
                }
                if (escalation) {
                    extra.put("escalation", true);
                }
                for (String destination : destinations) {
                    planned.add(new OutboxStore.Planned(channel.name(), destination, due.equals(now) ? null : due,
                            extra));
                }
            }
            plan.put(recipient, planned);
        }
        return new Prepared(r, contents, plan, digestPlan);
    }

    private static void checkRendered(Template template, Rendered r) {
        String title = r.inApp().title();
        if (title.isBlank() || title.length() > Limits.TITLE_MAX) {
            throw InvalidRequestException.field("title", "template '" + template.name() + "' (locale "
                    + r.locale().toLanguageTag() + ") rendered a title of " + title.strip().length()
                    + " characters; it must be 1 to " + Limits.TITLE_MAX);
        }
        if (r.inApp().message().length() > Limits.MESSAGE_MAX) {
            throw InvalidRequestException.field("message", "template '" + template.name() + "' rendered a message of "
                    + r.inApp().message().length() + " characters; at most " + Limits.MESSAGE_MAX + " are allowed");
        }
    }

    /**
     * The name of the template digest emails are rendered from; a built-in one when the registry
     * has none. Its parameters: {@code category}, {@code frequency}, {@code count},
     * {@code period_end} and {@code items}, a list of {@code id, type, title, message, link,
     * created_at}, oldest first.
     */
    public static final String DIGEST_TEMPLATE = "digest";

    private static final Template DEFAULT_DIGEST = Template.builder(DIGEST_TEMPLATE)
            .locale(Locale.ENGLISH, Template.Parts.of("{{count}} new {{category}} notifications", "")
                    .withEmail("Your {{frequency}} {{category}} digest: {{count}} new",
                            "{{#items}}- {{title}}{{#message}}: {{message}}{{/message}}\n{{/items}}",
                            "<ul>\n{{#items}}<li><b>{{title}}</b>{{#message}}: {{message}}{{/message}}</li>\n{{/items}}</ul>"))
            .build();

    /**
     * Re-checks a delivery when it comes due: an escalation of a notification read (or deleted)
     * meanwhile is dropped, and so is a delivery the recipient has switched off since it was
     * queued. A digest collects its notifications and is rendered here.
     */
    private OutboxService.Decision decide(Delivery d, OutboxStore.Rules rules) {
        Notification n = d.notification();
        if (rules.escalation() && outboxStore.readOrDeleted(n.id())) {
            return OutboxService.Decision.drop("read before escalation");
        }
        if (!rules.required() && !preferences.allows(n.recipient(), d.channel(), n.type(), rules.category())) {
            return OutboxService.Decision.drop("recipient turned off " + d.channel() + " for " + n.type()
                    + (rules.category() == null ? "" : " (category " + rules.category() + ")"));
        }
        if (rules.digest() != null) {
            return digest(d, rules.digest());
        }
        return OutboxService.Decision.deliver(d);
    }

    private OutboxService.Decision digest(Delivery d, OutboxStore.Digest digest) {
        Notification n = d.notification();
        List<DigestStore.Item> items = digests.collect(d.outboxId(), n.recipient(), digest.category(),
                digest.periodEnd());
        if (items.isEmpty()) {
            return OutboxService.Decision.drop("empty digest: its notifications were deleted");
        }
        List<Map<String, Object>> views = new ArrayList<>();
        for (DigestStore.Item item : items) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("id", item.notificationId());
            v.put("type", item.type());
            v.put("title", item.title());
            v.put("message", item.message());
            v.put("link", item.link() == null ? "" : item.link());
            v.put("created_at", item.createdAt().toString());
            views.add(v);
        }
        Map<String, Object> params = Map.of("category", digest.category(), "frequency", digest.frequency(),
                "count", items.size(), "items", views, "period_end", digest.periodEnd().toString());
        Locale locale = directory.find(n.recipient()).map(Recipient::locale).orElse(null);
        Rendered r = templates.find(DIGEST_TEMPLATE).orElse(DEFAULT_DIGEST).render(params, locale);
        Notification shown = new Notification(n.id(), n.recipient(), n.seq(), "digest", r.inApp().title(),
                r.inApp().message(), Map.of("category", digest.category(), "count", items.size()), null, n.priority(),
                n.createdAt(), null);
        return OutboxService.Decision.deliver(new Delivery(d.outboxId(), d.channel(), d.destination(), shown,
                d.attempt(), r.email(), r.push()));
    }

    private JdbiNotificationStore.InsertHook outboxHook(Prepared p, Instant now) {
        return (handle, n) -> {
            outboxStore.insert(handle, n, p.plan().getOrDefault(n.recipient(), List.of()), now);
            for (DigestStore.Planned d : p.digestPlan().getOrDefault(n.recipient(), List.of())) {
                digests.enqueue(handle, n, d, now);
            }
        };
    }

    private void afterCommit(List<JdbiNotificationStore.Sent> sends) {
        boolean queued = false;
        for (JdbiNotificationStore.Sent sent : sends) {
            metrics.sent(sent.created().size());
            for (Notification n : sent.created()) {
                bus.publish(StreamEvent.created(n));
                queued = true;
            }
        }
        if (queued && outbox.hasChannels()) {
            outbox.wake();
        }
    }

    /** The outbox: what waits, what is dead, and retrying it. */
    public Outbox outbox() {
        return outbox;
    }

    /** The configured out-of-band channels by name (e.g. {@code email}, {@code push}). */
    public Map<String, DeliveryChannel> channels() {
        return channels;
    }

    /** The configured channel of the given class, if any. */
    public <C extends DeliveryChannel> Optional<C> channel(Class<C> type) {
        return channels.values().stream().filter(type::isInstance).map(type::cast).findFirst();
    }

    /** Recipient profiles stored in notify's database (the default {@link RecipientDirectory}). */
    public RecipientProfiles recipients() {
        return profiles;
    }

    /** Channel opt-outs per recipient and notification type or category, quiet hours, digests. */
    public Preferences preferences() {
        return preferences;
    }

    /** Topics and their members, for {@link SendRequest#toTopic(String)}. */
    public Topics topics() {
        return topics;
    }

    /** Single-use stream tickets, shared by every node on the same database. */
    public StreamTickets streamTickets() {
        return streamTickets;
    }

    /** The templates sends may name; empty unless {@link Builder#templates} was set. */
    public TemplateRegistry templates() {
        return templates;
    }

    /**
     * Deletes what retention allows: delivered, closed and dead outbox rows past their retention,
     * and notifications read longer ago than {@link OutboxSettings#readNotificationRetention()}.
     * Runs every {@link OutboxSettings#housekeepingInterval()}; call it to run now.
     */
    public Housekeeping housekeep() {
        Instant now = clock.instant();
        int outboxRows = outbox.deleteExpired(now);
        int notifications = store.deleteReadBefore(now.minus(outboxSettings.readNotificationRetention()));
        for (DeliveryChannel channel : channels.values()) {
            channel.housekeep(now);
        }
        return new Housekeeping(outboxRows, notifications);
    }

    /** What one {@link #housekeep()} run deleted. */
    public record Housekeeping(int outboxRowsDeleted, int notificationsDeleted) {
    }

    private void housekeepQuietly() {
        try {
            Housekeeping done = housekeep();
            log.debug("housekeeping deleted {} outbox rows and {} read notifications", done.outboxRowsDeleted(),
                    done.notificationsDeleted());
        } catch (RuntimeException e) {
            log.warn("housekeeping failed; will run again in {}", outboxSettings.housekeepingInterval(), e);
        }
    }

    /**
     * The inbox of one recipient: every call on it reads or changes that recipient's
     * notifications only.
     *
     * @param recipient the user id
     * @throws InvalidRequestException if the recipient is blank or too long
     */
    public Inbox inbox(String recipient) {
        if (recipient == null || recipient.isBlank() || recipient.length() > Limits.RECIPIENT_MAX) {
            throw InvalidRequestException.field("recipient", "must be 1 to " + Limits.RECIPIENT_MAX + " characters");
        }
        return new RecipientInbox(recipient);
    }

    /**
     * Opens a real-time connection for one recipient. If {@code options} resumes after a sequence,
     * every stored notification after it is written first, in order; then live changes follow,
     * with no gap and no duplicate between the two. A live-only connection receives every
     * notification committed after this call returns.
     *
     * @param recipient the user id whose changes the sink receives
     * @param sink      the transport, called from one writer thread at a time
     * @return a handle to close the connection or read its state
     * @throws NotifyException with code {@code store_unavailable} if the database cannot be read;
     *                         the sink has then been closed
     */
    public StreamConnection openStream(String recipient, StreamSink sink, StreamOptions options) {
        inbox(recipient); // validates the recipient
        return hub.open(recipient, Objects.requireNonNull(sink, "sink"), Objects.requireNonNull(options, "options"));
    }

    /** The recipient's open real-time connections on this node. */
    public List<StreamConnection> streams(String recipient) {
        return hub.connections(recipient);
    }

    /**
     * Closes the recipient's open real-time connections on this node.
     *
     * @return how many were closed
     */
    public int closeStreams(String recipient, String reason) {
        return hub.closeAll(recipient, reason);
    }

    /**
     * Closes every open real-time connection on this node with the reason
     * {@code "server shutting down"}: SSE streams get a last {@code shutdown} event with a
     * {@code retry:} hint, WebSockets a 1001 close.
     *
     * @return how many were closed
     */
    public int closeAllStreams() {
        return hub.closeEverything("server shutting down");
    }

    /** Open real-time connections on this node, all recipients. */
    public int openStreamCount() {
        return hub.openConnections();
    }

    /** The clock that stamps notifications and read times. */
    public Clock clock() {
        return clock;
    }

    /** Which database this instance uses, without credentials, for start-up messages. */
    public String databaseDescription() {
        return databaseDescription;
    }

    /** The registry given to {@link Builder#meterRegistry}, if any; the server adds its own meters to it. */
    public Optional<io.micrometer.core.instrument.MeterRegistry> meterRegistry() {
        return Optional.ofNullable(meterRegistry);
    }

    /**
     * Whether this node can do its work now: the database answers a query within
     * {@code timeout}; on PostgreSQL the event bus's listening connection is up; and no outbox row
     * has waited past its due time for longer than {@link Builder#outboxStuckAfter} (workers
     * stopped, or a channel failing every batch without recording it). Never throws.
     *
     * @param timeout how long the database may take to answer, at least 1 s
     */
    public Health health(Duration timeout) {
        List<Health.Check> checks = new ArrayList<>();
        boolean dbUp;
        try (Connection c = dataSource.getConnection()) {
            dbUp = c.isValid((int) Math.max(1, timeout.toSeconds()));
            checks.add(new Health.Check("database", dbUp, dbUp ? "answers" : "did not answer within " + timeout));
        } catch (java.sql.SQLException | RuntimeException e) {
            dbUp = false;
            checks.add(new Health.Check("database", false, "cannot connect: " + e.getMessage()));
        }
        if (bus instanceof PostgresEventBus pg) {
            boolean listening = pg.isListening();
            checks.add(new Health.Check("event_bus", listening, listening ? "listening"
                    : "the LISTEN connection is down; other nodes' events do not reach this node's streams"));
        }
        if (dbUp && outbox.hasChannels()) {
            try {
                Instant now = clock.instant();
                Instant oldest = outboxStore.oldestDue(now);
                Duration waited = oldest == null ? Duration.ZERO : Duration.between(oldest, now);
                boolean ok = waited.compareTo(outboxStuckAfter) <= 0;
                checks.add(new Health.Check("outbox", ok, ok ? "oldest due row waited " + waited.toSeconds() + " s"
                        : "oldest due row has waited " + waited.toSeconds() + " s, more than " + outboxStuckAfter.toSeconds()
                        + " s"));
            } catch (RuntimeException e) {
                checks.add(new Health.Check("outbox", false, "cannot read the outbox: " + e.getMessage()));
            }
        }
        return new Health(checks);
    }

    /**
     * Begins a shutdown, bounded by {@code timeout}: the outbox workers claim nothing more, finish
     * the batch a channel is delivering and release the rest of their claims (so another node
     * delivers them at once, without waiting for the leases to expire). Then {@link #close()}
     * closes the streams, the bus and the pool.
     *
     * @return true if the workers stopped within {@code timeout}; if not, their claims expire with the lease
     */
    public boolean drainOutbox(Duration timeout) {
        return outbox.drain(timeout);
    }

    /**
     * The first step of {@link #drainOutbox}, without waiting: the outbox workers claim nothing
     * more, and what they have claimed but not started goes back at once.
     */
    public void stopOutbox() {
        outbox.stopClaiming();
    }

    /** Closes open streams, the event bus, and the connection pool notify created (if any). */
    @Override
    public void close() {
        housekeeping.shutdownNow();
        outbox.close();
        for (DeliveryChannel channel : channels.values()) {
            try {
                channel.close();
            } catch (Exception e) {
                log.warn("closing channel {} failed", channel.name(), e);
            }
        }
        hub.close();
        try {
            bus.close();
        } catch (Exception e) {
            log.warn("closing the event bus failed", e);
        }
        if (ownedDataSource != null) {
            try {
                ownedDataSource.close();
            } catch (Exception e) {
                log.warn("closing the connection pool failed", e);
            }
        }
    }

    private final class RecipientInbox implements Inbox {
        private final String recipient;

        RecipientInbox(String recipient) {
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

    /**
     * Configures a {@link Notify}. Every setting has a default: with none, notify uses an H2 file
     * database in {@code ./notify-data}.
     */
    public static final class Builder {
        private DataSource dataSource;
        private String jdbcUrl;
        private Path dataDirectory = DEFAULT_DATA_DIRECTORY;
        private int poolSize = DEFAULT_POOL_SIZE;
        private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
        private Clock clock = Clock.systemUTC();
        private EventBus eventBus;
        private Duration heartbeat = DEFAULT_HEARTBEAT;
        private int streamQueueCapacity = DEFAULT_STREAM_QUEUE_CAPACITY;
        private int streamWriterThreads = DEFAULT_STREAM_WRITER_THREADS;
        private final Map<String, DeliveryChannel> channels = new LinkedHashMap<>();
        private RecipientDirectory directory;
        private OutboxSettings outboxSettings = OutboxSettings.ofDefaults();
        private TemplateRegistry templates = TemplateRegistry.builder().build();
        private io.micrometer.core.instrument.MeterRegistry meterRegistry;
        private Duration outboxStuckAfter = DEFAULT_OUTBOX_STUCK_AFTER;

        private Builder() {
        }

        /**
         * Records notify's meters (listed in {@link NotifyMeters}) on {@code registry}. Without
         * one (the default) nothing is measured.
         */
        public Builder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * How long a due outbox row may wait before {@link Notify#health} reports the outbox as
         * stuck; default 10 minutes.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder outboxStuckAfter(Duration bound) {
            Objects.requireNonNull(bound, "bound");
            if (bound.isNegative() || bound.isZero()) {
                throw new IllegalArgumentException("outboxStuckAfter must be > 0 but was " + bound);
            }
            this.outboxStuckAfter = bound;
            return this;
        }

        /** The templates that {@link SendRequest.Builder#template sends} may name; default none. */
        public Builder templates(TemplateRegistry templates) {
            this.templates = Objects.requireNonNull(templates, "templates");
            return this;
        }

        /**
         * Adds an out-of-band channel (email, Web Push). Each notification then gets one outbox row
         * per destination the channel names.
         *
         * @throws IllegalArgumentException if a channel of the same name was added already
         */
        public Builder channel(DeliveryChannel channel) {
            Objects.requireNonNull(channel, "channel");
            if (channels.putIfAbsent(channel.name(), channel) != null) {
                throw new IllegalArgumentException("a channel named '" + channel.name() + "' is already configured");
            }
            return this;
        }

        /**
         * Where email addresses, names, locales and time zones come from; default the profiles
         * kept in notify's database ({@link Notify#recipients()}).
         */
        public Builder recipientDirectory(RecipientDirectory directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Outbox workers, retries and retention; default {@link OutboxSettings#ofDefaults()}. */
        public Builder outbox(OutboxSettings settings) {
            this.outboxSettings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /**
         * Uses the host application's data source; notify creates its tables (prefixed
         * {@code notify_}, with their own migration history) there and never closes it.
         */
        public Builder dataSource(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            return this;
        }

        /**
         * A JDBC URL ({@code jdbc:h2:...} or {@code jdbc:postgresql://...}); notify pools it with
         * HikariCP and closes the pool on {@link Notify#close()}.
         */
        public Builder jdbcUrl(String jdbcUrl) {
            this.jdbcUrl = Objects.requireNonNull(jdbcUrl, "jdbcUrl");
            return this;
        }

        /** Directory for the default embedded H2 database; default {@code ./notify-data}. */
        public Builder dataDirectory(Path dataDirectory) {
            this.dataDirectory = Objects.requireNonNull(dataDirectory, "dataDirectory");
            return this;
        }

        /** Pool size when notify pools a JDBC URL; default {@value Notify#DEFAULT_POOL_SIZE}. */
        public Builder poolSize(int poolSize) {
            if (poolSize < 1) {
                throw new IllegalArgumentException("poolSize must be >= 1 but was " + poolSize);
            }
            this.poolSize = poolSize;
            return this;
        }

        /**
         * How long a caller waits for a connection when notify pools a JDBC URL (HikariCP's
         * {@code connectionTimeout}); also the connect timeout of the PostgreSQL listening
         * connection. Default 30 s; at least 250 ms.
         */
        public Builder connectionTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.toMillis() < 250) {
                throw new IllegalArgumentException("connectionTimeout must be >= 250 ms but was " + timeout);
            }
            this.connectionTimeout = timeout;
            return this;
        }

        /** The clock for created and read times; tests pass a fixed or movable one. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The bus that carries changes to stream hubs. Default: on PostgreSQL
         * {@link EventBus#postgres()}, so that every node sharing the database streams every change;
         * otherwise in-process ({@link EventBus#local()}). A single node on PostgreSQL may choose
         * {@link EventBus#local()} to save the listening connection and the NOTIFY statements.
         */
        public Builder eventBus(EventBus eventBus) {
            this.eventBus = Objects.requireNonNull(eventBus, "eventBus");
            return this;
        }

        /**
         * Default keep-alive interval for open streams; default 30 s. A connection gets a
         * keep-alive only after a whole interval without any write, and intervals are rounded up
         * to the hub's 50 ms tick.
         *
         * @throws IllegalArgumentException if {@code heartbeat} is zero or negative
         */
        public Builder heartbeat(Duration heartbeat) {
            Objects.requireNonNull(heartbeat, "heartbeat");
            if (heartbeat.isNegative() || heartbeat.isZero()) {
                throw new IllegalArgumentException("heartbeat must be > 0 but was " + heartbeat);
            }
            this.heartbeat = heartbeat;
            return this;
        }

        /** Events buffered per stream connection before it is closed as too slow; default 256. */
        public Builder streamQueueCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("streamQueueCapacity must be >= 1 but was " + capacity);
            }
            this.streamQueueCapacity = capacity;
            return this;
        }

        /** Threads writing to stream connections; default 16. */
        public Builder streamWriterThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("streamWriterThreads must be >= 1 but was " + threads);
            }
            this.streamWriterThreads = threads;
            return this;
        }

        /**
         * Connects, migrates the schema and starts the stream hub.
         *
         * @throws NotifyException with code {@code store_unavailable} if the database cannot be
         *                         reached or migrated
         */
        public Notify build() {
            if (dataSource != null && jdbcUrl != null) {
                throw new IllegalStateException("set either dataSource or jdbcUrl, not both");
            }
            if (dataSource != null) {
                EventBus bus = eventBus != null ? eventBus : busFor(dataSource);
                DataSource autoCommit = new dev.notify.internal.AutoCommitDataSource(dataSource);
                return start(autoCommit, "application data source", null, bus, autoCommit::getConnection);
            }
            String url = jdbcUrl != null ? jdbcUrl
                    : "jdbc:h2:file:" + dataDirectory.resolve("notify").toAbsolutePath();
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url);
            config.setMaximumPoolSize(poolSize);
            config.setConnectionTimeout(connectionTimeout.toMillis());
            config.setPoolName("notify");
            HikariDataSource pool;
            try {
                pool = new HikariDataSource(config);
            } catch (RuntimeException e) {
                throw new NotifyException("store_unavailable", "cannot connect to " + redact(url) + ": " + e.getMessage(), e);
            }
            try {
                EventBus bus = eventBus != null ? eventBus
                        : url.startsWith("jdbc:postgresql:") ? EventBus.postgres() : EventBus.local();
                return start(pool, redact(url), pool, bus, () -> listeningConnection(url));
            } catch (RuntimeException e) {
                pool.close();
                throw e instanceof NotifyException ne ? ne
                        : new NotifyException("store_unavailable", "cannot set up " + redact(url) + ": " + e.getMessage(), e);
            }
        }

        private Notify start(DataSource ds, String description, AutoCloseable owned, EventBus bus,
                             PostgresEventBus.ConnectionFactory listening) {
            if (bus instanceof PostgresEventBus pg) {
                pg.start(ds, listening);
            }
            // The constructor reads the bus from the builder; the builder keeps the caller's choice,
            // so that building twice never shares a default bus between two instances.
            EventBus chosen = eventBus;
            eventBus = bus;
            Notify notify;
            try {
                notify = new Notify(this, ds, description, owned);
            } catch (RuntimeException e) {
                if (bus != chosen) {
                    bus.close();
                }
                throw e;
            } finally {
                eventBus = chosen;
            }
            // A bus that lost events (its connection dropped) has every open stream read the store.
            bus.onEventsMissed(notify.hub::resyncAll);
            return notify;
        }

        /** The default bus on a host's data source: PostgreSQL's when the driver allows LISTEN. */
        private static EventBus busFor(DataSource ds) {
            try (Connection c = ds.getConnection()) {
                if (!"PostgreSQL".equalsIgnoreCase(c.getMetaData().getDatabaseProductName())) {
                    return EventBus.local();
                }
                if (c.isWrapperFor(org.postgresql.PGConnection.class)) {
                    return EventBus.postgres();
                }
                log.warn("the data source's connections do not unwrap to pgjdbc's PGConnection; streams reach"
                        + " clients of this node only (set eventBus(...) to choose)");
                return EventBus.local();
            } catch (java.sql.SQLException e) {
                throw new NotifyException("store_unavailable", "cannot connect to the application data source: "
                        + e.getMessage(), e);
            }
        }

        /** A connection of its own for LISTEN, outside the pool: it is held for the node's lifetime. */
        private Connection listeningConnection(String url) throws java.sql.SQLException {
            java.util.Properties defaults = new java.util.Properties();
            // Parameters in the URL win over these.
            defaults.setProperty("connectTimeout", Long.toString(Math.max(1, connectionTimeout.toSeconds())));
            defaults.setProperty("tcpKeepAlive", "true");
            return java.sql.DriverManager.getConnection(url, defaults);
        }

        /** A JDBC URL with the values of {@code password=} / {@code pwd=} parameters masked. */
        static String redact(String url) {
            return url.replaceAll("(?i)(password|pwd)=[^;&]*", "$1=***");
        }
    }
}
