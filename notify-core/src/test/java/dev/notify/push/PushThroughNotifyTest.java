package dev.notify.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.notify.Notification;
import dev.notify.Notify;
import dev.notify.Priority;
import dev.notify.SendRequest;
import dev.notify.outbox.OutboxEntry;
import dev.notify.outbox.OutboxSettings;
import dev.notify.outbox.OutboxStatus;
import dev.notify.push.TestPushService.Subscriber;
import dev.notify.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The channel plugged into notify: a send becomes outbox rows that reach the browser. */
class PushThroughNotifyTest {
    private final TestClock clock = new TestClock(Instant.parse("2026-11-02T09:00:00Z"));
    private final VapidKeys keys = VapidKeys.generate();
    private TestPushService service;
    private PushChannel push;
    private Notify notify;

    @BeforeEach
    void setUp() throws Exception {
        service = new TestPushService(keys.publicKeyBase64Url(), clock);
        push = new PushChannel(PushSettings.builder()
                .keys(keys)
                .subject("https://example.com/contact")
                .allowHttp(true)
                .allowPrivateEndpoints(true)
                .build());
    }

    private Notify start(OutboxSettings outbox) {
        notify = Notify.builder()
                .jdbcUrl("jdbc:h2:mem:push_" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1")
                .clock(clock)
                .channel(push)
                .outbox(outbox)
                .build();
        return notify;
    }

    @AfterEach
    void tearDown() {
        if (notify != null) {
            notify.close();
        }
        service.close();
    }

    @Test
    void sentNotificationReachesEveryBrowserOfTheRecipient() {
        start(OutboxSettings.ofDefaults().withWorkers(0));
        Subscriber phone = service.subscribe();
        Subscriber laptop = service.subscribe();
        push.subscribe("alice", phone.subscription(), "Chrome/131 Android");
        push.subscribe("alice", laptop.subscription(), "Firefox/133");

        Notification sent = notify.send(SendRequest.to("alice").type("order_shipped").title("Order #7 shipped")
                .message("It left the warehouse.").link("/orders/7").priority(Priority.HIGH)
                .data(Map.of("collapse_key", "order-7")).build()).first();
        int handed = notify.outbox().deliverDue();

        assertThat(handed).isEqualTo(2);
        for (Subscriber browser : List.of(phone, laptop)) {
            TestPushService.Received got = service.received(browser).get(0);
            JsonNode payload = got.payload();
            assertThat(payload.get("id").asLong()).isEqualTo(sent.id());
            assertThat(payload.get("title").asText()).isEqualTo("Order #7 shipped");
            assertThat(payload.get("body").asText()).isEqualTo("It left the warehouse.");
            assertThat(got.header("Urgency")).isEqualTo("high");
            assertThat(got.header("Topic")).isEqualTo("order-7");
        }
        assertThat(notify.outbox().list(null, PushChannel.NAME, 0, 10))
                .extracting(OutboxEntry::status).containsOnly(OutboxStatus.DELIVERED);
        service.assertNoProblems();
    }

    @Test
    void expiredSubscriptionClosesItsRowAndIsForgotten() {
        start(OutboxSettings.ofDefaults().withWorkers(0));
        Subscriber browser = service.subscribe();
        push.subscribe("alice", browser.subscription());
        service.script(browser, 410);

        notify.send(SendRequest.to("alice").title("Hello").build());
        notify.outbox().deliverDue();

        assertThat(notify.outbox().list(null, PushChannel.NAME, 0, 10))
                .extracting(OutboxEntry::status).containsExactly(OutboxStatus.CLOSED);
        assertThat(push.subscriptions("alice")).isEmpty();
        notify.send(SendRequest.to("alice").title("Anyone there?").build());
        assertThat(notify.outbox().list(null, PushChannel.NAME, 0, 10)).hasSize(1);
        service.assertNoProblems();
    }

    @Test
    void outboxWorkersDeliverOnTheirOwn() {
        start(OutboxSettings.ofDefaults().withWorkers(1).withPollInterval(Duration.ofMillis(100)));
        Subscriber browser = service.subscribe();
        push.subscribe("alice", browser.subscription());

        notify.send(SendRequest.to("alice").title("Ping").build());

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(service.received(browser)).hasSize(1));
        assertThat(notify.channel(PushChannel.class)).containsSame(push);
        service.assertNoProblems();
    }
}
