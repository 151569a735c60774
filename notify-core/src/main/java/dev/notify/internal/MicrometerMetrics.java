package dev.notify.internal;

import dev.notify.NotifyMeters;
import dev.notify.outbox.OutboxStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.SqlStatements;
import org.jdbi.v3.core.statement.StatementContext;

/** {@link Metrics} on a Micrometer registry; the meters are those of {@link NotifyMeters}. */
public final class MicrometerMetrics implements Metrics {
    /** The outbox gauges read one snapshot, taken at most this often. */
    private static final long SNAPSHOT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final MeterRegistry registry;
    private final Counter sends;
    private final Counter notifications;
    private final Timer sendTime;
    private final Timer heartbeatLag;
    private final Timer busLag;
    private final Map<String, Counter> deliveries = new ConcurrentHashMap<>();
    private final Map<String, Timer> channelTimes = new ConcurrentHashMap<>();
    private final Map<String, Counter> dropped = new ConcurrentHashMap<>();
    private OutboxStore outbox;
    private Clock clock;
    private volatile Snapshot snapshot;

    public MicrometerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.sends = Counter.builder(NotifyMeters.SENDS).baseUnit("sends").description("send calls committed")
                .register(registry);
        this.notifications = Counter.builder(NotifyMeters.NOTIFICATIONS).baseUnit("notifications")
                .description("notifications stored").register(registry);
        this.sendTime = Timer.builder(NotifyMeters.SEND_DURATION).description("time of one send, rendering to commit")
                .register(registry);
        this.heartbeatLag = Timer.builder(NotifyMeters.HEARTBEAT_LAG).description("how late each heartbeat tick ran")
                .register(registry);
        this.busLag = Timer.builder(NotifyMeters.EVENT_BUS_LAG)
                .description("from publishing an event to hearing its NOTIFY back").register(registry);
    }

    /** Registers the outbox gauges: pending and dead rows per channel, the oldest due row's wait. */
    public void bindOutbox(OutboxStore store, Collection<String> channels, Clock clock) {
        this.outbox = store;
        this.clock = clock;
        for (String channel : channels) {
            gauge(NotifyMeters.OUTBOX_PENDING, "rows", "rows pending or waiting to retry", channel,
                    s -> s.count(channel, OutboxStatus.PENDING) + s.count(channel, OutboxStatus.RETRYING));
            gauge(NotifyMeters.OUTBOX_DEAD, "rows", "dead rows", channel, s -> s.count(channel, OutboxStatus.DEAD));
        }
        Gauge.builder(NotifyMeters.OUTBOX_OLDEST_AGE, this, m -> m.snapshot().oldestAgeSeconds())
                .baseUnit("seconds").description("how long the oldest due outbox row has waited past its due time")
                .register(registry);
    }

    /** Registers {@link NotifyMeters#STREAMS_OPEN} per transport the hub has seen. */
    public void bindStreams(StreamHub hub) {
        hub.onTransport(transport -> Gauge.builder(NotifyMeters.STREAMS_OPEN, hub, h -> h.openConnections(transport))
                .tag("transport", transport).baseUnit("connections").description("open real-time connections")
                .register(registry));
    }

    /** Times every statement run through {@code jdbi} as {@link NotifyMeters#STORE_QUERY}. */
    public void bindStore(Jdbi jdbi) {
        Timer queries = Timer.builder(NotifyMeters.STORE_QUERY).description("SQL statements notify runs")
                .register(registry);
        jdbi.getConfig(SqlStatements.class).setSqlLogger(new SqlLogger() {
            @Override
            public void logAfterExecution(StatementContext context) {
                queries.record(context.getElapsedTime(java.time.temporal.ChronoUnit.NANOS), TimeUnit.NANOSECONDS);
            }
        });
    }

    private void gauge(String name, String unit, String description, String channel, ToDoubleFunction<Snapshot> f) {
        Gauge.builder(name, this, m -> f.applyAsDouble(m.snapshot())).tag("channel", channel).baseUnit(unit)
                .description(description).register(registry);
    }

    private Snapshot snapshot() {
        Snapshot s = snapshot;
        long now = System.nanoTime();
        if (s == null || now - s.takenNanos > SNAPSHOT_NANOS) {
            try {
                Instant at = clock.instant();
                Instant oldest = outbox.oldestDue(at);
                s = new Snapshot(now, outbox.counts(),
                        oldest == null ? 0 : Math.max(0, Duration.between(oldest, at).toMillis() / 1000.0));
            } catch (RuntimeException e) {
                // The database is down: the gauges read NaN, as Prometheus expects of unknown values.
                s = new Snapshot(now, null, Double.NaN);
            }
            snapshot = s;
        }
        return s;
    }

    private record Snapshot(long takenNanos, Map<String, Map<OutboxStatus, Long>> counts, double oldestAgeSeconds) {
        double count(String channel, OutboxStatus status) {
            if (counts == null) {
                return Double.NaN;
            }
            return counts.getOrDefault(channel, Map.of()).getOrDefault(status, 0L);
        }
    }

    @Override
    public void sent(int n) {
        sends.increment();
        notifications.increment(n);
    }

    @Override
    public void sendTime(long nanos) {
        sendTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void delivery(String channel, String outcome) {
        deliveries.computeIfAbsent(channel + '\0' + outcome, k -> Counter.builder(NotifyMeters.DELIVERIES)
                .tag("channel", channel).tag("outcome", outcome).baseUnit("deliveries")
                .description("outbox rows' outcomes").register(registry)).increment();
    }

    @Override
    public void channelTime(String channel, long nanos) {
        channelTimes.computeIfAbsent(channel, k -> Timer.builder(NotifyMeters.CHANNEL_DURATION).tag("channel", channel)
                .description("time a channel spent on one batch of deliveries").register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void streamDropped(String reason) {
        dropped.computeIfAbsent(reason, k -> Counter.builder(NotifyMeters.STREAM_DROPPED).tag("reason", reason)
                .description("stream connections closed without being asked to")
                .register(registry)).increment();
    }

    @Override
    public void heartbeatLag(long nanos) {
        heartbeatLag.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    @Override
    public void busLag(long nanos) {
        busLag.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    @Override
    public boolean enabled() {
        return true;
    }
}
