package dev.notify;

/**
 * The names of the meters notify records on the {@link io.micrometer.core.instrument.MeterRegistry}
 * given to {@link Notify.Builder#meterRegistry}. With no registry nothing is measured. Prometheus
 * names are these with dots as underscores, counters suffixed {@code _total} and base units
 * appended by Micrometer (e.g. {@code notify_send_duration_seconds}).
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>unit</th><th>tags</th><th>what</th></tr>
 * <tr><td>{@value #SENDS}</td><td>counter</td><td>sends</td><td></td><td>send calls committed (one per {@code send}, whatever its recipients)</td></tr>
 * <tr><td>{@value #NOTIFICATIONS}</td><td>counter</td><td>notifications</td><td></td><td>notifications stored</td></tr>
 * <tr><td>{@value #SEND_DURATION}</td><td>timer</td><td>seconds</td><td></td><td>time of {@code Notify.send}, rendering to commit</td></tr>
 * <tr><td>{@value #DELIVERIES}</td><td>counter</td><td>deliveries</td><td>{@code channel}, {@code outcome}: {@code delivered}, {@code retry}, {@code dead}, {@code gone}, {@code dropped}</td><td>outbox rows' outcomes</td></tr>
 * <tr><td>{@value #CHANNEL_DURATION}</td><td>timer</td><td>seconds</td><td>{@code channel}</td><td>time a channel spent on one batch: the SMTP session, the push service requests</td></tr>
 * <tr><td>{@value #OUTBOX_PENDING}</td><td>gauge</td><td>rows</td><td>{@code channel}</td><td>rows pending or waiting to retry</td></tr>
 * <tr><td>{@value #OUTBOX_DEAD}</td><td>gauge</td><td>rows</td><td>{@code channel}</td><td>dead rows (kept for the dead retention)</td></tr>
 * <tr><td>{@value #OUTBOX_OLDEST_AGE}</td><td>gauge</td><td>seconds</td><td></td><td>how long the oldest due row has waited past its due time; 0 when none is due</td></tr>
 * <tr><td>{@value #STREAMS_OPEN}</td><td>gauge</td><td>connections</td><td>{@code transport}: {@code sse}, {@code websocket}, ...</td><td>open real-time connections on this node</td></tr>
 * <tr><td>{@value #STREAM_DROPPED}</td><td>counter</td><td>connections</td><td>{@code reason}: {@code slow_consumer}, {@code client_gone}, {@code server_error}</td><td>connections closed without being asked to</td></tr>
 * <tr><td>{@value #HEARTBEAT_LAG}</td><td>timer</td><td>seconds</td><td></td><td>how late each 50 ms heartbeat tick ran</td></tr>
 * <tr><td>{@value #EVENT_BUS_LAG}</td><td>timer</td><td>seconds</td><td></td><td>PostgreSQL only: from publishing an event to this node hearing its own NOTIFY back</td></tr>
 * <tr><td>{@value #STORE_QUERY}</td><td>timer</td><td>seconds</td><td></td><td>each SQL statement notify runs</td></tr>
 * </table>
 *
 * <p>The server adds {@value #RATE_LIMITED} (counter, tag {@code limit}), Jetty's and the JVM's meters.
 */
public final class NotifyMeters {
    public static final String SENDS = "notify.sends";
    public static final String NOTIFICATIONS = "notify.notifications";
    public static final String SEND_DURATION = "notify.send.duration";
    public static final String DELIVERIES = "notify.deliveries";
    public static final String CHANNEL_DURATION = "notify.channel.duration";
    public static final String OUTBOX_PENDING = "notify.outbox.pending";
    public static final String OUTBOX_DEAD = "notify.outbox.dead";
    public static final String OUTBOX_OLDEST_AGE = "notify.outbox.oldest.age";
    public static final String STREAMS_OPEN = "notify.streams.open";
    public static final String STREAM_DROPPED = "notify.stream.dropped";
    public static final String HEARTBEAT_LAG = "notify.heartbeat.lag";
    public static final String EVENT_BUS_LAG = "notify.event.bus.lag";
    public static final String STORE_QUERY = "notify.store.query";
    /** Requests refused by a rate limit of the HTTP server (tag {@code limit}). */
    public static final String RATE_LIMITED = "notify.rate.limited";

    private NotifyMeters() {
    }
}
