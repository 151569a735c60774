package dev.notify.email;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach an SMTP server: host, port, transport security, credentials, the sender address
 * and timeouts. Immutable and validated when built; {@link #toString()} never shows the password.
 *
 * <pre>{@code
 * SmtpSettings gmail = SmtpSettings.builder()
 *         .host("smtp.gmail.com")
 *         .port(587)
 *         .startTls(true)
 *         .credentials("me@gmail.com", appPassword)
 *         .from("My App <me@gmail.com>")
 *         .build();
 * }</pre>
 *
 * <p>Gmail works with an app password (2-step verification must be on): port 587 with
 * {@link Builder#startTls STARTTLS}, or port 465 with {@link Builder#ssl implicit TLS}.
 *
 * <p>{@link #fromEnvironment} reads the Django setting names, so existing {@code .env} files keep
 * working.
 */
public final class SmtpSettings {
    /** Port when neither STARTTLS nor SSL is on, as Django's default {@code EMAIL_PORT}. */
    public static final int DEFAULT_PORT = 25;
    /** Port when STARTTLS is on and no port is given (submission, RFC 6409). */
    public static final int DEFAULT_STARTTLS_PORT = 587;
    /** Port when SSL (implicit TLS) is on and no port is given (submissions, RFC 8314). */
    public static final int DEFAULT_SSL_PORT = 465;
    /** How long opening a connection may take: 10 s. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** How long one server reply may take: 30 s. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
    /** How long one write to the server may block: 30 s. */
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(30);

    /** Environment variable names, as Django's email settings name them. */
    public static final String ENV_HOST = "EMAIL_HOST";
    public static final String ENV_PORT = "EMAIL_PORT";
    public static final String ENV_USE_TLS = "EMAIL_USE_TLS";
    public static final String ENV_USE_SSL = "EMAIL_USE_SSL";
    public static final String ENV_HOST_USER = "EMAIL_HOST_USER";
    public static final String ENV_HOST_PASSWORD = "EMAIL_HOST_PASSWORD";
    public static final String ENV_DEFAULT_FROM_EMAIL = "DEFAULT_FROM_EMAIL";
    /** Django's {@code EMAIL_TIMEOUT}, in seconds: sets the connect, read and write timeouts at once. */
    public static final String ENV_TIMEOUT = "EMAIL_TIMEOUT";
    /** SMTP connections delivering at once, {@link #poolSize()}. */
    public static final String ENV_POOL_SIZE = "EMAIL_POOL_SIZE";
    /** Messages sent over one connection before it is closed, {@link #maxMessagesPerConnection()}. */
    public static final String ENV_MAX_MESSAGES_PER_CONNECTION = "EMAIL_MAX_MESSAGES_PER_CONNECTION";
    /** The provider's rate limit in messages per second, {@link #maxPerSecond()}; 0 for none. */
    public static final String ENV_MAX_PER_SECOND = "EMAIL_MAX_PER_SECOND";
    /**
     * Default {@link #poolSize()}: 4 connections. Enough to hide the round trips of one connection
     * (each message waits for the server's reply to its {@code DATA}) several times over, and few
     * enough that no provider sees a flood of sessions from one client.
     */
    public static final int DEFAULT_POOL_SIZE = 4;
    /**
     * Default {@link #maxMessagesPerConnection()}: 100. Gmail ends a session after about 100
     * messages; ending it first, with {@code QUIT} between two messages, avoids the server dropping
     * the connection while a message is in flight (which the channel answers by sending that message
     * again on a new connection).
     */
    public static final int DEFAULT_MAX_MESSAGES_PER_CONNECTION = 100;

    private final String host;
    private final int port;
    private final boolean startTls;
    private final boolean ssl;
    private final String username;
    private final String password;
    private final String from;
    private final InternetAddress fromAddress;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final Duration writeTimeout;
    private final int poolSize;
    private final int maxMessagesPerConnection;
    private final int maxPerSecond;

    private SmtpSettings(Builder b) {
        if (b.host == null || b.host.isBlank()) {
            throw new IllegalArgumentException("host is required but was " + quote(b.host));
        }
        if (b.host.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("host must not contain whitespace but was " + quote(b.host));
        }
        if (b.startTls && b.ssl) {
            throw new IllegalArgumentException("startTls and ssl are mutually exclusive but both were true:"
                    + " use startTls with port 587, or ssl with port 465");
        }
        if (b.port != null && (b.port < 1 || b.port > 65535)) {
            throw new IllegalArgumentException("port must be between 1 and 65535 but was " + b.port);
        }
        if (b.username == null && b.password != null) {
            throw new IllegalArgumentException("a password was given without a username");
        }
        if (b.from == null || b.from.isBlank()) {
            throw new IllegalArgumentException("from (the sender address) is required but was " + quote(b.from));
        }
        this.host = b.host.trim();
        this.port = b.port != null ? b.port : b.ssl ? DEFAULT_SSL_PORT : b.startTls ? DEFAULT_STARTTLS_PORT : DEFAULT_PORT;
        this.startTls = b.startTls;
        this.ssl = b.ssl;
        this.username = b.username;
        this.password = b.username == null ? null : b.password == null ? "" : b.password;
        this.from = b.from.trim();
        this.fromAddress = parseFrom(this.from);
        this.connectTimeout = requirePositive("connectTimeout", b.connectTimeout);
        this.readTimeout = requirePositive("readTimeout", b.readTimeout);
        this.writeTimeout = requirePositive("writeTimeout", b.writeTimeout);
        if (b.poolSize < 1) {
            throw new IllegalArgumentException("poolSize must be >= 1 but was " + b.poolSize);
        }
        if (b.maxMessagesPerConnection < 1) {
            throw new IllegalArgumentException("maxMessagesPerConnection must be >= 1 but was "
                    + b.maxMessagesPerConnection);
        }
        if (b.maxPerSecond < 0) {
            throw new IllegalArgumentException("maxPerSecond must be >= 0 (0: no limit) but was " + b.maxPerSecond);
        }
        this.poolSize = b.poolSize;
        this.maxMessagesPerConnection = b.maxMessagesPerConnection;
        this.maxPerSecond = b.maxPerSecond;
    }

    private static InternetAddress parseFrom(String from) {
        try {
            InternetAddress address = new InternetAddress(from, true);
            if (address.isGroup() || address.getAddress() == null || !address.getAddress().contains("@")) {
                throw new AddressException("not a single mailbox");
            }
            return address;
        } catch (AddressException e) {
            throw new IllegalArgumentException("from must be an address such as 'app@example.com' or"
                    + " 'My App <app@example.com>' but was " + quote(from));
        }
    }

    private static Duration requirePositive(String name, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be > 0 but was " + d);
        }
        return d;
    }

    private static String quote(String value) {
        return value == null ? "null" : "'" + value + "'";
    }

    /** Starts configuring {@link SmtpSettings}. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these settings, to derive a variant. */
    public Builder toBuilder() {
        Builder b = new Builder().host(host).port(port).startTls(startTls).ssl(ssl).from(from)
                .connectTimeout(connectTimeout).readTimeout(readTimeout).writeTimeout(writeTimeout)
                .poolSize(poolSize).maxMessagesPerConnection(maxMessagesPerConnection).maxPerSecond(maxPerSecond);
        if (username != null) {
            b.credentials(username, password);
        }
        return b;
    }

    /**
     * Reads the settings from environment variables named as in Django: {@code EMAIL_HOST},
     * {@code EMAIL_PORT}, {@code EMAIL_USE_TLS}, {@code EMAIL_USE_SSL}, {@code EMAIL_HOST_USER},
     * {@code EMAIL_HOST_PASSWORD}, {@code DEFAULT_FROM_EMAIL}, and optionally {@code EMAIL_TIMEOUT}
     * (seconds), {@code EMAIL_POOL_SIZE}, {@code EMAIL_MAX_MESSAGES_PER_CONNECTION} and
     * {@code EMAIL_MAX_PER_SECOND} (whole numbers; see {@link #poolSize()},
     * {@link #maxMessagesPerConnection()}, {@link #maxPerSecond()}). Blank values count as unset. Booleans accept {@code True}/{@code true}/{@code 1}/
     * {@code yes}/{@code on} and {@code False}/{@code false}/{@code 0}/{@code no}/{@code off}, in
     * any case. Without {@code EMAIL_PORT} the port follows the security setting: 465 for SSL,
     * 587 for TLS, else 25. Without {@code DEFAULT_FROM_EMAIL}, {@code EMAIL_HOST_USER} is the
     * sender when it is an address (as with Gmail). {@code EMAIL_BACKEND} is ignored.
     *
     * @param env the environment, e.g. {@code System.getenv()}
     * @return the settings, or empty when {@code EMAIL_HOST} is not set (email is not configured)
     * @throws IllegalArgumentException naming the variable and quoting its value when one is
     *                                  invalid, or when both {@code EMAIL_USE_TLS} and
     *                                  {@code EMAIL_USE_SSL} are true
     */
    public static Optional<SmtpSettings> fromEnvironment(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        String host = value(env, ENV_HOST);
        if (host == null) {
            return Optional.empty();
        }
        boolean tls = bool(env, ENV_USE_TLS);
        boolean ssl = bool(env, ENV_USE_SSL);
        if (tls && ssl) {
            throw new IllegalArgumentException(ENV_USE_TLS + " and " + ENV_USE_SSL + " are mutually exclusive but both"
                    + " are true: set " + ENV_USE_TLS + "=True with " + ENV_PORT + "=587, or " + ENV_USE_SSL
                    + "=True with " + ENV_PORT + "=465");
        }
        Builder b = builder().host(host).startTls(tls).ssl(ssl);
        String port = value(env, ENV_PORT);
        if (port != null) {
            int p;
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                p = -1;
            }
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException(ENV_PORT + " must be a port number between 1 and 65535 but was '"
                        + port + "'");
            }
            b.port(p);
        }
        String user = value(env, ENV_HOST_USER);
        String password = value(env, ENV_HOST_PASSWORD);
        if (user != null) {
            b.credentials(user, password == null ? "" : password);
        } else if (password != null) {
            throw new IllegalArgumentException(ENV_HOST_PASSWORD + " is set but " + ENV_HOST_USER + " is not");
        }
        String from = value(env, ENV_DEFAULT_FROM_EMAIL);
        if (from == null) {
            if (user == null || !user.contains("@")) {
                throw new IllegalArgumentException(ENV_DEFAULT_FROM_EMAIL + " is not set and " + ENV_HOST_USER
                        + " is " + (user == null ? "not set either" : "not an address ('" + user + "')")
                        + ": set " + ENV_DEFAULT_FROM_EMAIL + " to the sender, e.g. 'My App <app@example.com>'");
            }
            from = user;
        }
        try {
            b.from(from);
            parseFrom(from.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ENV_DEFAULT_FROM_EMAIL + " must be an address such as"
                    + " 'app@example.com' or 'My App <app@example.com>' but was '" + from + "'");
        }
        String timeout = value(env, ENV_TIMEOUT);
        if (timeout != null) {
            Duration t;
            try {
                t = Duration.ofMillis(new BigDecimal(timeout).movePointRight(3).longValueExact());
            } catch (ArithmeticException | NumberFormatException e) {
                t = Duration.ZERO;
            }
            if (t.isZero() || t.isNegative()) {
                throw new IllegalArgumentException(ENV_TIMEOUT + " must be a number of seconds > 0 but was '"
                        + timeout + "'");
            }
            b.connectTimeout(t).readTimeout(t).writeTimeout(t);
        }
        b.poolSize(whole(env, ENV_POOL_SIZE, DEFAULT_POOL_SIZE, 1));
        b.maxMessagesPerConnection(whole(env, ENV_MAX_MESSAGES_PER_CONNECTION, DEFAULT_MAX_MESSAGES_PER_CONNECTION, 1));
        b.maxPerSecond(whole(env, ENV_MAX_PER_SECOND, 0, 0));
        return Optional.of(b.build());
    }

    private static String value(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static int whole(Map<String, String> env, String name, int fallback, int least) {
        String v = value(env, name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= least) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a whole number >= " + least + " but was '" + v + "'");
    }

    private static boolean bool(Map<String, String> env, String name) {
        String v = value(env, name);
        if (v == null) {
            return false;
        }
        switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "y", "on", "t":
                return true;
            case "false", "0", "no", "n", "off", "f":
                return false;
            default:
                throw new IllegalArgumentException(name + " must be True or False (or 1/0, yes/no) but was '" + v + "'");
        }
    }

    /** The server's host name. */
    public String host() {
        return host;
    }

    /** The server's port. */
    public int port() {
        return port;
    }

    /** Whether the connection is upgraded with STARTTLS (required: no fallback to plain text). */
    public boolean startTls() {
        return startTls;
    }

    /** Whether the connection uses TLS from the first byte (implicit TLS, port 465). */
    public boolean ssl() {
        return ssl;
    }

    /** The user to authenticate as, if any. */
    public Optional<String> username() {
        return Optional.ofNullable(username);
    }

    /** Whether the channel authenticates (SMTP AUTH). */
    public boolean authenticates() {
        return username != null;
    }

    /** The password; package-private so that it does not leak through the public API. */
    String password() {
        return password;
    }

    /** The sender as given: {@code app@example.com} or {@code My App <app@example.com>}. */
    public String from() {
        return from;
    }

    /** The sender, parsed. */
    InternetAddress fromAddress() {
        return (InternetAddress) fromAddress.clone();
    }

    /** The domain of the sender address, e.g. {@code example.com}. */
    public String fromDomain() {
        String address = fromAddress.getAddress();
        return address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }

    /** How long opening a connection (and the TLS handshake) may take. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** How long one server reply may take. */
    public Duration readTimeout() {
        return readTimeout;
    }

    /** How long one write to the server may block. */
    public Duration writeTimeout() {
        return writeTimeout;
    }

    /**
     * How many SMTP connections to the server deliver at once: a batch of mail is shared among up
     * to this many connections, each kept open for reuse; outbox workers delivering at the same time
     * share the same connections. Default {@value #DEFAULT_POOL_SIZE}.
     */
    public int poolSize() {
        return poolSize;
    }

    /**
     * How many messages one connection carries before the channel closes it ({@code QUIT}) and
     * opens another. Default {@value #DEFAULT_MAX_MESSAGES_PER_CONNECTION}, below Gmail's limit of
     * about 100 per session.
     */
    public int maxMessagesPerConnection() {
        return maxMessagesPerConnection;
    }

    /**
     * The provider's rate limit, in messages per second over all connections of this channel on this
     * node (a token bucket of that many tokens, refilled evenly over each second); 0 (the default)
     * for no limit. Sending waits for a token rather than failing, so a burst is spread out instead
     * of being refused by the provider.
     */
    public int maxPerSecond() {
        return maxPerSecond;
    }

    /** Host, port and security, for start-up messages: e.g. {@code smtp.gmail.com:587 (STARTTLS)}. */
    public String describe() {
        return host + ":" + port + " (" + (ssl ? "SSL" : startTls ? "STARTTLS" : "plain") + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SmtpSettings s && host.equals(s.host) && port == s.port && startTls == s.startTls
                && ssl == s.ssl && Objects.equals(username, s.username) && Objects.equals(password, s.password)
                && from.equals(s.from) && connectTimeout.equals(s.connectTimeout) && readTimeout.equals(s.readTimeout)
                && writeTimeout.equals(s.writeTimeout) && poolSize == s.poolSize
                && maxMessagesPerConnection == s.maxMessagesPerConnection && maxPerSecond == s.maxPerSecond;
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, port, startTls, ssl, username, from);
    }

    /** The settings with the password masked. */
    @Override
    public String toString() {
        return "SmtpSettings[host=" + host + ", port=" + port + ", startTls=" + startTls + ", ssl=" + ssl
                + ", username=" + username + ", password=" + (password == null ? "none" : "***") + ", from=" + from
                + ", connectTimeout=" + connectTimeout + ", readTimeout=" + readTimeout + ", writeTimeout="
                + writeTimeout + ", poolSize=" + poolSize + ", maxMessagesPerConnection=" + maxMessagesPerConnection
                + ", maxPerSecond=" + maxPerSecond + "]";
    }

    /** Configures {@link SmtpSettings}; {@link #build()} validates. */
    public static final class Builder {
        private String host;
        private Integer port;
        private boolean startTls;
        private boolean ssl;
        private String username;
        private String password;
        private String from;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration readTimeout = DEFAULT_READ_TIMEOUT;
        private Duration writeTimeout = DEFAULT_WRITE_TIMEOUT;
        private int poolSize = DEFAULT_POOL_SIZE;
        private int maxMessagesPerConnection = DEFAULT_MAX_MESSAGES_PER_CONNECTION;
        private int maxPerSecond;

        private Builder() {
        }

        /** The server's host name, e.g. {@code smtp.gmail.com}. Required. */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** The port, 1 to 65535; default 465 with SSL, 587 with STARTTLS, else 25. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Upgrade the connection with STARTTLS, and refuse to send if the server cannot. Default off. */
        public Builder startTls(boolean startTls) {
            this.startTls = startTls;
            return this;
        }

        /** Use TLS from the first byte (port 465). Default off; not together with STARTTLS. */
        public Builder ssl(boolean ssl) {
            this.ssl = ssl;
            return this;
        }

        /** Authenticate (SMTP AUTH) as {@code username}. For Gmail, the password is an app password. */
        public Builder credentials(String username, String password) {
            if (username == null || username.isBlank()) {
                throw new IllegalArgumentException("username must not be blank but was "
                        + (username == null ? "null" : "'" + username + "'"));
            }
            this.username = username;
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        /** The sender, {@code app@example.com} or {@code My App <app@example.com>}. Required. */
        public Builder from(String from) {
            this.from = from;
            return this;
        }

        /** Default {@link #DEFAULT_CONNECT_TIMEOUT}; must be > 0. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** Default {@link #DEFAULT_READ_TIMEOUT}; must be > 0. */
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = timeout;
            return this;
        }

        /** Default {@link #DEFAULT_WRITE_TIMEOUT}; must be > 0. */
        public Builder writeTimeout(Duration timeout) {
            this.writeTimeout = timeout;
            return this;
        }

        /** Default {@value SmtpSettings#DEFAULT_POOL_SIZE}; must be >= 1. See {@link SmtpSettings#poolSize()}. */
        public Builder poolSize(int connections) {
            this.poolSize = connections;
            return this;
        }

        /**
         * Default {@value SmtpSettings#DEFAULT_MAX_MESSAGES_PER_CONNECTION}; must be >= 1. See
         * {@link SmtpSettings#maxMessagesPerConnection()}.
         */
        public Builder maxMessagesPerConnection(int messages) {
            this.maxMessagesPerConnection = messages;
            return this;
        }

        /** Messages per second; 0 (the default) for no limit; must be >= 0. See {@link SmtpSettings#maxPerSecond()}. */
        public Builder maxPerSecond(int messages) {
            this.maxPerSecond = messages;
            return this;
        }

        /**
         * @throws IllegalArgumentException quoting the bad value: no host, a port out of range,
         *                                  both STARTTLS and SSL, a malformed sender, a timeout
         *                                  that is not positive, a pool size or message limit below
         *                                  1, a negative rate limit
         */
        public SmtpSettings build() {
            return new SmtpSettings(this);
        }
    }
}
