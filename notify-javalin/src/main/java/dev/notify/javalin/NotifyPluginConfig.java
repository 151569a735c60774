package dev.notify.javalin;

import dev.notify.Notify;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of {@link NotifyPlugin}, filled in by the {@code Consumer} given to its constructor.
 * Public fields, as Javalin's own config objects; {@link #validate()} runs when the plugin starts.
 */
public final class NotifyPluginConfig {
    /** Where the notifications API is mounted. */
    public static final String DEFAULT_BASE_PATH = "/api/v1/notifications";
    /** Largest request body accepted, in bytes: 64 KiB. */
    public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;
    /** Where the WebSocket endpoint is mounted. */
    public static final String DEFAULT_WS_PATH = "/ws/notifications";
    /** How often each WebSocket is pinged: 15 s, well inside the usual 60 s proxy idle timeouts. */
    public static final Duration DEFAULT_WS_PING = Duration.ofSeconds(15);
    /** {@code Retry-After} on a stream request refused for too many open streams: 5 s. */
    public static final Duration DEFAULT_STREAM_RETRY_AFTER = Duration.ofSeconds(5);
    /** How long a client may take to send a request's header: 20 s. */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(20);
    /** How long a stream ticket may wait to be used: 30 s. */
    public static final Duration DEFAULT_TICKET_TTL = Duration.ofSeconds(30);

    /** The notify instance to serve; required. The plugin does not close it. */
    public Notify notify;
    /**
     * Verifies bearer tokens; required. Usually a {@link JwtAuthenticator}: HS256 with a shared
     * secret and/or RS256/ES256 from an identity provider's JWKS URL, {@code exp} required within a
     * maximum lifetime, optional issuer and audience checks, a configurable user id claim
     * ({@link JwtAuthenticator#builder()}).
     */
    public Authenticator authenticator;
    /** Base path of the API; default {@value #DEFAULT_BASE_PATH}. */
    public String basePath = DEFAULT_BASE_PATH;
    /** SSE keep-alive interval; default 30 s. */
    public Duration heartbeat = Notify.DEFAULT_HEARTBEAT;
    /** Largest request body, in bytes; larger ones get 413. Default 64 KiB. */
    public int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    /** Where the admin API (outbox) is mounted; calls need the {@code admin} scope. */
    public String adminPath = "/api/v1/admin";
    /** Where recipient profiles are set by publishers ({@code PUT {recipientsPath}/{user_id}}). */
    public String recipientsPath = "/api/v1/recipients";
    /** Where template previews are mounted (scope {@code publish}); null to mount none. */
    public String templatesPath = "/api/v1/templates";
    /** Where topic membership is managed (scope {@code publish}); null to mount none. */
    public String topicsPath = "/api/v1/topics";
    /**
     * Verifies the tokens of one-click unsubscribe links ({@code {basePath}/unsubscribe}); null
     * leaves that endpoint answering 404. Must be built with the secret the email channel signs with.
     */
    public dev.notify.email.UnsubscribeTokens unsubscribeTokens;
    /** Path of the health check, or null to not mount one. Default {@code /health}. */
    public String healthPath = "/health";
    /** SSE {@code retry:} hint sent to clients, the reconnect delay browsers use. Default 3 s. */
    public Duration sseRetry = Duration.ofSeconds(3);

    /**
     * Path of the WebSocket endpoint (its JSON messages are in {@code docs/protocol.md}), or null to not mount one. Default
     * {@value #DEFAULT_WS_PATH}.
     */
    public String wsPath = DEFAULT_WS_PATH;
    /**
     * How often the server sends each WebSocket a ping frame (RFC 6455 section 5.5.2), so proxies
     * keep idle connections open and dead ones are found. Default 15 s.
     */
    public Duration wsPing = DEFAULT_WS_PING;
    /**
     * Largest WebSocket text message accepted, in bytes; a larger one closes the socket with
     * status 1009 (message too big). Default 64 KiB.
     */
    public int wsMaxMessageBytes = DEFAULT_MAX_BODY_BYTES;
    /**
     * How long a ticket from {@code POST {basePath}/sse/ticket} stays valid; each works once.
     * Default 30 s.
     */
    public Duration ticketTtl = DEFAULT_TICKET_TTL;
    /**
     * Browser origins allowed to call the API from their pages (CORS), e.g. the server's
     * {@code FRONTEND_URL}: {@code scheme://host[:port]}, a trailing slash is ignored; {@code "*"}
     * allows any origin. Empty (the default) sends no CORS headers, so only same-origin pages
     * can call the API. The JS client at {@code /notify-client.js} may be loaded from any origin.
     */
    public List<String> corsOrigins = List.of();
    /**
     * Path of the web inbox page, or null to serve neither the page nor its assets. The page's
     * assets and the JS client are served at fixed paths ({@code /notify-client.js},
     * {@code /notify-inbox.js}, {@code /notify-inbox.css}) whatever this path is. Default {@code /};
     * an application that serves its own {@code /} moves the page (e.g. {@code /notifications})
     * or sets null.
     */
    public String webPath = "/";
    /**
     * {@code Retry-After} sent with a refused stream request: 429 {@code too_many_streams} when the
     * user holds {@link Notify.Builder#maxStreamsPerRecipient} streams, 503
     * {@code streams_unavailable} when the server holds {@link Notify.Builder#maxOpenStreams}.
     * Whole seconds, at least 1. Default 5 s.
     */
    public Duration streamRetryAfter = DEFAULT_STREAM_RETRY_AFTER;
    /**
     * Longest a client may take to send one request's header (or, on a new connection, to start
     * sending one) before its connection is closed, against "slow loris" clients that trickle
     * header lines to hold sockets. Applies to the whole Javalin server the plugin is installed in
     * (HTTP/1 connectors). While 64 or more connections wait on a header at once (a flood; real
     * clients send a header in one packet), each may take at most 2 s, or this timeout if shorter.
     * Null leaves Jetty alone. Default 20 s.
     */
    public Duration headerTimeout = DEFAULT_HEADER_TIMEOUT;
    /**
     * Path of the admin page (plain HTML, its data from the admin API, every call with an
     * {@code admin} token), or null to serve none. Default {@code /admin}.
     */
    public String adminPagePath = "/admin";
    /** Request rate limits; default {@link RateLimits#ofDefaults()}, {@link RateLimits#none()} for none. */
    public RateLimits limits = RateLimits.ofDefaults();
    /**
     * Where {@code GET} Prometheus text is served (scope {@code admin}) when {@link #prometheus} is set.
     * Default {@code /metrics}.
     */
    public String metricsPath = "/metrics";
    /**
     * The registry whose meters {@link #metricsPath} serves; null (the default) serves none, e.g.
     * when a separate management port serves them.
     */
    public io.micrometer.prometheusmetrics.PrometheusMeterRegistry prometheus;
    /** The clock that decides when tickets expire; null (the default) uses {@link Notify#clock()}. */
    public Clock clock;
    /**
     * Checks that {@code GET {healthPath}/ready} adds to {@link Notify#health}'s, each asked on every
     * readiness request (e.g. a warm-up that has not finished); empty by default.
     */
    public List<java.util.function.Supplier<dev.notify.Health.Check>> readinessChecks = List.of();

    /** The clock in effect: {@link #clock}, or the notify instance's. */
    public Clock effectiveClock() {
        return clock != null ? clock : notify.clock();
    }

    /** @throws IllegalArgumentException naming the first setting that is missing or out of range */
    public void validate() {
        if (notify == null) {
            throw new IllegalArgumentException("notify must be set");
        }
        if (authenticator == null) {
            throw new IllegalArgumentException("authenticator must be set");
        }
        Objects.requireNonNull(basePath, "basePath");
        if (!basePath.startsWith("/") || basePath.endsWith("/")) {
            throw new IllegalArgumentException("basePath must start with '/' and not end with one but was '" + basePath + "'");
        }
        if (heartbeat == null || heartbeat.isZero() || heartbeat.isNegative()) {
            throw new IllegalArgumentException("heartbeat must be > 0 but was " + heartbeat);
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("maxBodyBytes must be >= 1024 but was " + maxBodyBytes);
        }
        if (sseRetry == null || sseRetry.isNegative()) {
            throw new IllegalArgumentException("sseRetry must be >= 0 but was " + sseRetry);
        }
        if (wsPath != null && (!wsPath.startsWith("/") || wsPath.length() < 2)) {
            throw new IllegalArgumentException("wsPath must start with '/' but was '" + wsPath + "'");
        }
        if (wsPing == null || wsPing.isZero() || wsPing.isNegative()) {
            throw new IllegalArgumentException("wsPing must be > 0 but was " + wsPing);
        }
        if (wsMaxMessageBytes < 1024) {
            throw new IllegalArgumentException("wsMaxMessageBytes must be >= 1024 but was " + wsMaxMessageBytes);
        }
        if (ticketTtl == null || ticketTtl.isZero() || ticketTtl.isNegative()) {
            throw new IllegalArgumentException("ticketTtl must be > 0 but was " + ticketTtl);
        }
        if (streamRetryAfter == null || streamRetryAfter.isNegative()) {
            throw new IllegalArgumentException("streamRetryAfter must be >= 0 but was " + streamRetryAfter);
        }
        if (headerTimeout != null && (headerTimeout.isZero() || headerTimeout.isNegative())) {
            throw new IllegalArgumentException("headerTimeout must be > 0 or null but was " + headerTimeout);
        }
        if (webPath != null && !webPath.startsWith("/")) {
            throw new IllegalArgumentException("webPath must start with '/' but was '" + webPath + "'");
        }
        Objects.requireNonNull(corsOrigins, "corsOrigins");
        Objects.requireNonNull(limits, "limits");
        for (String origin : corsOrigins) {
            normalizeOrigin(origin);
        }
    }

    /**
     * An origin as browsers send it in {@code Origin}: {@code scheme://host[:port]}, lower case,
     * no trailing slash; {@code "*"} unchanged.
     *
     * @throws IllegalArgumentException if the value is not an http(s) origin
     */
    public static String normalizeOrigin(String origin) {
        if (origin == null || origin.isBlank()) {
            throw new IllegalArgumentException("a CORS origin must not be blank");
        }
        String value = origin.trim();
        if (value.equals("*")) {
            return value;
        }
        if (value.endsWith("/")) {
            value = value.substring(0, value.length() - 1);
        }
        URI uri;
        try {
            uri = URI.create(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("CORS origin must be scheme://host[:port] but was '" + origin + "'");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                || (uri.getRawPath() != null && !uri.getRawPath().isEmpty()) || uri.getRawQuery() != null
                || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("CORS origin must be scheme://host[:port] but was '" + origin + "'");
        }
        return scheme + "://" + uri.getHost().toLowerCase(java.util.Locale.ROOT)
                + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
    }
}
