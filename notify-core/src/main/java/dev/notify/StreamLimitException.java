package dev.notify;

/**
 * A new real-time connection was refused because a cap on open connections was reached (see
 * {@link Notify.Builder#maxStreamsPerRecipient} and {@link Notify.Builder#maxOpenStreams}). No
 * connection was registered and the sink was closed. Nothing about existing connections changes:
 * the caller may try again once one of them has closed.
 */
public final class StreamLimitException extends NotifyException {
    /** Which cap refused the connection. */
    public enum Limit {
        /**
         * The recipient already has {@link #max()} open connections on this node. HTTP maps this
         * to 429 (code {@code too_many_streams}).
         */
        PER_RECIPIENT("too_many_streams"),
        /**
         * This node already holds {@link #max()} open connections across all recipients. HTTP maps
         * this to 503 (code {@code streams_unavailable}).
         */
        TOTAL("streams_unavailable");

        private final String code;

        Limit(String code) {
            this.code = code;
        }
    }

    private final Limit limit;
    private final int max;

    private StreamLimitException(Limit limit, int max, String message) {
        super(limit.code, message);
        this.limit = limit;
        this.max = max;
    }

    /** The recipient already has {@code max} open connections. */
    public static StreamLimitException perRecipient(String recipient, int max) {
        return new StreamLimitException(Limit.PER_RECIPIENT, max, "recipient '" + recipient + "' already has " + max
                + " open streams, the most allowed; close one (e.g. another tab) and try again");
    }

    /** This node already holds {@code max} open connections. */
    public static StreamLimitException total(int max) {
        return new StreamLimitException(Limit.TOTAL, max, "this server already holds " + max
                + " open streams, the most it allows; try again later");
    }

    /** Which cap was reached. */
    public Limit limit() {
        return limit;
    }

    /** The cap that was reached, in open connections. */
    public int max() {
        return max;
    }
}
