package dev.notify.push;

import dev.notify.Notification;
import dev.notify.outbox.ChannelContext;
import dev.notify.outbox.Delivery;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.outbox.DeliveryOutcome;
import dev.notify.outbox.DeliveryTarget;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Web Push channel ({@value #NAME}): delivers notifications to browsers' push subscriptions
 * through their push services (RFC 8030), encrypted with aes128gcm (RFC 8291) and authenticated
 * with VAPID (RFC 8292). Add it to notify, which starts it and hands it outbox rows:
 * <pre>{@code
 * PushChannel push = new PushChannel(PushSettings.fromEnvironment(System.getenv()).build());
 * Notify notify = Notify.builder().jdbcUrl(url).channel(push).build();
 * push.subscribe("alice", PushSubscription.fromJson(bodyFromBrowser), userAgent);
 * }</pre>
 *
 * <p>Each of a recipient's subscriptions is one destination (its id), so one outbox row. A
 * delivery POSTs the encrypted payload (see {@link #deliver}) with headers {@code TTL},
 * {@code Urgency} (from the priority), {@code Topic} (RFC 8030 section 5.4: from the replace
 * {@link dev.notify.SendRequest#key() key}, else {@code data.collapse_key} when given, else {@code outbox-<row id>}, so a re-delivery of the same
 * row after a crash replaces the first message at the push service if it is still undelivered),
 * {@code Content-Encoding: aes128gcm} and {@code Authorization: vapid t=..., k=...}, and maps the
 * push service's answer to an outcome:
 * <table>
 *   <caption>answers and outcomes</caption>
 *   <tr><th>answer</th><th>outcome</th></tr>
 *   <tr><td>2xx (201 Created, 202 Accepted)</td><td>delivered; the subscription's last success is recorded</td></tr>
 *   <tr><td>404, 410</td><td>gone: the subscription expired or was revoked, and is deleted</td></tr>
 *   <tr><td>413</td><td>sent once more with a payload half as long; failed if 413 again</td></tr>
 *   <tr><td>429, 5xx, 408, refused connection, no answer</td><td>unavailable: the row waits for the
 *       push service's origin (its circuit breaker), after {@code Retry-After} when given, without
 *       spending an attempt</td></tr>
 *   <tr><td>400, 401, 403 and other 4xx</td><td>failed with the status and the start of the answer;
 *       the subscription is kept, and the first such answer per push service and status is logged
 *       as a configuration error</td></tr>
 * </table>
 *
 * <p><b>Throughput.</b> The CPU work of a message (the payload, an ephemeral P-256 key pair and
 * ECDH, RFC 8291's key derivation and AES-GCM) runs on a pool with one thread per core
 * ({@link Runtime#availableProcessors()}), so a batch is encrypted on every core at once; each
 * message still gets its own fresh ephemeral key and salt. All requests go through one JDK
 * {@link HttpClient}, which speaks HTTP/2 where the push service offers it (the big ones do): one
 * connection per push service origin carries a batch's requests as concurrent streams (HTTP/1.1
 * services get a pool of kept-alive connections instead). The VAPID token is signed once per
 * origin and reused for hours (see {@code VapidTokens}). A batch's requests run concurrently, so
 * one slow push service does not hold up the others; a batch's successes are written to the
 * subscription table in one statement. Thread-safe.
 */
public final class PushChannel implements DeliveryChannel {
    /** The channel's name in outbox rows and preferences. */
    public static final String NAME = "push";

    private static final Logger log = LoggerFactory.getLogger(PushChannel.class);
    /** Most characters of a push service's answer kept in a failure reason. */
    private static final int EXCERPT_CHARS = 200;
    /** Most bytes of a push service's answer read; the rest is discarded. */
    private static final int EXCERPT_BYTES = 2048;

    /** Threads encrypting messages: one per core, since the work is pure CPU. */
    static final int CRYPTO_THREADS = Runtime.getRuntime().availableProcessors();
    /** Threads completing requests (outcomes, their database writes): a few per core. */
    static final int HTTP_THREADS = Math.max(4, 2 * CRYPTO_THREADS);
    /** One encryption object per crypto thread (zerodep's holds a {@code Mac}, not thread-safe). */
    private static final ThreadLocal<PushEncryption> ENCRYPTION = ThreadLocal.withInitial(PushEncryption::new);

    private final PushSettings settings;
    private final EndpointPolicy policy;
    /** "origin status" pairs already logged as configuration errors: log once, not per message. */
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private volatile Running running;

    /**
     * A channel with these settings; {@link #start} (done by notify) connects it to the database.
     *
     * @param settings keys, subject and the rest
     */
    public PushChannel(PushSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.policy = new EndpointPolicy(settings.allowHttp(), settings.allowPrivateEndpoints());
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Creates the subscription store on notify's database and the HTTP client. Idempotent. */
    @Override
    public synchronized void start(ChannelContext context) {
        if (running != null) {
            return;
        }
        Clock clock = settings.clock().orElse(context.clock());
        PushSubscriptionStore store = new PushSubscriptionStore(org.jdbi.v3.core.Jdbi.create(context.dataSource()),
                clock, settings.maxSubscriptionsPerRecipient());
        AtomicInteger threads = new AtomicInteger();
        // Completions run the outcome's database writes: a bounded pool, so a burst cannot grow threads.
        ExecutorService executor = Executors.newFixedThreadPool(HTTP_THREADS, r -> {
            Thread t = new Thread(r, "notify-push-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        AtomicInteger cryptoThreads = new AtomicInteger();
        ExecutorService crypto = Executors.newFixedThreadPool(CRYPTO_THREADS, r -> {
            Thread t = new Thread(r, "notify-push-crypto-" + cryptoThreads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
        running = new Running(store, clock, new VapidTokens(settings.keys(), settings.subject(), clock), http, executor,
                crypto);
        log.info("Web Push channel ready: VAPID public key {}, subject {}", publicKey(), settings.subject());
    }

    /** The recipient's subscription ids, as strings. */
    @Override
    public List<String> destinations(DeliveryTarget target) {
        return running().store.ids(target.recipient()).stream().map(String::valueOf).toList();
    }

    /**
     * Delivers a batch: for each delivery, loads its subscription (gone if deleted, or if it now
     * belongs to another recipient), builds the payload from the notification (a JSON object of
     * title, body, link, id, type and icon, shortened to fit 4096 bytes once encrypted), encrypts
     * it for the subscription, and POSTs it; the answers map to outcomes as the class description
     * says. Requests run concurrently; each is bounded by {@link PushSettings#requestTimeout()}.
     *
     * @return one outcome per delivery, in order
     */
    @Override
    public List<DeliveryOutcome> deliver(List<Delivery> batch) {
        return DeliveryChannel.collectOutcomes(batch, sink -> deliver(batch, sink));
    }

    /**
     * As {@link #deliver(List)}, reporting each outcome as soon as its push service has answered,
     * from the channel's own threads; returns when all have answered.
     */
    @Override
    public void deliver(List<Delivery> batch, OutcomeSink sink) {
        Running r = running();
        Map<Long, StoredPushSubscription> subscriptions;
        try {
            subscriptions = r.store.findAll(subscriptionIds(batch));
        } catch (RuntimeException e) {
            log.warn("Web Push: cannot load the subscriptions of {} deliveries", batch.size(), e);
            DeliveryOutcome retry = DeliveryOutcome.retry("cannot load push subscriptions: " + e.getMessage());
            batch.forEach(d -> sink.report(d, retry));
            return;
        }
        List<CompletableFuture<?>> pending = new ArrayList<>(batch.size());
        Set<Long> succeeded = ConcurrentHashMap.newKeySet();
        for (Delivery d : batch) {
            CompletableFuture<DeliveryOutcome> outcome;
            try {
                outcome = deliverOne(r, d, subscriptions, succeeded);
            } catch (RuntimeException e) {
                log.warn("Web Push delivery {} failed unexpectedly", d.outboxId(), e);
                outcome = CompletableFuture.completedFuture(DeliveryOutcome.retry("unexpected error: " + e));
            }
            pending.add(outcome.exceptionally(e -> {
                log.warn("Web Push delivery {} failed unexpectedly", d.outboxId(), e);
                return DeliveryOutcome.retry("unexpected error: " + e);
            }).thenAccept(o -> sink.report(d, o)));
        }
        for (CompletableFuture<?> f : pending) {
            f.join();
        }
        if (!succeeded.isEmpty()) {
            try {
                r.store.recordSuccess(succeeded, r.clock.instant());
            } catch (RuntimeException e) {
                log.warn("could not record the success of {} push subscriptions", succeeded.size(), e);
            }
        }
    }

    /**
     * One route per push service origin ({@code scheme://host:port} of the subscription's
     * endpoint), so an outage of one push service holds up only its own deliveries; an empty
     * route for a delivery whose subscription is gone (it needs no push service).
     */
    @Override
    public List<String> routes(List<Delivery> batch) {
        Map<Long, StoredPushSubscription> subscriptions = running().store.findAll(subscriptionIds(batch));
        List<String> routes = new ArrayList<>(batch.size());
        for (Delivery d : batch) {
            Long id = parseId(d.destination());
            StoredPushSubscription sub = id == null ? null : subscriptions.get(id);
            routes.add(sub == null ? "" : sub.subscription().origin());
        }
        return routes;
    }

    private static List<Long> subscriptionIds(List<Delivery> batch) {
        List<Long> ids = new ArrayList<>();
        for (Delivery d : batch) {
            Long id = parseId(d.destination());
            if (id != null) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** Deletes subscriptions that never worked, or stopped working, per {@link PushSettings.Builder#expireAfter}. */
    @Override
    public void housekeep(Instant now) {
        Instant unconfirmed = settings.expireUnconfirmedAfter() == null ? null : now.minus(settings.expireUnconfirmedAfter());
        Instant inactive = settings.expireInactiveAfter() == null ? null : now.minus(settings.expireInactiveAfter());
        int expired = running().store.expire(unconfirmed, inactive);
        if (expired > 0) {
            log.info("expired {} Web Push subscriptions that never worked or stopped working", expired);
        }
    }

    /** Stops the HTTP client's threads. */
    @Override
    public synchronized void close() {
        Running r = running;
        if (r != null) {
            r.executor.shutdownNow();
            r.crypto.shutdownNow();
        }
    }

    /**
     * Subscribes a recipient's browser, after checking the endpoint against the settings:
     * {@code https} (or {@code http} when allowed), and a host that does not resolve to a
     * loopback, private, link-local, unspecified or multicast address (unless allowed). The same
     * endpoint subscribed again is stored once, with the latest recipient and keys.
     *
     * @param recipient    the user id
     * @param subscription from the browser
     * @param userAgent    the browser's {@code User-Agent}, or null
     * @return the subscription as stored
     * @throws dev.notify.InvalidRequestException {@code invalid_endpoint} or
     *                                            {@code invalid_recipient}; nothing is stored
     * @throws IllegalStateException              before {@link #start}
     */
    public StoredPushSubscription subscribe(String recipient, PushSubscription subscription, String userAgent) {
        Objects.requireNonNull(subscription, "subscription");
        PushSubscriptionStore.requireRecipient(recipient);
        Running r = running();
        policy.check(subscription.uri());
        return r.store.subscribe(recipient, subscription, userAgent);
    }

    /** As {@link #subscribe(String, PushSubscription, String)} without a user agent. */
    public StoredPushSubscription subscribe(String recipient, PushSubscription subscription) {
        return subscribe(recipient, subscription, null);
    }

    /**
     * Removes the recipient's own subscription to {@code endpoint}; another recipient's is never
     * touched.
     *
     * @return whether one was removed
     */
    public boolean unsubscribe(String recipient, String endpoint) {
        return running().store.unsubscribe(recipient, endpoint);
    }

    /** The recipient's subscriptions, oldest first. */
    public List<StoredPushSubscription> subscriptions(String recipient) {
        return running().store.list(recipient);
    }

    /**
     * The VAPID public key as base64url: the {@code applicationServerKey} browsers pass to
     * {@code PushManager.subscribe()}.
     */
    public String publicKey() {
        return settings.keys().publicKeyBase64Url();
    }

    /** The settings. */
    public PushSettings settings() {
        return settings;
    }

    /** The subscription store, for administration. */
    public PushSubscriptionStore store() {
        return running().store;
    }

    /** The "origin status" pairs logged as configuration errors so far. */
    Set<String> reportedProblems() {
        return Set.copyOf(reported);
    }

    private Running running() {
        Running r = running;
        if (r == null) {
            throw new IllegalStateException("the push channel is not started: add it with Notify.builder().channel(...)"
                    + " or call start(ChannelContext)");
        }
        return r;
    }

    private CompletableFuture<DeliveryOutcome> deliverOne(Running r, Delivery d,
                                                          Map<Long, StoredPushSubscription> subscriptions,
                                                          Set<Long> succeeded) {
        Long id = parseId(d.destination());
        if (id == null) {
            return done(DeliveryOutcome.failed("destination '" + d.destination() + "' is not a push subscription id"));
        }
        StoredPushSubscription sub = subscriptions.get(id);
        if (sub == null) {
            return done(DeliveryOutcome.gone("push subscription " + id + " no longer exists"));
        }
        Notification n = d.notification();
        if (!sub.recipient().equals(n.recipient())) {
            return done(DeliveryOutcome.gone("push subscription " + id + " now belongs to another recipient"));
        }
        URI uri = sub.subscription().uri();
        String problem = policy.schemeProblem(uri);
        if (problem == null) {
            try {
                problem = policy.addressProblem(uri);
            } catch (UnknownHostException e) {
                return done(DeliveryOutcome.retry("push service host " + uri.getHost() + " does not resolve"));
            }
        }
        if (problem != null) {
            return done(DeliveryOutcome.failed("push subscription " + id + ": endpoint " + problem));
        }
        String icon = n.data().get("icon") instanceof String s && !s.isBlank() ? s : settings.icon();
        // A template's push parts replace the in-app title and message in the payload.
        Notification shown = d.part() == null ? n : new Notification(n.id(), n.recipient(), n.seq(), n.type(),
                d.part().title(), d.part().body(), n.data(), n.link(), n.priority(), n.createdAt(), n.readAt());
        String topic = topic(d);
        // The payload and its encryption are pure CPU: on the crypto pool, so every core takes a share.
        return CompletableFuture.supplyAsync(() -> encrypt(sub, PushPayload.of(shown, icon,
                        PushPayload.MAX_PLAINTEXT_BYTES)), r.crypto)
                .thenCompose(plaintext -> plaintext.failure() != null ? done(plaintext.failure())
                        : sendAndMap(r, d, sub, n, icon, plaintext, topic, succeeded));
    }

    /** The encrypted body of {@code plaintext}, or the outcome when the subscription's keys are unusable. */
    private static Encrypted encrypt(StoredPushSubscription sub, byte[] plaintext) {
        try {
            return new Encrypted(plaintext.length, ENCRYPTION.get().encrypt(sub.subscription().p256dhBytes(),
                    sub.subscription().authBytes(), plaintext), null);
        } catch (IllegalArgumentException e) {
            return new Encrypted(plaintext.length, null,
                    DeliveryOutcome.failed("push subscription " + sub.id() + ": " + e.getMessage()));
        }
    }

    private CompletableFuture<DeliveryOutcome> sendAndMap(Running r, Delivery d, StoredPushSubscription sub,
                                                          Notification n, String icon, Encrypted first, String topic,
                                                          Set<Long> succeeded) {
        URI uri = sub.subscription().uri();
        String origin = sub.subscription().origin();
        // Outcomes touch the database: run them on the channel's threads, not the JDK's async pool.
        return send(r, uri, n, first.body(), topic)
                .thenComposeAsync(response -> {
                    if (response.statusCode() != 413) {
                        return done(outcome(r, sub, origin, response, succeeded));
                    }
                    // RFC 8030 section 7.2 lets a push service accept less than 4096 bytes: try once with half.
                    byte[] shorter = PushPayload.of(n, icon, first.plaintextBytes() / 2);
                    return CompletableFuture.supplyAsync(() -> encrypt(sub, shorter), r.crypto)
                            .thenCompose(retry -> retry.failure() != null ? done(retry.failure())
                                    : send(r, uri, n, retry.body(), topic).thenApplyAsync(second ->
                                    second.statusCode() == 413
                                            ? DeliveryOutcome.failed("push service " + origin + " answered 413"
                                            + " (payload too large) twice, the second time to a payload shortened to "
                                            + shorter.length + " bytes: " + excerptOrStatus(second))
                                            : outcome(r, sub, origin, second, succeeded), r.executor));
                }, r.executor)
                .exceptionally(e -> transportFailure(origin, e));
    }

    /** An encrypted body and the plaintext's length, or the outcome that replaces sending it. */
    private record Encrypted(int plaintextBytes, byte[] body, DeliveryOutcome failure) {
    }

    /**
     * The {@code Topic} (RFC 8030 section 5.4): the notification's replace key (a send that
     * replaces a notification then replaces its undelivered push message), else its
     * {@code collapse_key} when given,
     * else one per outbox row ({@code outbox-<id>}, URL-safe base64 characters, at most 26), so a
     * re-delivery of the same row replaces the earlier message if the push service still holds it.
     */
    static String topic(Delivery d) {
        Notification n = d.notification();
        String collapse = PushHeaders.topic(n.key() != null ? n.key() : n.data().get("collapse_key"));
        return collapse != null ? collapse : "outbox-" + d.outboxId();
    }

    private CompletableFuture<HttpResponse<String>> send(Running r, URI uri, Notification n, byte[] body,
                                                         String topic) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(settings.requestTimeout())
                .header("TTL", Long.toString(settings.ttl().getSeconds()))
                .header("Urgency", PushHeaders.urgency(n.priority()))
                .header("Content-Encoding", "aes128gcm")
                .header("Content-Type", "application/octet-stream")
                .header("Authorization", r.tokens.authorization(uri))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        request.header("Topic", topic);
        HttpRequest built = request.build();
        String origin = VapidTokens.origin(uri);
        CompletableFuture<?> first = r.connecting.get(origin);
        if (first == null) {
            if (r.connecting.size() >= VapidTokens.MAX_ORIGINS) {
                r.connecting.clear(); // endpoints come from browsers: bound what is kept per origin
            }
            CompletableFuture<Void> mine = new CompletableFuture<>();
            first = r.connecting.putIfAbsent(origin, mine);
            if (first == null) {
                // The first request to an origin opens its connection alone; the JDK client would open one
                // HTTP/2 connection per request started before the first was up, instead of one in all.
                return r.http.sendAsync(built, info -> new Excerpt()).whenComplete((response, e) -> {
                    if (e != null) {
                        r.connecting.remove(origin, mine); // the next request tries to connect afresh
                    }
                    mine.complete(null);
                });
            }
        }
        return first.isDone() ? r.http.sendAsync(built, info -> new Excerpt())
                : first.thenCompose(ignored -> r.http.sendAsync(built, info -> new Excerpt()));
    }

    private DeliveryOutcome outcome(Running r, StoredPushSubscription sub, String origin, HttpResponse<String> response,
                                    Set<Long> succeeded) {
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            succeeded.add(sub.id()); // written for the whole batch at once, after the last answer
            return DeliveryOutcome.delivered();
        }
        if (status == 404 || status == 410) {
            log.debug("push subscription {} of {} is gone ({} from {})", sub.id(), sub.recipient(), status, origin);
            try {
                r.store.delete(sub.id());
            } catch (RuntimeException e) {
                log.warn("could not delete push subscription {} after a {} answer", sub.id(), status, e);
            }
            return DeliveryOutcome.gone("push service " + origin + " answered " + status
                    + ": the subscription expired or was revoked, and is deleted");
        }
        String reason = "push service " + origin + " answered " + excerptOrStatus(response);
        if (status == 429 || status >= 500 || status == 408) {
            Duration after = PushHeaders.retryAfter(response.headers().firstValue("Retry-After").orElse(null),
                    r.clock.instant());
            return DeliveryOutcome.unavailable(reason, after);
        }
        if (status == 400 || status == 401 || status == 403) {
            reportConfigurationProblem(origin, status, response.body());
        }
        return DeliveryOutcome.failed(reason);
    }

    private void reportConfigurationProblem(String origin, int status, String excerpt) {
        if (!reported.add(origin + " " + status)) {
            log.debug("push service {} answered {} again: {}", origin, status, excerpt);
            return;
        }
        if (status == 400) {
            log.error("Web Push misconfigured: push service {} rejected a message as malformed (400: {}). Messages "
                            + "to it fail until this is fixed; further 400 answers from it are logged at debug level.",
                    origin, excerpt);
        } else {
            log.error("Web Push misconfigured: push service {} rejected our VAPID credentials ({}: {}). Check that "
                            + "browsers subscribed with this server's public key {} (subscriptions made under another "
                            + "key are refused; they must subscribe again) and that the subject '{}' is accepted. "
                            + "Messages to it fail until this is fixed; further {} answers from it are logged at "
                            + "debug level.",
                    origin, status, excerpt, publicKey(), settings.subject(), status);
        }
    }

    private DeliveryOutcome transportFailure(String origin, Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof HttpTimeoutException) {
            return DeliveryOutcome.unavailable("push service " + origin + " did not answer within "
                    + settings.requestTimeout().toMillis() + " ms");
        }
        if (cause instanceof ConnectException) {
            return DeliveryOutcome.unavailable("cannot connect to push service " + origin + ": " + cause.getMessage());
        }
        if (cause instanceof IOException) {
            return DeliveryOutcome.unavailable("request to push service " + origin + " failed: " + cause);
        }
        log.warn("Web Push request to {} failed unexpectedly", origin, cause);
        return DeliveryOutcome.retry("request to push service " + origin + " failed: " + cause);
    }

    private static String excerptOrStatus(HttpResponse<String> response) {
        String body = response.body();
        return response.statusCode() + (body == null || body.isEmpty() ? "" : ": " + body);
    }

    private static Long parseId(String destination) {
        try {
            return Long.valueOf(destination);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    private record Running(PushSubscriptionStore store, Clock clock, VapidTokens tokens, HttpClient http,
                           ExecutorService executor, ExecutorService crypto,
                           Map<String, CompletableFuture<Void>> connecting) {
        Running(PushSubscriptionStore store, Clock clock, VapidTokens tokens, HttpClient http,
                ExecutorService executor, ExecutorService crypto) {
            this(store, clock, tokens, http, executor, crypto, new ConcurrentHashMap<>());
        }
    }

    /**
     * Keeps the first {@value #EXCERPT_BYTES} bytes of an answer and discards the rest, reading it
     * to the end so the connection can be reused.
     */
    private static final class Excerpt implements HttpResponse.BodySubscriber<String> {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final CompletableFuture<String> result = new CompletableFuture<>();

        @Override
        public CompletionStage<String> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer buffer : items) {
                int take = Math.min(buffer.remaining(), EXCERPT_BYTES - kept.size());
                if (take > 0) {
                    byte[] bytes = new byte[take];
                    buffer.get(bytes);
                    kept.write(bytes, 0, take);
                }
            }
        }

        @Override
        public void onError(Throwable throwable) {
            // The status line is what matters: keep what arrived.
            result.complete(PushHeaders.excerpt(kept.toByteArray(), EXCERPT_CHARS));
        }

        @Override
        public void onComplete() {
            result.complete(PushHeaders.excerpt(kept.toByteArray(), EXCERPT_CHARS));
        }
    }
}
