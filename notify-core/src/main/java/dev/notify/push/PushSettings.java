package dev.notify.push;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How the Web Push channel runs: VAPID identity, message headers, which endpoints are allowed,
 * HTTP timeouts and subscription housekeeping. Immutable; build with {@link #builder()}:
 * <pre>{@code
 * PushSettings settings = PushSettings.builder()
 *         .keys(VapidKeys.fromEnvironment().orElseGet(() -> VapidKeys.loadOrCreate(Path.of("data/vapid.pem"))))
 *         .subject("mailto:ops@example.com")
 *         .build();
 * }</pre>
 */
public final class PushSettings {
    /**
     * How long a push service keeps an undelivered message (the {@code TTL} header, RFC 8030
     * section 5.2) when not configured: one day.
     */
    public static final Duration DEFAULT_TTL = Duration.ofDays(1);
    /** Longest TTL accepted: 28 days, the most the large push services keep a message. */
    public static final Duration MAX_TTL = Duration.ofDays(28);
    /** Time to open a connection to a push service. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Time for a push service to answer one message, connection included. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(15);
    /** A subscription with no accepted message this long after it was made is deleted. */
    public static final Duration DEFAULT_EXPIRE_UNCONFIRMED_AFTER = Duration.ofDays(30);
    /** A subscription whose last accepted message is this old is deleted. */
    public static final Duration DEFAULT_EXPIRE_INACTIVE_AFTER = Duration.ofDays(90);

    private final VapidKeys keys;
    private final VapidSubject subject;
    private final Duration ttl;
    private final boolean allowPrivateEndpoints;
    private final boolean allowHttp;
    private final Clock clock;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final int maxSubscriptionsPerRecipient;
    private final Duration expireUnconfirmedAfter;
    private final Duration expireInactiveAfter;
    private final String icon;

    private PushSettings(Builder b) {
        this.keys = b.keys;
        this.subject = b.subject;
        this.ttl = b.ttl;
        this.allowPrivateEndpoints = b.allowPrivateEndpoints;
        this.allowHttp = b.allowHttp;
        this.clock = b.clock;
        this.connectTimeout = b.connectTimeout;
        this.requestTimeout = b.requestTimeout;
        this.maxSubscriptionsPerRecipient = b.maxSubscriptionsPerRecipient;
        this.expireUnconfirmedAfter = b.expireUnconfirmedAfter;
        this.expireInactiveAfter = b.expireInactiveAfter;
        this.icon = b.icon;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder with keys and subject read from the environment ({@value VapidKeys#PUBLIC_KEY_ENV},
     * {@value VapidKeys#PRIVATE_KEY_ENV}, {@value VapidSubject#ENV}), where set.
     *
     * @param env variable names to values, e.g. {@code System.getenv()}
     * @throws IllegalArgumentException if a value is malformed; the message names the variable
     */
    public static Builder fromEnvironment(Map<String, String> env) {
        Builder b = builder();
        VapidKeys.fromEnvironment(env).ifPresent(b::keys);
        String subject = env.get(VapidSubject.ENV);
        if (subject != null && !subject.isBlank()) {
            try {
                b.subject(VapidSubject.of(subject));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(VapidSubject.ENV + ": " + e.getMessage(), e);
            }
        }
        return b;
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.keys = keys;
        b.subject = subject;
        b.ttl = ttl;
        b.allowPrivateEndpoints = allowPrivateEndpoints;
        b.allowHttp = allowHttp;
        b.clock = clock;
        b.connectTimeout = connectTimeout;
        b.requestTimeout = requestTimeout;
        b.maxSubscriptionsPerRecipient = maxSubscriptionsPerRecipient;
        b.expireUnconfirmedAfter = expireUnconfirmedAfter;
        b.expireInactiveAfter = expireInactiveAfter;
        b.icon = icon;
        return b;
    }

    /** The VAPID key pair. */
    public VapidKeys keys() {
        return keys;
    }

    /** The VAPID {@code sub} claim. */
    public VapidSubject subject() {
        return subject;
    }

    /** The {@code TTL} header (RFC 8030 section 5.2): how long a push service keeps an undelivered message. */
    public Duration ttl() {
        return ttl;
    }

    /** Whether endpoints on loopback, private, link-local... addresses are accepted (tests, intranets). */
    public boolean allowPrivateEndpoints() {
        return allowPrivateEndpoints;
    }

    /** Whether plain {@code http} endpoints are accepted (tests only: real push services use https). */
    public boolean allowHttp() {
        return allowHttp;
    }

    /** The clock for VAPID token expiry and subscription times, if set; else notify's. */
    public Optional<Clock> clock() {
        return Optional.ofNullable(clock);
    }

    /** Time to open a connection to a push service. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Time for a push service to answer one message. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** Subscriptions one recipient may keep (one per browser profile and device). */
    public int maxSubscriptionsPerRecipient() {
        return maxSubscriptionsPerRecipient;
    }

    /** Never-confirmed subscriptions are deleted by housekeeping this long after creation; null: never. */
    public Duration expireUnconfirmedAfter() {
        return expireUnconfirmedAfter;
    }

    /** Subscriptions are deleted by housekeeping this long after their last accepted message; null: never. */
    public Duration expireInactiveAfter() {
        return expireInactiveAfter;
    }

    /** Icon URL put in every payload unless a notification's {@code data.icon} names one; may be null. */
    public String icon() {
        return icon;
    }

    @Override
    public String toString() {
        return "PushSettings[keys=" + keys + ", subject=" + subject + ", ttl=" + ttl + ", allowPrivateEndpoints="
                + allowPrivateEndpoints + ", allowHttp=" + allowHttp + ", requestTimeout=" + requestTimeout + "]";
    }

    /** Builds {@link PushSettings}; every setter has a default except {@link #keys} and {@link #subject}. */
    public static final class Builder {
        private VapidKeys keys;
        private VapidSubject subject;
        private Duration ttl = DEFAULT_TTL;
        private boolean allowPrivateEndpoints;
        private boolean allowHttp;
        private Clock clock;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private int maxSubscriptionsPerRecipient = PushSubscriptionStore.DEFAULT_MAX_PER_RECIPIENT;
        private Duration expireUnconfirmedAfter = DEFAULT_EXPIRE_UNCONFIRMED_AFTER;
        private Duration expireInactiveAfter = DEFAULT_EXPIRE_INACTIVE_AFTER;
        private String icon;

        private Builder() {
        }

        /** The VAPID key pair (required). */
        public Builder keys(VapidKeys keys) {
            this.keys = Objects.requireNonNull(keys, "keys");
            return this;
        }

        /** The VAPID subject (required): a {@code mailto:} address or {@code https:} URL. */
        public Builder subject(VapidSubject subject) {
            this.subject = Objects.requireNonNull(subject, "subject");
            return this;
        }

        /**
         * The VAPID subject (required).
         *
         * @throws IllegalArgumentException as {@link VapidSubject#VapidSubject(String)}
         */
        public Builder subject(String subject) {
            return subject(VapidSubject.of(subject));
        }

        /** The {@code TTL} header, whole seconds from 0 to {@link #MAX_TTL}; default {@link #DEFAULT_TTL}. */
        public Builder ttl(Duration ttl) {
            this.ttl = ttl;
            return this;
        }

        /** Accept endpoints on loopback and private networks; default false. */
        public Builder allowPrivateEndpoints(boolean allow) {
            this.allowPrivateEndpoints = allow;
            return this;
        }

        /** Accept plain {@code http} endpoints; default false. */
        public Builder allowHttp(boolean allow) {
            this.allowHttp = allow;
            return this;
        }

        /** The clock to use instead of notify's (tests move it to expire VAPID tokens). */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** Connection timeout, {@code > 0}; default {@link #DEFAULT_CONNECT_TIMEOUT}. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** Per-message timeout, {@code > 0}; default {@link #DEFAULT_REQUEST_TIMEOUT}. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        /** Subscriptions per recipient, {@code >= 1}; default {@value PushSubscriptionStore#DEFAULT_MAX_PER_RECIPIENT}. */
        public Builder maxSubscriptionsPerRecipient(int max) {
            this.maxSubscriptionsPerRecipient = max;
            return this;
        }

        /**
         * Housekeeping ages: never-confirmed subscriptions older than {@code unconfirmed}, and
         * subscriptions whose last success is older than {@code inactive}, are deleted; null keeps
         * them. Defaults {@link #DEFAULT_EXPIRE_UNCONFIRMED_AFTER}, {@link #DEFAULT_EXPIRE_INACTIVE_AFTER}.
         */
        public Builder expireAfter(Duration unconfirmed, Duration inactive) {
            this.expireUnconfirmedAfter = unconfirmed;
            this.expireInactiveAfter = inactive;
            return this;
        }

        /** Default icon URL for payloads; none by default. */
        public Builder icon(String icon) {
            this.icon = icon == null || icon.isBlank() ? null : icon;
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the missing or bad value
         */
        public PushSettings build() {
            if (keys == null) {
                throw new IllegalArgumentException("keys are required: set " + VapidKeys.PUBLIC_KEY_ENV + " and "
                        + VapidKeys.PRIVATE_KEY_ENV + ", or use VapidKeys.loadOrCreate(file) to keep generated keys");
            }
            if (subject == null) {
                throw new IllegalArgumentException("subject is required (" + VapidSubject.ENV + "): a mailto: "
                        + "address or https: URL where push services can reach you; Apple's push service rejects "
                        + "messages without one");
            }
            if (ttl == null || ttl.isNegative() || ttl.compareTo(MAX_TTL) > 0 || ttl.getNano() != 0) {
                throw new IllegalArgumentException("ttl must be whole seconds between 0 and " + MAX_TTL + " but was " + ttl);
            }
            requirePositive("connectTimeout", connectTimeout);
            requirePositive("requestTimeout", requestTimeout);
            if (maxSubscriptionsPerRecipient < 1) {
                throw new IllegalArgumentException("maxSubscriptionsPerRecipient must be >= 1 but was "
                        + maxSubscriptionsPerRecipient);
            }
            if (expireUnconfirmedAfter != null) {
                requirePositive("expireUnconfirmedAfter", expireUnconfirmedAfter);
            }
            if (expireInactiveAfter != null) {
                requirePositive("expireInactiveAfter", expireInactiveAfter);
            }
            return new PushSettings(this);
        }

        private static void requirePositive(String name, Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(name + " must be > 0 but was " + d);
            }
        }
    }
}
