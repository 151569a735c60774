package dev.notify.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notify.Notification;
import dev.notify.Priority;
import dev.notify.internal.JdbiNotificationStore;
import dev.notify.outbox.ChannelContext;
import dev.notify.outbox.Delivery;
import dev.notify.outbox.DeliveryOutcome;
import dev.notify.push.TestPushService.Reply;
import dev.notify.push.TestPushService.Subscriber;
import dev.notify.testing.TestClock;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The channel against a push service that checks what a real one checks (see {@link TestPushService}). */
class PushChannelDeliveryTest {
    private final TestClock clock = new TestClock(Instant.parse("2026-11-02T09:00:00Z"));
    private final VapidKeys keys = VapidKeys.generate();
    private final AtomicLong ids = new AtomicLong(100);
    private JdbcDataSource dataSource;
    private TestPushService service;
    private PushChannel channel;

    @BeforeEach
    void setUp() throws Exception {
        dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:push_" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1");
        JdbiNotificationStore.migrate(dataSource);
        service = new TestPushService(keys.publicKeyBase64Url(), clock);
        channel = startChannel(settings().build());
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.close();
        service.close();
        try (var c = dataSource.getConnection(); var s = c.createStatement()) {
            s.execute("SHUTDOWN");
        }
    }

    private PushSettings.Builder settings() {
        return PushSettings.builder()
                .keys(keys)
                .subject("mailto:ops@example.com")
                .allowHttp(true)
                .allowPrivateEndpoints(true)
                .requestTimeout(Duration.ofSeconds(5))
                .clock(clock);
    }

    private PushChannel startChannel(PushSettings settings) {
        PushChannel c = new PushChannel(settings);
        c.start(new ChannelContext(dataSource, clock));
        return c;
    }

    @Test
    void notificationReachesTheSubscriberDecryptedAndIntact() {
        Subscriber browser = service.subscribe();
        StoredPushSubscription sub = channel.subscribe("alice", browser.subscription(), "Firefox/133");
        Notification n = notification("alice", "Order #7 shipped", "Your parcel left the warehouse \u2708", Priority.NORMAL,
                Map.of());

        List<DeliveryOutcome> outcomes = channel.deliver(List.of(delivery(sub, n)));

        assertThat(outcomes).containsExactly(DeliveryOutcome.delivered());
        TestPushService.Received got = service.received(browser).get(0);
        JsonNode payload = got.payload();
        assertThat(payload.get("title").asText()).isEqualTo("Order #7 shipped");
        assertThat(payload.get("body").asText()).isEqualTo("Your parcel left the warehouse \u2708");
        assertThat(payload.get("link").asText()).isEqualTo("/orders/7");
        assertThat(payload.get("id").asLong()).isEqualTo(n.id());
        assertThat(payload.get("type").asText()).isEqualTo("order_shipped");
        assertThat(payload.has("icon")).isFalse();
        assertThat(got.header("TTL")).isEqualTo("86400");
        assertThat(got.header("Urgency")).isEqualTo("normal");
        assertThat(got.header("Content-Encoding")).isEqualTo("aes128gcm");
        assertThat(got.header("Topic")).as("one topic per outbox row, the same on a re-delivery")
                .isEqualTo("outbox-" + ids.get());
        assertThat(got.claims().get("aud").asText()).isEqualTo(service.origin());
        assertThat(got.claims().get("sub").asText()).isEqualTo("mailto:ops@example.com");
        assertThat(Instant.ofEpochSecond(got.claims().get("exp").asLong())).isEqualTo(clock.instant().plus(Duration.ofHours(12)));
        assertThat(channel.store().find(sub.id()).orElseThrow().lastSuccessAt()).isEqualTo(clock.instant());
        service.assertNoProblems();
    }

    @Test
    void aRedeliveryOfTheSameOutboxRowCarriesTheSameTopic() {
        Subscriber browser = service.subscribe();
        StoredPushSubscription sub = channel.subscribe("alice", browser.subscription());
        Delivery first = delivery(sub, notification("alice"));
        Delivery again = new Delivery(first.outboxId(), first.channel(), first.destination(), first.notification(), 2);
        Delivery other = delivery(sub, notification("alice"));

        channel.deliver(List.of(first));
        channel.deliver(List.of(again));
        channel.deliver(List.of(other));

        List<String> topics = service.received(browser).stream().map(r -> r.header("Topic")).toList();
        assertThat(topics).hasSize(3);
        assertThat(topics.get(0)).matches("[A-Za-z0-9_-]{1,32}").isEqualTo(topics.get(1));
        assertThat(topics.get(2)).isNotEqualTo(topics.get(0));
        service.assertNoProblems();
    }

    @Test
    void priorityBecomesUrgencyAndCollapseKeyBecomesTopic() {
        Subscriber browser = service.subscribe();
        StoredPushSubscription sub = channel.subscribe("alice", browser.subscription());
        Map<String, Object> nonString = new HashMap<>();
        nonString.put("collapse_key", 42);

        List<DeliveryOutcome> outcomes = channel.deliver(List.of(
                delivery(sub, notification("alice", "a", "", Priority.LOW, Map.of("collapse_key", "order-7"))),
                delivery(sub, notification("alice", "b", "", Priority.HIGH, Map.of("collapse_key", "order 7 / shipped!"))),
                delivery(sub, notification("alice", "c", "", Priority.URGENT, nonString)),
                delivery(sub, notification("alice", "d", "", Priority.NORMAL, Map.of("collapse_key", "x".repeat(33))))));

        assertThat(outcomes).containsOnly(DeliveryOutcome.delivered());
        Map<String, TestPushService.Received> byTitle = new HashMap<>();
        service.received(browser).forEach(r -> byTitle.put(r.payload().get("title").asText(), r));
        assertThat(byTitle.get("a").header("Urgency")).isEqualTo("low");
        assertThat(byTitle.get("a").header("Topic")).isEqualTo("order-7");
        assertThat(byTitle.get("b").header("Urgency")).isEqualTo("high");
        assertThat(byTitle.get("b").header("Topic")).matches("[A-Za-z0-9_-]{32}")
                .isEqualTo(PushHeaders.topic("order 7 / shipped!"));
        assertThat(byTitle.get("c").header("Urgency")).isEqualTo("high");
        assertThat(byTitle.get("c").header("Topic")).matches("outbox-\\d+");
        assertThat(byTitle.get("d").header("Topic")).hasSize(32).isNotEqualTo("x".repeat(32));
        service.assertNoProblems();
    }

    @Test
    void theReplaceKeyIsTheTopicAheadOfACollapseKey() {
        Subscriber browser = service.subscribe();
        StoredPushSubscription sub = channel.subscribe("alice", browser.subscription());
        Notification plain = notification("alice", "k", "", Priority.NORMAL, Map.of("collapse_key", "order-7"));
        Notification keyed = new Notification(plain.id(), "alice", 1, plain.type(), "k", "", plain.data(), null,
                Priority.NORMAL, plain.createdAt(), null, null, null, null, null, null, "post-7-comments", null, List.of());
        Notification longKey = new Notification(ids.incrementAndGet(), "alice", 2, plain.type(), "l", "", Map.of(), null,
                Priority.NORMAL, plain.createdAt(), null, null, null, null, null, null, "comments on post 7 / thread 12",
                null, List.of());

        channel.deliver(List.of(delivery(sub, keyed), delivery(sub, longKey)));

        Map<String, String> topics = new HashMap<>();
        service.received(browser).forEach(r -> topics.put(r.payload().get("title").asText(), r.header("Topic")));
        assertThat(topics.get("k")).isEqualTo("post-7-comments");
        // RFC 8030 section 5.4: at most 32 characters of the URL-safe base64 alphabet, so hashed.
        assertThat(topics.get("l")).matches("[A-Za-z0-9_-]{32}").isEqualTo(PushHeaders.topic("comments on post 7 / thread 12"));
        service.assertNoProblems();
    }

    @Test
    void ttlAndIconComeFromSettingsAndIconFromData() {
        channel.close();
        channel = startChannel(settings().ttl(Duration.ofMinutes(10)).icon("https://example.com/icon.png").build());
        Subscriber browser = service.subscribe();
        StoredPushSubscription sub = channel.subscribe("alice", browser.subscription());

        channel.deliver(List.of(
                delivery(sub, notification("alice", "default icon", "", Priority.NORMAL, Map.of())),
                delivery(sub, notification("alice", "own icon", "", Priority.NORMAL, Map.of("icon", "/img/box.png")))));

        Map<String, String> icons = new HashMap<>();
        service.received(browser).forEach(r -> icons.put(r.payload().get("title").asText(), r.payload().get("icon").asText()));
        assertThat(icons).containsEntry("default icon", "https://example.com/icon.png").containsEntry("own icon", "/img/box.png");
        assertThat(service.received(browser)).allSatisfy(r -> assertThat(r.header("TTL")).isEqualTo("600"));
        service.assertNoProblems();
    }

    @Test
    void longNotificationIsShortenedToFitOneMessage() {
        Subscriber browser = service.subscribe();
        StoredPushSubscription sub = channel.subscribe("alice", browser.subscription());
        String message = "\u00e9t\u00e9 \ud83c\udf49 ".repeat(1500); // 4-byte emoji, 2-byte letters: 10.5 KB of UTF-8

        List<DeliveryOutcome> outcomes = channel.deliver(List.of(delivery(sub, notification("alice", "Long", message,
                Priority.NORMAL, Map.of()))));

        assertThat(outcomes).containsExactly(DeliveryOutcome.delivered());
        TestPushService.Received got = service.received(browser).get(0);
        assertThat(got.bodyLength()).isLessThanOrEqualTo(4096);
        assertThat(got.plaintext().length).isLessThanOrEqualTo(PushPayload.MAX_PLAINTEXT_BYTES);
        String body = got.payload().get("body").asText();
        assertThat(body).endsWith("\u2026");
        assertThat(message).startsWith(body.substring(0, body.length() - 1));
        service.assertNoProblems();
    }

    @Test
    void goneSubscriptionIsDeleted() {
        Subscriber expired = service.subscribe();
        Subscriber revoked = service.subscribe();
        StoredPushSubscription a = channel.subscribe("alice", expired.subscription());
        StoredPushSubscription b = channel.subscribe("alice", revoked.subscription());
        service.script(expired, 410);
        service.script(revoked, 404);

        List<DeliveryOutcome> outcomes = channel.deliver(List.of(delivery(a, notification("alice")),
                delivery(b, notification("alice"))));

        assertThat(outcomes).allSatisfy(o -> assertThat(o).isInstanceOf(DeliveryOutcome.Gone.class));
        assertThat(((DeliveryOutcome.Gone) outcomes.get(0)).reason()).contains("410");
        assertThat(((DeliveryOutcome.Gone) outcomes.get(1)).reason()).contains("404");
        assertThat(channel.subscriptions("alice")).isEmpty();
        service.assertNoProblems();
    }

    @Test
    void deletedSubscriptionIsGoneWithoutARequest() {
        Subscriber browser = service.subscribe();
        StoredPushSubscription sub = channel.subscribe("alice", browser.subscription());
        channel.unsubscribe("alice", browser.subscription().endpoint());

        List<DeliveryOutcome> outcomes = channel.deliver(List.of(delivery(sub, notification("alice"))));

        assertThat(outcomes.get(0)).isInstanceOf(DeliveryOutcome.Gone.class);
        assertThat(service.received()).isEmpty();
    }

    @Test
    void subscriptionTakenOverByAnotherUserDoesNotGetTheFormerOwnersNotifications() {
        Subscriber browser = service.subscribe();
        StoredPushSubscription alices = channel.subscribe("alice", browser.subscription());
        channel.subscribe("bob", browser.subscription());

        // An outbox row written for alice's subscription before bob took the browser over:
        List<DeliveryOutcome> outcomes = channel.deliver(List.of(delivery(alices, notification("alice"))));
        // and one naming the new row, but carrying alice's notification:
        StoredPushSubscription bobs = channel.subscriptions("bob").get(0);
        List<DeliveryOutcome> crossed = channel.deliver(List.of(delivery(bobs, notification("alice"))));

        assertThat(outcomes.get(0)).isInstanceOf(DeliveryOutcome.Gone.class);
        assertThat(crossed.get(0)).isInstanceOf(DeliveryOutcome.Gone.class);
        assertThat(service.received()).isEmpty();
    }

    @Test
    void payloadTooLargeIsResentShorterOnce() {
        Subscriber browser = service.subscribe();
        StoredPushSubscription sub = channel.subscribe("alice", browser.subscription());
        service.script(browser, 413, 201);

        List<DeliveryOutcome> outcomes = channel.deliver(List.of(delivery(sub, notification("alice", "Report",
                "line of the report ".repeat(100), Priority.NORMAL, Map.of()))));

        assertThat(outcomes).containsExactly(DeliveryOutcome.delivered());
        List<TestPushService.Received> got = service.received(browser);
        assertThat(got).hasSize(2);
        assertThat(got.get(1).plaintext().length).isLessThanOrEqualTo(got.get(0).plaintext().length / 2);
        assertThat(got.get(1).payload().get("title").asText()).isEqualTo("Report");
        assertThat(got.get(1).payload().get("body").asText()).endsWith("\u2026");
        service.assertNoProblems();
    }

    @Test
    void payloadTooLargeTwiceFails() {
        Subscriber browser = service.subscribe();
        StoredPushSubscription sub = channel.subscribe("alice", browser.subscription());
        service.script(browser, 413, 413);

        List<DeliveryOutcome> outcomes = channel.deliver(List.of(delivery(sub, notification("alice"))));

        assertThat(outcomes.get(0)).isInstanceOfSatisfying(DeliveryOutcome.Failed.class,
                f -> assertThat(f.reason()).contains("413"));
        assertThat(service.received(browser)).hasSize(2);
        assertThat(channel.subscriptions("alice")).hasSize(1);
        service.assertNoProblems();
    }

    @Test
    void tooManyRequestsMeansUnavailableUntilRetryAfter() {
        Subscriber seconds = service.subscribe();
        Subscriber date = service.subscribe();
        StoredPushSubscription a = channel.subscribe("alice", seconds.subscription());
        StoredPushSubscription b = channel.subscribe("alice", date.subscription());
        service.script(seconds, Reply.withHeader(429, "Retry-After", "120"));
        String httpDate = DateTimeFormatter.RFC_1123_DATE_TIME.format(clock.instant().plusSeconds(300).atOffset(ZoneOffset.UTC));
        service.script(date, Reply.withHeader(429, "Retry-After", httpDate));

        List<DeliveryOutcome> outcomes = channel.deliver(List.of(delivery(a, notification("alice")),
                delivery(b, notification("alice"))));

        assertThat(outcomes.get(0)).isInstanceOfSatisfying(DeliveryOutcome.Unavailable.class, r -> {
            assertThat(r.after()).isEqualTo(Duration.ofSeconds(120));
            assertThat(r.reason()).contains("429");
        });
        assertThat(outcomes.get(1)).isInstanceOfSatisfying(DeliveryOutcome.Unavailable.class,
                r -> assertThat(r.after()).isEqualTo(Duration.ofSeconds(300)));
        service.assertNoProblems();
    }

    @Test
    void serverErrorMeansUnavailable() {
        Subscriber plain = service.subscribe();
        Subscriber unavailable = service.subscribe();
        StoredPushSubscription a = channel.subscribe("alice", plain.subscription());
        StoredPushSubscription b = channel.subscribe("alice", unavailable.subscription());
        service.script(plain, Reply.status(500, "internal error"));
        service.script(unavailable, Reply.withHeader(503, "Retry-After", "30"));

        List<DeliveryOutcome> outcomes = channel.deliver(List.of(delivery(a, notification("alice")),
                delivery(b, notification("alice"))));

        assertThat(outcomes.get(0)).isInstanceOfSatisfying(DeliveryOutcome.Unavailable.class, r -> {
            assertThat(r.after()).isNull();
            assertThat(r.reason()).contains("500").contains("internal error");
        });
        assertThat(outcomes.get(1)).isInstanceOfSatisfying(DeliveryOutcome.Unavailable.class,
                r -> assertThat(r.after()).isEqualTo(Duration.ofSeconds(30)));
        assertThat(channel.subscriptions("alice")).hasSize(2);
        service.assertNoProblems();
    }

    @Test
    void rejectedCredentialsFailKeepTheSubscriptionAndAreLoggedOncePerServiceAndStatus() {
        Subscriber browser = service.subscribe();
        StoredPushSubscription sub = channel.subscribe("alice", browser.subscription());
        service.script(browser, Reply.status(403, "{\"reason\":\"BadJwtToken\"}\n"), Reply.status(403, "again"),
                Reply.status(401, "unauthorized"), Reply.status(400, "bad\r\nrequest"), Reply.status(403, "third"));

        List<DeliveryOutcome> outcomes = channel.deliver(List.of(delivery(sub, notification("alice"))));
        outcomes = concat(outcomes, channel.deliver(List.of(delivery(sub, notification("alice")))));
        outcomes = concat(outcomes, channel.deliver(List.of(delivery(sub, notification("alice")))));
        outcomes = concat(outcomes, channel.deliver(List.of(delivery(sub, notification("alice")))));
        outcomes = concat(outcomes, channel.deliver(List.of(delivery(sub, notification("alice")))));

        assertThat(outcomes).allSatisfy(o -> assertThat(o).isInstanceOf(DeliveryOutcome.Failed.class));
        assertThat(((DeliveryOutcome.Failed) outcomes.get(0)).reason())
                .isEqualTo("push service " + service.origin() + " answered 403: {\"reason\":\"BadJwtToken\"}");
        assertThat(((DeliveryOutcome.Failed) outcomes.get(2)).reason()).contains("401").contains("unauthorized");
        assertThat(((DeliveryOutcome.Failed) outcomes.get(3)).reason()).endsWith("400: bad request");
        assertThat(channel.subscriptions("alice")).hasSize(1);
        assertThat(channel.reportedProblems()).containsExactlyInAnyOrder(
                service.origin() + " 403", service.origin() + " 401", service.origin() + " 400");
        service.assertNoProblems();
    }

    @Test
    void unreachablePushServiceIsUnavailable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Rfc8291Receiver browser = Rfc8291Receiver.generate();
        StoredPushSubscription sub = channel.subscribe("alice",
                browser.subscription("http://127.0.0.1:" + closedPort + "/push/1"));

        List<DeliveryOutcome> outcomes = channel.deliver(List.of(delivery(sub, notification("alice"))));

        assertThat(outcomes.get(0)).isInstanceOfSatisfying(DeliveryOutcome.Unavailable.class, r -> {
            assertThat(r.reason()).contains("127.0.0.1:" + closedPort);
            assertThat(r.after()).isNull();
        });
    }

    @Test
    void pushServiceThatDoesNotAnswerIsUnavailableAfterTheTimeout() {
        channel.close();
        channel = startChannel(settings().requestTimeout(Duration.ofMillis(300)).build());
        Subscriber slow = service.subscribe();
        Subscriber fast = service.subscribe();
        StoredPushSubscription a = channel.subscribe("alice", slow.subscription());
        StoredPushSubscription b = channel.subscribe("alice", fast.subscription());
        service.script(slow, Reply.noAnswer());

        List<DeliveryOutcome> outcomes = channel.deliver(List.of(delivery(a, notification("alice")),
                delivery(b, notification("alice"))));

        assertThat(outcomes.get(0)).isInstanceOfSatisfying(DeliveryOutcome.Unavailable.class,
                r -> assertThat(r.reason()).contains("did not answer within 300 ms"));
        assertThat(outcomes.get(1)).isEqualTo(DeliveryOutcome.delivered());
        service.assertNoProblems();
    }

    @Test
    void batchOutcomesComeBackInOrder() {
        Subscriber ok = service.subscribe();
        Subscriber gone = service.subscribe();
        Subscriber busy = service.subscribe();
        StoredPushSubscription a = channel.subscribe("alice", ok.subscription());
        StoredPushSubscription b = channel.subscribe("bob", gone.subscription());
        StoredPushSubscription c = channel.subscribe("carol", busy.subscription());
        service.script(gone, 410);
        service.script(busy, 500);

        List<DeliveryOutcome> outcomes = channel.deliver(List.of(delivery(c, notification("carol")),
                delivery(a, notification("alice")), new Delivery(1, "push", "not-an-id", notification("alice"), 1),
                delivery(b, notification("bob"))));

        assertThat(outcomes.get(0)).isInstanceOf(DeliveryOutcome.Unavailable.class);
        assertThat(outcomes.get(1)).isEqualTo(DeliveryOutcome.delivered());
        assertThat(outcomes.get(2)).isInstanceOf(DeliveryOutcome.Failed.class);
        assertThat(outcomes.get(3)).isInstanceOf(DeliveryOutcome.Gone.class);
        service.assertNoProblems();
    }

    @Test
    void vapidTokenIsReusedPerOriginAndRenewedBeforeItExpires() throws Exception {
        Subscriber browser = service.subscribe();
        StoredPushSubscription sub = channel.subscribe("alice", browser.subscription());
        try (TestPushService other = new TestPushService(keys.publicKeyBase64Url(), clock)) {
            Subscriber elsewhere = other.subscribe();
            StoredPushSubscription sub2 = channel.subscribe("alice", elsewhere.subscription());

            channel.deliver(List.of(delivery(sub, notification("alice")), delivery(sub2, notification("alice"))));
            channel.deliver(List.of(delivery(sub, notification("alice"))));
            clock.advance(Duration.ofHours(10).plusMinutes(59)); // 61 minutes left: still fresh
            channel.deliver(List.of(delivery(sub, notification("alice"))));
            clock.advance(Duration.ofMinutes(2)); // 59 minutes left: renewed
            channel.deliver(List.of(delivery(sub, notification("alice"))));
            channel.deliver(List.of(delivery(sub, notification("alice"))));

            List<String> jwts = service.received(browser).stream().map(TestPushService.Received::jwt).toList();
            assertThat(jwts).hasSize(5);
            assertThat(jwts.get(1)).isEqualTo(jwts.get(0));
            assertThat(jwts.get(2)).isEqualTo(jwts.get(0));
            assertThat(jwts.get(3)).isNotEqualTo(jwts.get(0));
            assertThat(jwts.get(4)).isEqualTo(jwts.get(3));
            assertThat(Instant.ofEpochSecond(service.received(browser).get(3).claims().get("exp").asLong()))
                    .isEqualTo(clock.instant().plus(Duration.ofHours(12)));
            String otherJwt = other.received(elsewhere).get(0).jwt();
            assertThat(otherJwt).isNotEqualTo(jwts.get(0));
            assertThat(other.received(elsewhere).get(0).claims().get("aud").asText()).isEqualTo(other.origin());
            other.assertNoProblems();
        }
        service.assertNoProblems();
    }

    @Test
    void serviceRejectsMessagesSignedWithAnotherKey() throws Exception {
        // The test service is strict: a channel with other keys than the subscription's is refused.
        channel.close();
        channel = startChannel(settings().keys(VapidKeys.generate()).build());
        Subscriber browser = service.subscribe();
        StoredPushSubscription sub = channel.subscribe("alice", browser.subscription());

        List<DeliveryOutcome> outcomes = channel.deliver(List.of(delivery(sub, notification("alice"))));

        assertThat(outcomes.get(0)).isInstanceOfSatisfying(DeliveryOutcome.Failed.class,
                f -> assertThat(f.reason()).contains("403").contains("applicationServerKey"));
    }

    @Test
    void endpointOnAPrivateNetworkIsRefusedAtDeliveryWhenNotAllowed() {
        Subscriber browser = service.subscribe();
        // Stored while allowed (or by an older version), delivered by a stricter channel:
        StoredPushSubscription sub = channel.subscribe("alice", browser.subscription());
        PushChannel strict = startChannel(settings().allowPrivateEndpoints(false).build());
        try {
            List<DeliveryOutcome> outcomes = strict.deliver(List.of(delivery(sub, notification("alice"))));

            assertThat(outcomes.get(0)).isInstanceOfSatisfying(DeliveryOutcome.Failed.class,
                    f -> assertThat(f.reason()).contains("loopback"));
            assertThat(service.received()).isEmpty();
        } finally {
            strict.close();
        }
    }

    @Test
    void housekeepingExpiresSubscriptionsThatNeverWorked() {
        Subscriber works = service.subscribe();
        Subscriber never = service.subscribe();
        StoredPushSubscription a = channel.subscribe("alice", works.subscription());
        channel.subscribe("alice", never.subscription());
        channel.deliver(List.of(delivery(a, notification("alice"))));

        clock.advance(PushSettings.DEFAULT_EXPIRE_UNCONFIRMED_AFTER.plusSeconds(1));
        channel.housekeep(clock.instant());

        assertThat(channel.subscriptions("alice")).extracting(StoredPushSubscription::endpoint)
                .containsExactly(works.subscription().endpoint());
        clock.advance(PushSettings.DEFAULT_EXPIRE_INACTIVE_AFTER);
        channel.housekeep(clock.instant());
        assertThat(channel.subscriptions("alice")).isEmpty();
    }

    private static List<DeliveryOutcome> concat(List<DeliveryOutcome> a, List<DeliveryOutcome> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    private Notification notification(String recipient) {
        return notification(recipient, "Order #7 shipped", "It is on its way.", Priority.NORMAL, Map.of());
    }

    private Notification notification(String recipient, String title, String message, Priority priority,
                                      Map<String, Object> data) {
        return new Notification(ids.incrementAndGet(), recipient, 1, "order_shipped", title, message, data, "/orders/7",
                priority, clock.instant(), null);
    }

    private Delivery delivery(StoredPushSubscription subscription, Notification n) {
        return new Delivery(ids.incrementAndGet(), PushChannel.NAME, String.valueOf(subscription.id()), n, 1);
    }
}
