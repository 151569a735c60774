package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.notify.outbox.Delivery;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.outbox.DeliveryOutcome;
import dev.notify.outbox.DeliveryTarget;
import dev.notify.outbox.OutboxEntry;
import dev.notify.outbox.OutboxSettings;
import dev.notify.template.TemplateRegistry;
import dev.notify.template.TemplateSource;
import dev.notify.testing.TestClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A channel the core knows nothing of, {@code sms}, configured like any other: it gets the text
 * its template part defines (or the in-app text), and opt-outs and quiet hours apply to it.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(TestDatabases.Kind.class)
class CustomChannelTest {
    private static final Instant START = Instant.parse("2026-03-02T10:00:00Z");

    @Parameter
    TestDatabases.Kind kind;

    @TempDir
    Path templates;

    private TestDatabases.TestDatabase db;
    private TestClock clock;
    private final SmsChannel sms = new SmsChannel(Map.of("alice", "+33600000001", "bob", "+33600000002"));
    private final RecordingChannel push = new RecordingChannel("push");
    private Notify notify;

    /** Sends an SMS to the phone number a host keeps for each user; users without one get none. */
    static final class SmsChannel implements DeliveryChannel {
        final ConcurrentLinkedQueue<Delivery> sent = new ConcurrentLinkedQueue<>();
        private final Map<String, String> phones;

        SmsChannel(Map<String, String> phones) {
            this.phones = phones;
        }

        @Override
        public String name() {
            return "sms";
        }

        @Override
        public List<String> destinations(DeliveryTarget target) {
            String phone = phones.get(target.recipient());
            return phone == null ? List.of() : List.of(phone);
        }

        @Override
        public List<DeliveryOutcome> deliver(List<Delivery> batch) {
            List<DeliveryOutcome> outcomes = new ArrayList<>();
            for (Delivery d : batch) {
                sent.add(d);
                outcomes.add(DeliveryOutcome.delivered());
            }
            return outcomes;
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        // A template file in the documented format, with a part for the sms channel.
        Files.writeString(templates.resolve("low_stock_alert.json"), """
                {"type": "low_stock", "category": "inventory",
                 "locales": {"en": {"title": "Low stock: {{item}}", "message": "Only {{n}} left of {{item}}.",
                                    "sms": {"body": "STOCK {{item}}={{n}}"},
                                    "push": {"title": "Low stock"}}}}
                """);
        Files.writeString(templates.resolve("welcome.json"), """
                {"locales": {"en": {"title": "Welcome, {{name}}", "message": "Glad you are here."}}}
                """);
        db = TestDatabases.create(kind);
        clock = new TestClock(START);
        notify = db.notifyBuilder().clock(clock).channel(sms).channel(push)
                .templates(TemplateRegistry.builder().source(TemplateSource.directory(templates)).build())
                .outbox(OutboxSettings.ofDefaults().withWorkers(0)).build();
    }

    @AfterEach
    void tearDown() {
        notify.close();
        db.close();
    }

    @Test
    void theChannelGetsItsOwnTemplatedTextAndOnlyRecipientsWithADestination() {
        notify.send(SendRequest.to("alice", "carol").template("low_stock_alert", Map.of("item", "Paper", "n", 3))
                .build());

        assertThat(notify.outbox().deliverDue()).isEqualTo(3); // sms to alice, push to both
        assertThat(sms.sent).singleElement().satisfies(d -> {
            assertThat(d.destination()).isEqualTo("+33600000001");
            assertThat(d.part().body()).isEqualTo("STOCK Paper=3");
            assertThat(d.part().title()).isEqualTo("Low stock: Paper"); // no title in the sms part: the in-app one
            assertThat(d.part().html()).isNull();
        });
        assertThat(push.delivered).extracting(d -> d.part().title()).containsOnly("Low stock");
        assertThat(push.delivered).extracting(d -> d.part().body()).containsOnly("Only 3 left of Paper.");
    }

    @Test
    void aTemplateWithoutAnSmsPartSendsTheInAppText() {
        notify.send(SendRequest.to("bob").template("welcome", Map.of("name", "Bob")).build());

        notify.outbox().deliverDue();
        assertThat(sms.sent).singleElement().satisfies(d -> {
            assertThat(d.part().title()).isEqualTo("Welcome, Bob");
            assertThat(d.part().body()).isEqualTo("Glad you are here.");
        });
    }

    @Test
    void optOutsOfTheChannelByTypeOrCategoryApply() {
        notify.preferences().optOut("alice", "sms", "low_stock");
        notify.preferences().optOutCategory("bob", "sms", "inventory");
        notify.send(SendRequest.to("alice", "bob").template("low_stock_alert", Map.of("item", "Paper", "n", 3))
                .build());
        notify.send(SendRequest.to("alice", "bob").template("welcome", Map.of("name", "you")).build());

        notify.outbox().deliverDue();
        assertThat(sms.sent).extracting(d -> d.notification().type() + "/" + d.notification().recipient())
                .containsExactlyInAnyOrder("welcome/alice", "welcome/bob");
        assertThat(push.delivered).hasSize(4);
    }

    @Test
    void atMostOneChannelMayTakeDigests() {
        DeliveryChannel digestingSms = new DeliveryChannel() {
            @Override
            public String name() {
                return "sms";
            }

            @Override
            public boolean takesDigests() {
                return true;
            }

            @Override
            public List<String> destinations(DeliveryTarget target) {
                return List.of();
            }

            @Override
            public List<DeliveryOutcome> deliver(List<Delivery> batch) {
                return List.of();
            }
        };

        assertThatThrownBy(() -> db.notifyBuilder().channel(RecordingChannel.likeEmail()).channel(digestingSms).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("at most one channel may take digests but [email, sms] all do");
    }

    @Test
    void quietHoursHoldTheChannelUntilTheyEnd() {
        notify.preferences().quietHours("alice", QuietHours.parse("09:00", "12:00", "UTC"));
        notify.send(SendRequest.to("alice").template("low_stock_alert", Map.of("item", "Paper", "n", 3)).build());

        notify.outbox().deliverDue();
        assertThat(sms.sent).isEmpty();
        OutboxEntry row = notify.outbox().list(null, "sms", 0, 10).get(0);
        assertThat(row.dueAt()).isEqualTo(Instant.parse("2026-03-02T12:00:00Z"));

        clock.advance(Duration.ofHours(2));
        notify.outbox().deliverDue();
        assertThat(sms.sent).singleElement().extracting(d -> d.part().body()).isEqualTo("STOCK Paper=3");
    }
}
