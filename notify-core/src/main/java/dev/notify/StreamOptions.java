package dev.notify;

import java.time.Duration;

/**
 * How to open a real-time connection.
 *
 * @param resumeAfterSeq the last sequence number the client saw (the SSE {@code Last-Event-ID}),
 *                       to replay everything after it before live events; negative for live
 *                       events only
 * @param heartbeat      how often to write a keep-alive, or null for the {@link Notify} default
 */
public record StreamOptions(long resumeAfterSeq, Duration heartbeat) {
    public StreamOptions {
        if (heartbeat != null && (heartbeat.isNegative() || heartbeat.isZero())) {
            throw new IllegalArgumentException("heartbeat must be > 0 but was " + heartbeat);
        }
    }

    /** Live events only, default heartbeat. */
    public static StreamOptions live() {
        return new StreamOptions(-1, null);
    }

    /**
     * Replay every notification after {@code seq}, then live events.
     *
     * @param seq the last sequence number the client received, {@code >= 0} (0 replays everything)
     */
    public static StreamOptions resumeAfter(long seq) {
        if (seq < 0) {
            throw new IllegalArgumentException("seq must be >= 0 but was " + seq);
        }
        return new StreamOptions(seq, null);
    }

    public StreamOptions withHeartbeat(Duration interval) {
        return new StreamOptions(resumeAfterSeq, interval);
    }

    public boolean resumes() {
        return resumeAfterSeq >= 0;
    }
}
