package dev.notify.internal;

/**
 * Where notify's code reports what it does, for meters. {@link #NONE} (used when no meter
 * registry is configured) ignores everything, so an application without metrics pays for an
 * empty interface call and nothing else.
 */
public interface Metrics {
    /** Records nothing. */
    Metrics NONE = new Metrics() {
    };

    /** One send call committed, with how many notifications it stored. */
    default void sent(int notifications) {
    }

    /** How long one {@code Notify.send} took, in nanoseconds. */
    default void sendTime(long nanos) {
    }

    /** One outbox row's outcome: delivered, retry, dead, gone or dropped. */
    default void delivery(String channel, String outcome) {
    }

    /** How long one channel took over one batch of deliveries (an SMTP session, the push requests). */
    default void channelTime(String channel, long nanos) {
    }

    /** A stream connection closed without being asked to: slow_consumer, client_gone or server_error. */
    default void streamDropped(String reason) {
    }

    /** How late a heartbeat tick ran, in nanoseconds. */
    default void heartbeatLag(long nanos) {
    }

    /** How long an event took from publish on this node to this node hearing it back from PostgreSQL. */
    default void busLag(long nanos) {
    }

    /** Whether anything is recorded: code that must measure first asks this. */
    default boolean enabled() {
        return false;
    }
}
