package dev.notify.email;

import dev.notify.Notification;
import dev.notify.Recipient;
import dev.notify.outbox.ChannelContext;
import dev.notify.outbox.Delivery;
import dev.notify.template.Rendered;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.outbox.DeliveryOutcome;
import dev.notify.outbox.DeliveryTarget;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers notifications by email over SMTP (angus-mail), as one outbox channel named
 * {@value #NAME}.
 *
 * <pre>{@code
 * SmtpSettings smtp = SmtpSettings.fromEnvironment(System.getenv()).orElseThrow();
 * EmailChannel email = EmailChannel.builder(smtp)
 *         .linkBaseUrl("https://app.example.com")
 *         .unsubscribe("https://app.example.com/unsubscribe", new UnsubscribeTokens(secret))
 *         .build();
 * Notify notify = Notify.builder().channel(email).build();
 * }</pre>
 *
 * <p><b>Where mail goes.</b> The send request's explicit {@link dev.notify.SendRequest#email()
 * email}, else the address in the recipient directory; a recipient with neither gets no email.
 *
 * <p><b>Connections.</b> A batch is shared among up to {@link SmtpSettings#poolSize()} SMTP
 * connections (default {@value SmtpSettings#DEFAULT_POOL_SIZE}), each sending the batch's next
 * message as soon as its last one was accepted; outbox workers delivering at the same time share
 * the same pool, so the server never sees more sessions than that from one node. A connection
 * stays open for {@link Builder#keepAlive keep-alive} (default 30 s) after its last message, for
 * the next batch, and is checked with {@code NOOP} before reuse; after
 * {@link SmtpSettings#maxMessagesPerConnection()} messages (default
 * {@value SmtpSettings#DEFAULT_MAX_MESSAGES_PER_CONNECTION}, as Gmail ends a session after about
 * 100) it is closed with {@code QUIT} between two messages and another one opened. With
 * {@link SmtpSettings#maxPerSecond()} set, every message first waits for a token of a Bucket4j
 * bucket of that rate, so the provider's limit is kept however many connections there are. If the
 * server drops a connection that had already carried mail, the lane reconnects once and resends the
 * message; if a fresh connection fails (server down, authentication refused, a 421 reply), no lane
 * takes another message of the batch and those not taken are retried later, so an outage costs a
 * connection attempt per lane, not one per message. A server that is down (refused,
 * dropped or timed-out connection, 421) is reported as {@link DeliveryOutcome.Unavailable}: the
 * outbox's circuit breaker for this SMTP server ({@link #routes}) then holds the waiting mail
 * without spending its attempts, and releases it as soon as a probe gets through.
 *
 * <p><b>Outcomes as they happen.</b> {@link #deliver(List, OutcomeSink)} reports each message's
 * outcome as soon as the server has answered it, so a crash re-sends at most the message in
 * flight on each connection; a re-sent message keeps its {@code Message-ID}.
 *
 * <p><b>Outcomes.</b> A 5xx reply to a message (550 mailbox unavailable, 553 bad address, 501
 * syntax) is permanent: the outbox row goes dead at once, with the server's reply as its reason.
 * 4xx replies (450, 451, 452) and connection failures are retried with the outbox's backoff.
 * Rejected credentials (535) are retried too, since fixing the configuration should let the mail
 * through, and logged once as a configuration error, not once per message.
 *
 * <p><b>Messages.</b> {@code multipart/alternative} with a UTF-8 {@code text/plain} and an
 * escaped {@code text/html} part; subject = the notification title, or, for a notification sent
 * from a template, the template's rendered email subject, text and HTML (link and unsubscribe
 * footer added to both bodies); the link, if any, made
 * absolute against {@link Builder#linkBaseUrl}. Headers: a {@code Message-ID} derived from the
 * outbox row (so a redelivery after a worker crash is recognisable as the same message);
 * {@code Auto-Submitted: auto-generated} (RFC 3834); with {@link Builder#unsubscribe},
 * {@code List-Unsubscribe} and {@code List-Unsubscribe-Post: List-Unsubscribe=One-Click}
 * (RFC 8058) and a visible unsubscribe link in both bodies.
 *
 * <p>Thread-safe: outbox workers may call {@link #deliver} concurrently; they share the pool of
 * connections. The password is never logged.
 */
public final class EmailChannel implements DeliveryChannel {
    private static final Logger log = LoggerFactory.getLogger(EmailChannel.class);

    /** The channel name, in outbox rows, preferences and unsubscribe tokens. */
    public static final String NAME = "email";
    /** How long a connection stays open after a batch, waiting for the next: 30 s. */
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(30);

    private final SmtpSettings smtp;
    private final String linkBaseUrl;
    private final String unsubscribeBaseUrl;
    private final UnsubscribeTokens unsubscribeTokens;
    private final Duration keepAlive;
    private final boolean connectionPerMessage;
    private final SmtpConnections connections;
    /** Runs the lanes of a batch beyond the one on the caller's thread. */
    private final ExecutorService senders;
    /** The provider's rate limit ({@link SmtpSettings#maxPerSecond()}), or null for none. */
    private final Bucket rateLimit;
    private final InternetAddress from;
    private final String messageIdDomain;
    /** The problem last logged at WARN/ERROR, so an outage is logged once, not once per message. */
    private final AtomicReference<String> reportedProblem = new AtomicReference<>();
    private volatile Clock clock = Clock.systemUTC();

    private EmailChannel(Builder b) {
        this.smtp = b.smtp;
        this.linkBaseUrl = b.linkBaseUrl;
        this.unsubscribeBaseUrl = b.unsubscribeBaseUrl;
        this.unsubscribeTokens = b.unsubscribeTokens;
        this.keepAlive = b.keepAlive;
        this.connectionPerMessage = b.connectionPerMessage;
        this.connections = new SmtpConnections(smtp, keepAlive);
        AtomicInteger threads = new AtomicInteger();
        this.senders = Executors.newFixedThreadPool(smtp.poolSize(), r -> {
            Thread t = new Thread(r, "notify-email-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.rateLimit = smtp.maxPerSecond() == 0 ? null : Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(smtp.maxPerSecond())
                        .refillGreedy(smtp.maxPerSecond(), Duration.ofSeconds(1)).build())
                .build();
        this.from = smtp.fromAddress();
        this.messageIdDomain = smtp.fromDomain();
    }

    /** Starts configuring an email channel that sends through {@code smtp}. */
    public static Builder builder(SmtpSettings smtp) {
        return new Builder(smtp);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** True: a category the recipient takes as a digest arrives as one digest email per period. */
    @Override
    public boolean takesDigests() {
        return true;
    }

    /** True: a template's {@code escalate_after} delays its email, dropped if read meanwhile. */
    @Override
    public boolean takesEscalation() {
        return true;
    }

    /** The SMTP settings in use (the password stays hidden). */
    public SmtpSettings settings() {
        return smtp;
    }

    @Override
    public void start(ChannelContext context) {
        this.clock = context.clock();
        log.info("email channel: SMTP {}{}, from {}", smtp.describe(),
                smtp.username().map(u -> " as " + u).orElse(""), smtp.from());
        if (smtp.ssl() && smtp.port() == SmtpSettings.DEFAULT_STARTTLS_PORT) {
            log.warn("email channel: SSL on port 587 usually fails; port 587 expects STARTTLS (EMAIL_USE_TLS),"
                    + " SSL (EMAIL_USE_SSL) expects port 465");
        } else if (smtp.startTls() && smtp.port() == SmtpSettings.DEFAULT_SSL_PORT) {
            log.warn("email channel: STARTTLS on port 465 usually fails; port 465 expects SSL (EMAIL_USE_SSL),"
                    + " STARTTLS (EMAIL_USE_TLS) expects port 587");
        }
    }

    /**
     * The request's explicit {@code email} if set, else the recipient's address in the
     * directory, else none.
     */
    @Override
    public List<String> destinations(DeliveryTarget target) {
        String explicit = target.request().email();
        if (explicit != null && !explicit.isBlank()) {
            return List.of(explicit.strip());
        }
        return target.profile()
                .map(Recipient::email)
                .filter(e -> !e.isBlank())
                .map(e -> List.of(e.strip()))
                .orElse(List.of());
    }

    /**
     * Sends the batch over up to {@link SmtpSettings#poolSize()} connections at once (reused from
     * earlier batches when still open).
     *
     * @return one outcome per delivery, in order: delivered; failed (5xx reply or a malformed
     *         address; dead at once); unavailable (the server refused or dropped the connection, or
     *         did not answer: this message and the rest of the batch wait for the server); or retry
     *         (4xx reply, authentication failure)
     */
    @Override
    public List<DeliveryOutcome> deliver(List<Delivery> batch) {
        return DeliveryChannel.collectOutcomes(batch, sink -> deliver(batch, sink));
    }

    /**
     * As {@link #deliver(List)}, reporting each message's outcome as soon as the server has
     * answered it, so that the outbox records it before the next message goes out.
     */
    @Override
    public void deliver(List<Delivery> batch, OutcomeSink sink) {
        Lanes lanes = new Lanes(batch, sink);
        int count = Math.min(smtp.poolSize(), batch.size());
        List<Future<?>> others = new ArrayList<>(Math.max(0, count - 1));
        for (int i = 1; i < count; i++) {
            try {
                others.add(senders.submit(lanes::run));
            } catch (RejectedExecutionException closed) {
                break; // the channel is closing: the lane on this thread takes the rest
            }
        }
        lanes.run();
        for (Future<?> f : others) {
            awaitLane(f);
        }
        lanes.reportRest();
    }

    private static void awaitLane(Future<?> lane) {
        boolean interrupted = false;
        try {
            for (;;) {
                try {
                    lane.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true; // the lane reports its own outcomes: wait for it regardless
                } catch (ExecutionException e) {
                    log.warn("email delivery lane failed unexpectedly", e.getCause());
                    return;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * One batch shared by up to {@link SmtpSettings#poolSize()} lanes, each sending over its own
     * connection and taking the batch's next message when done with one, so a slow message holds up
     * only its own lane. A failure that concerns the server (it cannot be reached, refuses the
     * credentials) stops every lane from taking more; the messages no lane took get that failure.
     */
    private final class Lanes {
        private final List<Delivery> batch;
        private final OutcomeSink sink;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicReference<SmtpFailure> serverFailure = new AtomicReference<>();

        Lanes(List<Delivery> batch, OutcomeSink sink) {
            this.batch = batch;
            this.sink = sink;
        }

        void run() {
            SmtpConnections.Connection connection = null;
            try {
                while (serverFailure.get() == null) {
                    int i = next.getAndIncrement();
                    if (i >= batch.size()) {
                        return;
                    }
                    connection = send(batch.get(i), connection);
                }
            } finally {
                if (connection != null) {
                    connections.release(connection);
                }
            }
        }

        void reportRest() {
            SmtpFailure f = serverFailure.get();
            for (int j = Math.min(next.get(), batch.size()); j < batch.size(); j++) {
                sink.report(batch.get(j), f == null
                        ? DeliveryOutcome.retry("email channel: no lane took this message")
                        : f.kind() == SmtpFailure.Kind.CONNECTION ? DeliveryOutcome.unavailable(f.reason())
                        : DeliveryOutcome.retry(f.reason()));
            }
        }

        /** Sends one message and reports its outcome; returns the connection to use next, or null. */
        private SmtpConnections.Connection send(Delivery d, SmtpConnections.Connection connection) {
            Address[] to;
            MimeMessage message;
            try {
                to = new Address[] {new InternetAddress(d.destination(), true)};
                message = compose(d, (InternetAddress) to[0]);
            } catch (AddressException e) {
                sink.report(d, DeliveryOutcome.failed("invalid email address '" + d.destination() + "': "
                        + e.getMessage()));
                return connection;
            } catch (MessagingException | RuntimeException e) {
                sink.report(d, DeliveryOutcome.failed("cannot build the message: " + SmtpFailure.describe(e)));
                return connection;
            }
            if (!takeToken()) {
                sink.report(d, DeliveryOutcome.retry("interrupted while waiting for the email rate limit"));
                serverFailure.compareAndSet(null, new SmtpFailure(SmtpFailure.Kind.TEMPORARY, "interrupted"));
                return connection;
            }
            for (;;) {
                if (connection == null) {
                    try {
                        connection = connectionPerMessage ? connections.open() : connections.acquire();
                    } catch (MessagingException | RuntimeException e) {
                        SmtpFailure f = connectFailure(e);
                        serverFailure.compareAndSet(null, f);
                        sink.report(d, f.kind() == SmtpFailure.Kind.CONNECTION
                                ? DeliveryOutcome.unavailable(f.reason()) : DeliveryOutcome.retry(f.reason()));
                        return null;
                    }
                }
                try {
                    connection.send(message, to);
                    sink.report(d, DeliveryOutcome.delivered());
                    recovered();
                    if (connectionPerMessage) {
                        connections.discard(connection); // QUIT: the next message opens a new one
                        return null;
                    }
                    if (connection.spent(smtp.maxMessagesPerConnection())) {
                        // Ended by us between two messages, before the server ends it during one.
                        connections.release(connection);
                        return null;
                    }
                    return connection;
                } catch (MessagingException | IllegalStateException e) {
                    SmtpFailure f = SmtpFailure.classify(e);
                    if (f.kind() == SmtpFailure.Kind.PERMANENT) {
                        sink.report(d, DeliveryOutcome.failed(f.reason()));
                        return connection;
                    }
                    if (f.kind() == SmtpFailure.Kind.TEMPORARY) {
                        sink.report(d, DeliveryOutcome.retry(f.reason()));
                        return connection;
                    }
                    // A connection or configuration failure: this connection is done for.
                    boolean hadCarriedMail = connection.sent() > 0;
                    connections.discard(connection);
                    connection = null;
                    if (f.kind() == SmtpFailure.Kind.CONNECTION && hadCarriedMail) {
                        // The server closed a connection that worked (idle timeout, a per-connection
                        // message limit): reconnect once and resend this message. A fresh connection
                        // that fails the same way ends the batch below.
                        log.debug("SMTP connection to {} lost ({}); reconnecting", smtp.describe(), f.reason());
                        continue;
                    }
                    report(f, e);
                    serverFailure.compareAndSet(null, f);
                    sink.report(d, f.kind() == SmtpFailure.Kind.CONNECTION
                            ? DeliveryOutcome.unavailable(f.reason()) : DeliveryOutcome.retry(f.reason()));
                    return null;
                } catch (RuntimeException e) {
                    // Unexpected: contain it to this message. Thrown out of deliver(), it would make
                    // the outbox retry the whole batch, re-sending what the server already took.
                    log.warn("email delivery {} failed unexpectedly; will retry", d.outboxId(), e);
                    sink.report(d, DeliveryOutcome.retry("unexpected error: " + SmtpFailure.describe(e)));
                    connections.discard(connection); // its protocol state is unknown
                    return null;
                }
            }
        }
    }

    /** Waits for a token of the provider's rate limit, if there is one. @return false if interrupted */
    private boolean takeToken() {
        if (rateLimit == null) {
            return true;
        }
        try {
            rateLimit.asBlocking().consume(1);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** One route for the whole channel: its SMTP server ({@code host:port}). */
    @Override
    public List<String> routes(List<Delivery> batch) {
        return java.util.Collections.nCopies(batch.size(), "smtp " + smtp.host() + ":" + smtp.port());
    }

    private SmtpFailure connectFailure(Exception e) {
        SmtpFailure f = SmtpFailure.classify(e);
        if (f.kind() == SmtpFailure.Kind.PERMANENT || f.kind() == SmtpFailure.Kind.TEMPORARY) {
            // A refusal at connect time (a 554 greeting, say) concerns the server, not one message.
            f = new SmtpFailure(SmtpFailure.Kind.CONNECTION, f.reason());
        }
        String reason = "cannot connect to SMTP server " + smtp.describe() + ": " + f.reason();
        SmtpFailure failure = new SmtpFailure(f.kind(), reason);
        report(failure, e);
        return failure;
    }

    /** Logs a connection or configuration problem at WARN/ERROR once until it changes or clears. */
    private void report(SmtpFailure f, Exception e) {
        String key = f.kind() + ":" + f.reason();
        if (key.equals(reportedProblem.getAndSet(key))) {
            log.debug("email delivery still failing: {}", f.reason());
            return;
        }
        if (f.kind() == SmtpFailure.Kind.CONFIGURATION) {
            log.error("email channel misconfigured: {}. Check EMAIL_HOST_USER / EMAIL_HOST_PASSWORD and"
                            + " EMAIL_USE_TLS / EMAIL_USE_SSL / EMAIL_PORT (Gmail needs an app password, with"
                            + " 587 + TLS or 465 + SSL). Deliveries are retried with backoff; this is logged"
                            + " once until it changes.", f.reason());
        } else if (hasCause(e, SSLException.class)) {
            log.error("email channel: TLS with {} failed: {}. If the port expects STARTTLS (587) use"
                    + " EMAIL_USE_TLS, if it expects SSL (465) use EMAIL_USE_SSL. Deliveries are retried with"
                    + " backoff; this is logged once until it changes.", smtp.describe(), f.reason());
        } else {
            log.warn("email delivery failing: {}. Deliveries are retried with backoff; this is logged once"
                    + " until it changes.", f.reason());
        }
    }

    private void recovered() {
        String was = reportedProblem.get();
        if (was != null && reportedProblem.compareAndSet(was, null)) {
            log.info("email channel: SMTP {} accepts mail again", smtp.describe());
        }
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (int depth = 0; t != null && depth < 20; depth++) {
            if (type.isInstance(t)) {
                return true;
            }
            t = t instanceof MessagingException m && m.getNextException() != null ? m.getNextException() : t.getCause();
        }
        return false;
    }

    /** Builds the message for one delivery. */
    MimeMessage compose(Delivery d, InternetAddress to) throws MessagingException {
        Notification n = d.notification();
        String link = EmailContent.resolveLink(n.link(), linkBaseUrl);
        String unsubscribeUrl = unsubscribeUrl(n);
        EmailContent content = d.part() == null ? EmailContent.render(n, link, unsubscribeUrl)
                : EmailContent.rendered(new Rendered.Email(d.part().title(), d.part().body(), d.part().htmlBody()), n,
                        link, unsubscribeUrl);

        MimeMessage message = new StableIdMessage(connections.session(),
                messageId(d.outboxId(), n.createdAt(), messageIdDomain));
        message.setFrom(from);
        message.setRecipient(MimeMessage.RecipientType.TO, to);
        message.setSubject(content.subject(), "UTF-8");
        message.setSentDate(Date.from(clock.instant()));
        message.setHeader("Auto-Submitted", "auto-generated");
        if (unsubscribeUrl != null) {
            message.setHeader("List-Unsubscribe", "<" + unsubscribeUrl + ">");
            message.setHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }
        MimeBodyPart text = new MimeBodyPart();
        text.setText(content.text(), "UTF-8", "plain");
        MimeBodyPart html = new MimeBodyPart();
        html.setText(content.html(), "UTF-8", "html");
        // RFC 2046 §5.1.4: alternatives in increasing order of preference, so HTML last.
        MimeMultipart alternative = new MimeMultipart("alternative");
        alternative.addBodyPart(text);
        alternative.addBodyPart(html);
        message.setContent(alternative);
        message.saveChanges();
        return message;
    }

    private String unsubscribeUrl(Notification n) {
        if (unsubscribeTokens == null) {
            return null;
        }
        String token = unsubscribeTokens.issue(n.recipient(), NAME, n.type());
        return unsubscribeBaseUrl + (unsubscribeBaseUrl.contains("?") ? "&" : "?") + "token="
                + URLEncoder.encode(token, StandardCharsets.UTF_8);
    }

    /**
     * The {@code Message-ID} of the email for one outbox row: {@code
     * <notify.outbox.{outboxId}.{createdAt epoch ms}@{sender domain}>}. The same for every
     * (re)delivery of the row; the notification's creation time keeps ids of two databases
     * sending from the same domain (staging and production, say) from colliding.
     */
    static String messageId(long outboxId, Instant createdAt, String domain) {
        return "<notify.outbox." + outboxId + "." + createdAt.toEpochMilli() + "@" + domain + ">";
    }

    /** Connections opened so far, for tests and diagnostics. */
    long connectionsOpened() {
        return connections.opened();
    }

    /** Connections open and idle right now, for tests. */
    int idleConnections() {
        return connections.idleCount();
    }

    /** Closes the open connections (with {@code QUIT}). */
    @Override
    public void close() {
        senders.shutdown();
        connections.close();
    }

    @Override
    public String toString() {
        return "EmailChannel[" + smtp.describe() + ", from " + smtp.from() + "]";
    }

    /** A message whose {@code Message-ID} is set by us, not replaced by a random one on save. */
    private static final class StableIdMessage extends MimeMessage {
        private final String messageId;

        StableIdMessage(Session session, String messageId) {
            super(session);
            this.messageId = messageId;
        }

        @Override
        protected void updateMessageID() throws MessagingException {
            setHeader("Message-ID", messageId);
        }
    }

    /** Configures an {@link EmailChannel}. */
    public static final class Builder {
        private final SmtpSettings smtp;
        private String linkBaseUrl;
        private String unsubscribeBaseUrl;
        private UnsubscribeTokens unsubscribeTokens;
        private Duration keepAlive = DEFAULT_KEEP_ALIVE;
        private boolean connectionPerMessage;

        private Builder(SmtpSettings smtp) {
            this.smtp = Objects.requireNonNull(smtp, "smtp");
        }

        /**
         * Where relative notification links point, e.g. {@code https://app.example.com}: a link
         * {@code /orders/42} becomes {@code https://app.example.com/orders/42}. Without it,
         * relative links are left out of emails (absolute http(s) links are always kept).
         *
         * @throws IllegalArgumentException if the URL is not an absolute http(s) URL
         */
        public Builder linkBaseUrl(String url) {
            if (!EmailContent.isAbsoluteHttpUrl(url)) {
                throw new IllegalArgumentException("linkBaseUrl must be an absolute http(s) URL but was "
                        + (url == null ? "null" : "'" + url + "'"));
            }
            this.linkBaseUrl = url;
            return this;
        }

        /**
         * Adds one-click unsubscribe (RFC 8058) to every email: {@code List-Unsubscribe:
         * <{baseUrl}?token={token}>}, {@code List-Unsubscribe-Post: List-Unsubscribe=One-Click}, and
         * a visible link in the bodies. The token, from {@link UnsubscribeTokens#issue}, names the
         * recipient, channel {@value EmailChannel#NAME} and the notification type; the endpoint at
         * {@code baseUrl} verifies it with the same {@code tokens} and opts the recipient out of
         * that type on email ({@link dev.notify.Preferences#optOut}). It must accept a POST with
         * body {@code List-Unsubscribe=One-Click}, and should not unsubscribe on a bare GET (link
         * scanners follow those).
         *
         * @param baseUrl an absolute https (or http) URL; may already carry a query
         * @throws IllegalArgumentException if {@code baseUrl} is not an absolute http(s) URL
         */
        public Builder unsubscribe(String baseUrl, UnsubscribeTokens tokens) {
            if (!EmailContent.isAbsoluteHttpUrl(baseUrl)) {
                throw new IllegalArgumentException("unsubscribe baseUrl must be an absolute http(s) URL but was "
                        + (baseUrl == null ? "null" : "'" + baseUrl + "'"));
            }
            this.unsubscribeBaseUrl = baseUrl;
            this.unsubscribeTokens = Objects.requireNonNull(tokens, "tokens");
            return this;
        }

        /** How long a connection stays open, idle, after a batch; default 30 s; must be > 0. */
        public Builder keepAlive(Duration keepAlive) {
            if (keepAlive == null || keepAlive.isZero() || keepAlive.isNegative()) {
                throw new IllegalArgumentException("keepAlive must be > 0 but was " + keepAlive);
            }
            this.keepAlive = keepAlive;
            return this;
        }

        /**
         * FOR MEASUREMENTS ONLY (the throughput comparison in the tests): opens a new connection
         * for every message instead of reusing one per batch. Never use it in production: it costs
         * a TCP (and TLS) handshake and an authentication per message, and providers such as
         * Gmail throttle clients that connect that often.
         */
        Builder connectionPerMessage(boolean perMessage) {
            this.connectionPerMessage = perMessage;
            return this;
        }

        public EmailChannel build() {
            return new EmailChannel(this);
        }
    }
}
