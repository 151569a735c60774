package dev.notify.internal;

import dev.notify.EventBus;
import dev.notify.Health;
import dev.notify.RecipientDirectory;
import dev.notify.internal.pipeline.DeliveryDecider;
import dev.notify.internal.pipeline.SendPipeline;
import dev.notify.outbox.ChannelContext;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.outbox.OutboxSettings;
import dev.notify.template.TemplateRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The started parts of one notify instance, built from its settings on a {@linkplain NotifyWiring
 * connected database}: the store, the send pipeline, the outbox and its workers, the stream hub
 * listening on the event bus, and the housekeeping timer; with what spans them (health, housekeeping,
 * shutdown). {@code Notify}'s methods delegate here and to the parts.
 */
public final class NotifyRuntime implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NotifyRuntime.class);

    /**
     * What a builder configured, validated.
     *
     * @param directory       the host's directory, or null for notify's own profiles
     * @param meterRegistry   null: nothing is measured
     * @param maxOpenStreams  resolved (never 0)
     * @param maxStreamDuration null: no limit
     * @param nodeDirectory   where the outbox node id is kept, or null for none
     * @param groupCommit     whether concurrent sends share transactions; null: on PostgreSQL only
     */
    public record Settings(Clock clock, RecipientDirectory directory, TemplateRegistry templates,
                           Map<String, DeliveryChannel> channels, OutboxSettings outbox, MeterRegistry meterRegistry,
                           Duration outboxStuckAfter, int streamQueueCapacity, Duration heartbeat,
                           int streamWriterThreads, int maxStreamsPerRecipient, int maxOpenStreams,
                           Duration maxStreamDuration, Path nodeDirectory, Boolean groupCommit,
                           dev.notify.ActionListener actionListener) {
        public Settings {
            channels = Map.copyOf(channels);
        }
    }

    private final Settings settings;
    private final NotifyWiring.Database db;
    private final JdbiNotificationStore store;
    private final OutboxStore outboxStore;
    private final OutboxService outbox;
    private final JdbiRecipientProfiles profiles;
    private final JdbiPreferences preferences;
    private final JdbiTopics topics;
    private final SendPipeline pipeline;
    private final StreamHub hub;
    private final ScheduledThreadPoolExecutor housekeeping;
    private final SnoozeWaker snoozes;

    /**
     * Migrates the schema, starts the channels and the outbox workers, and subscribes the stream
     * hub to the bus. On failure the caller closes {@code db}.
     */
    public NotifyRuntime(Settings s, NotifyWiring.Database db) {
        this.settings = s;
        this.db = db;
        DataSource dataSource = db.dataSource();
        Clock clock = s.clock();
        JdbiNotificationStore.migrate(dataSource);
        this.store = new JdbiNotificationStore(dataSource);
        this.profiles = new JdbiRecipientProfiles(store.jdbi(), clock);
        RecipientDirectory directory = s.directory() != null ? s.directory() : profiles;
        this.preferences = new JdbiPreferences(store.jdbi(), clock);
        this.topics = new JdbiTopics(store.jdbi(), clock);
        DigestStore digests = new DigestStore(store.jdbi());
        for (DeliveryChannel channel : s.channels().values()) {
            channel.start(new ChannelContext(dataSource, clock));
        }
        this.outboxStore = new OutboxStore(store.jdbi());
        this.outbox = new OutboxService(outboxStore, s.channels(), s.outbox(), clock,
                new DeliveryDecider(outboxStore, digests, preferences, directory, s.templates()),
                NodeIdentity.choose(s.outbox().nodeId(), s.nodeDirectory()));
        this.pipeline = new SendPipeline(store, outboxStore, digests, topics, directory, preferences, s.templates(),
                s.channels(), db.bus(), outbox, clock,
                s.groupCommit() != null ? s.groupCommit() : store.postgres());
        this.hub = new StreamHub(store, clock, s.streamQueueCapacity(), s.heartbeat(), s.streamWriterThreads(),
                s.maxStreamsPerRecipient(), s.maxOpenStreams(), s.maxStreamDuration());
        if (s.meterRegistry() != null) {
            MicrometerMetrics micrometer = new MicrometerMetrics(s.meterRegistry());
            micrometer.bindStore(store.jdbi());
            micrometer.bindOutbox(outboxStore, s.channels().keySet(), clock);
            micrometer.bindStreams(hub);
            hub.metrics(micrometer);
            outbox.metrics(micrometer);
            pipeline.metrics(micrometer);
            if (db.bus() instanceof PostgresEventBus pg) {
                pg.onEchoLag(micrometer::busLag);
            }
        }
        db.bus().subscribe(hub::onEvent);
        outbox.start();
        this.snoozes = new SnoozeWaker(store, db.bus(), clock, s.outbox().pollInterval());
        snoozes.start();
        this.housekeeping = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "notify-housekeeping");
            t.setDaemon(true);
            return t;
        });
        long every = s.outbox().housekeepingInterval().toMillis();
        housekeeping.scheduleWithFixedDelay(this::housekeepQuietly, every, every, TimeUnit.MILLISECONDS);
        // A bus that lost events (its connection dropped) has every open stream read the store.
        db.bus().onEventsMissed(hub::resyncAll);
    }

    /**
     * Checks the channel set a builder was given before anything connects.
     *
     * @throws IllegalStateException if more than one channel takes digests
     */
    public static void checkChannels(Map<String, DeliveryChannel> channels) {
        List<String> digestChannels = channels.values().stream().filter(DeliveryChannel::takesDigests)
                .map(DeliveryChannel::name).toList();
        if (digestChannels.size() > 1) {
            // A recipient's digest is one per category and period, sent on one channel.
            throw new IllegalStateException("at most one channel may take digests but " + digestChannels
                    + " all do");
        }
    }

    public JdbiNotificationStore store() {
        return store;
    }

    public SendPipeline pipeline() {
        return pipeline;
    }

    /** Brings snoozed notifications back when they come due. */
    public SnoozeWaker snoozes() {
        return snoozes;
    }

    public StreamHub hub() {
        return hub;
    }

    public EventBus bus() {
        return db.bus();
    }

    public OutboxService outbox() {
        return outbox;
    }

    public JdbiRecipientProfiles profiles() {
        return profiles;
    }

    public JdbiPreferences preferences() {
        return preferences;
    }

    public JdbiTopics topics() {
        return topics;
    }

    public Settings settings() {
        return settings;
    }

    public String databaseDescription() {
        return db.description();
    }

    /** What one {@link #housekeep} run deleted. */
    public record Swept(int outboxRows, int notifications) {
    }

    /** Deletes what retention allows, now; see {@code Notify.housekeep()}. */
    public Swept housekeep() {
        Instant now = settings.clock().instant();
        int outboxRows = outbox.deleteExpired(now);
        Instant readBefore = now.minus(settings.outbox().readNotificationRetention());
        int notifications = store.deleteReadBefore(readBefore) + store.deleteExpired(now, readBefore);
        for (DeliveryChannel channel : settings.channels().values()) {
            channel.housekeep(now);
        }
        return new Swept(outboxRows, notifications);
    }

    private void housekeepQuietly() {
        try {
            Swept done = housekeep();
            log.debug("housekeeping deleted {} outbox rows and {} read notifications", done.outboxRows(),
                    done.notifications());
        } catch (RuntimeException e) {
            log.warn("housekeeping failed; will run again in {}", settings.outbox().housekeepingInterval(), e);
        }
    }

    /** The checks of {@code Notify.health(Duration)}; never throws. */
    public Health health(Duration timeout) {
        List<Health.Check> checks = new ArrayList<>();
        boolean dbUp = databaseAnswers(timeout, checks);
        if (db.bus() instanceof PostgresEventBus pg) {
            boolean listening = pg.isListening();
            checks.add(new Health.Check("event_bus", listening, listening ? "listening"
                    : "the LISTEN connection is down; other nodes' events do not reach this node's streams"));
        }
        if (dbUp && outbox.hasChannels()) {
            try {
                Instant now = settings.clock().instant();
                Instant oldest = outboxStore.oldestDue(now);
                Duration waited = oldest == null ? Duration.ZERO : Duration.between(oldest, now);
                Duration bound = settings.outboxStuckAfter();
                boolean ok = waited.compareTo(bound) <= 0;
                checks.add(new Health.Check("outbox", ok, ok ? "oldest due row waited " + waited.toSeconds() + " s"
                        : "oldest due row has waited " + waited.toSeconds() + " s, more than " + bound.toSeconds()
                        + " s"));
            } catch (RuntimeException e) {
                checks.add(new Health.Check("outbox", false, "cannot read the outbox: " + e.getMessage()));
            }
        }
        return new Health(checks);
    }

    private boolean databaseAnswers(Duration timeout, List<Health.Check> checks) {
        DataSource dataSource = db.dataSource();
        boolean dbUp = false;
        String detail;
        Connection c = null;
        try {
            c = dataSource.getConnection();
            dbUp = c.isValid((int) Math.max(1, timeout.toSeconds()));
            detail = dbUp ? "answers" : "did not answer within " + timeout;
        } catch (SQLException | RuntimeException e) {
            detail = "cannot connect: " + e.getMessage();
        }
        if (c != null) {
            if (!dbUp && dataSource instanceof com.zaxxer.hikari.HikariDataSource pool) {
                // A pooled connection that failed its check (e.g. its database was shut down) must not
                // be handed out again: the pool re-checks a connection only after it sat idle a while.
                pool.evictConnection(c);
            } else {
                try {
                    c.close();
                } catch (SQLException | RuntimeException e) {
                    log.debug("closing the health check's connection failed", e);
                }
            }
        }
        checks.add(new Health.Check("database", dbUp, detail));
        return dbUp;
    }

    /** Stops housekeeping, the outbox, the channels, the streams, the bus and the pool notify created. */
    @Override
    public void close() {
        housekeeping.shutdownNow();
        snoozes.close();
        outbox.close();
        for (DeliveryChannel channel : settings.channels().values()) {
            try {
                channel.close();
            } catch (Exception e) {
                log.warn("closing channel {} failed", channel.name(), e);
            }
        }
        hub.close();
        try {
            db.bus().close();
        } catch (Exception e) {
            log.warn("closing the event bus failed", e);
        }
        if (db.owned() != null) {
            try {
                db.owned().close();
            } catch (Exception e) {
                log.warn("closing the connection pool failed", e);
            }
        }
    }
}
