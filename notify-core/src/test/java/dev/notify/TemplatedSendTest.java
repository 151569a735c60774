package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.notify.outbox.Delivery;
import dev.notify.outbox.OutboxEntry;
import dev.notify.outbox.OutboxSettings;
import dev.notify.outbox.OutboxStatus;
import dev.notify.template.MissingParametersException;
import dev.notify.template.Template;
import dev.notify.template.TemplateRegistry;
import dev.notify.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Sends that name a template: rendering per recipient, what is stored, what channels get, escalation. */
@ParameterizedClass(name = "{0}")
@EnumSource(TestDatabases.Kind.class)
class TemplatedSendTest {
    private static final Instant START = Instant.parse("2026-03-02T10:00:00Z");
    static final Map<String, Object> PAPER = Map.of("item_name", "Printer <paper>", "current_stock", 3,
            "unit", "reams", "reorder_level", 10);

    static TemplateRegistry templates() {
        return TemplateRegistry.builder()
                .template(Template.builder("low_stock_alert")
                        .type("low_stock")
                        .category("inventory")
                        .defaultLocale(Locale.ENGLISH)
                        .locale(Locale.ENGLISH, Template.Parts.of("Low stock: {{item_name}}",
                                        "Only {{current_stock}} {{unit}} left (reorder at {{reorder_level}}).")
                                .withEmail("Reorder {{item_name}}", "Only {{current_stock}} {{unit}} left.",
                                        "<p>Only <b>{{current_stock}} {{unit}}</b> of {{item_name}} left.</p>")
                                .withPush("Low stock", "{{item_name}}: {{current_stock}} {{unit}}"))
                        .locale(Locale.FRENCH, Template.Parts.of("Stock bas : {{item_name}}",
                                "Plus que {{current_stock}} {{unit}}."))
                        .build())
                .template(Template.builder("password_changed")
                        .type("security")
                        .category("security")
                        .required(true)
                        .locale(Locale.ENGLISH, Template.Parts.of("Your password was changed", "If it was not you, tell us."))
                        .build())
                .template(Template.builder("task_assigned")
                        .category("tasks")
                        .escalateAfter(Duration.ofMinutes(30))
                        .locale(Locale.ENGLISH, Template.Parts.of("New task: {{task}}", ""))
                        .build())
                .build();
    }

    @Parameter
    TestDatabases.Kind kind;

    private TestDatabases.TestDatabase db;
    private TestClock clock;
    private RecordingChannel email;
    private RecordingChannel push;
    private Notify notify;

    @BeforeEach
    void setUp() {
        db = TestDatabases.create(kind);
        clock = new TestClock(START);
        email = RecordingChannel.likeEmail();
        push = new RecordingChannel("push");
        notify = db.notifyBuilder().clock(clock).channel(email).channel(push).templates(templates())
                .outbox(OutboxSettings.ofDefaults().withWorkers(0)).build();
    }

    @AfterEach
    void tearDown() {
        notify.close();
        db.close();
    }

    @Test
    void rendersInEachRecipientsLocaleAndHandsChannelsTheirParts() {
        notify.recipients().put(new Recipient("pierre", null, null, Locale.CANADA_FRENCH, null));
        SendResult result = notify.send(SendRequest.to("alice", "pierre").template("low_stock_alert", PAPER).build());

        Notification alice = result.notifications().get(0);
        Notification pierre = result.notifications().get(1);
        assertThat(alice.type()).isEqualTo("low_stock");
        assertThat(alice.title()).isEqualTo("Low stock: Printer <paper>");
        assertThat(alice.message()).isEqualTo("Only 3 reams left (reorder at 10).");
        assertThat(pierre.title()).isEqualTo("Stock bas : Printer <paper>");
        assertThat(notify.inbox("pierre").list(InboxQuery.firstPage()).items().get(0).title())
                .isEqualTo("Stock bas : Printer <paper>");

        assertThat(notify.outbox().deliverDue()).isEqualTo(4);
        Delivery mail = email.delivered.stream().filter(d -> d.notification().recipient().equals("alice")).findFirst()
                .orElseThrow();
        assertThat(mail.part().title()).isEqualTo("Reorder Printer <paper>");
        assertThat(mail.part().html()).contains("of Printer &lt;paper&gt; left");
        Delivery note = push.delivered.stream().filter(d -> d.notification().recipient().equals("alice")).findFirst()
                .orElseThrow();
        assertThat(note.part().title()).isEqualTo("Low stock");
        assertThat(note.part().body()).isEqualTo("Printer <paper>: 3 reams");
    }

    @Test
    void anExplicitLocaleWinsOverTheProfile() {
        Notification n = notify.send(SendRequest.to("alice").template("low_stock_alert", PAPER)
                .locale(Locale.FRENCH).build()).first();
        assertThat(n.title()).startsWith("Stock bas");
    }

    @Test
    void aMissingParameterFailsBeforeAnythingIsStored() {
        assertThatThrownBy(() -> notify.send(SendRequest.to("alice")
                .template("low_stock_alert", Map.of("item_name", "Paper")).build()))
                .isInstanceOf(MissingParametersException.class)
                .hasMessageContaining("current_stock, reorder_level, unit")
                .extracting(e -> ((MissingParametersException) e).code()).isEqualTo("missing_parameters");
        assertThat(notify.inbox("alice").unreadCount()).isZero();
        assertThat(notify.outbox().list(null, null, 0, 10)).isEmpty();
    }

    @Test
    void anUnknownTemplateIsABadRequest() {
        assertThatThrownBy(() -> notify.send(SendRequest.to("alice").template("nope", Map.of()).build()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("no template named 'nope'");
    }

    @Test
    void templateAndLiteralTextExcludeEachOther() {
        assertThatThrownBy(() -> SendRequest.to("alice").title("Hi").template("low_stock_alert", PAPER).build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("exclude each other");
        assertThatThrownBy(() -> SendRequest.to("alice").type("x").template("low_stock_alert", PAPER).build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("comes from the template");
    }

    @Test
    void aRequiredTemplateBypassesOptOutsAndQuietHours() {
        notify.preferences().optOut("alice", "email", Preferences.ALL_TYPES);
        notify.preferences().optOutCategory("alice", "push", "security");
        notify.preferences().quietHours("alice", QuietHours.parse("09:00", "18:00", "UTC"));
        notify.send(SendRequest.to("alice").template("password_changed", Map.of()).build());

        assertThat(notify.outbox().deliverDue()).isEqualTo(2);
        assertThat(email.delivered).hasSize(1);
        assertThat(push.delivered).hasSize(1);
    }

    @Test
    void anEscalationEmailWaitsAndIsDroppedWhenReadMeanwhile() {
        Notification n = notify.send(SendRequest.to("alice").template("task_assigned", Map.of("task", "Review"))
                .build()).first();
        assertThat(notify.outbox().deliverDue()).isEqualTo(1); // push at once
        assertThat(push.delivered).hasSize(1);
        OutboxEntry row = notify.outbox().list(null, "email", 0, 10).get(0);
        assertThat(row.dueAt()).isEqualTo(START.plus(Duration.ofMinutes(30)));

        notify.inbox("alice").markRead(n.id());
        clock.advance(Duration.ofMinutes(30));
        assertThat(notify.outbox().deliverDue()).isEqualTo(1);
        assertThat(email.delivered).isEmpty();
        OutboxEntry closed = notify.outbox().list(null, "email", 0, 10).get(0);
        assertThat(closed.status()).isEqualTo(OutboxStatus.CLOSED);
        assertThat(closed.lastError()).isEqualTo("read before escalation");
    }

    @Test
    void anEscalationEmailGoesOutWhenStillUnread() {
        notify.send(SendRequest.to("alice").template("task_assigned", Map.of("task", "Review")).build());
        notify.outbox().deliverDue();
        clock.advance(Duration.ofMinutes(29));
        notify.outbox().deliverDue();
        assertThat(email.delivered).isEmpty();
        clock.advance(Duration.ofMinutes(1));
        notify.outbox().deliverDue();
        assertThat(email.delivered).hasSize(1);
        assertThat(email.delivered.peek().part().title()).isEqualTo("New task: Review");
    }

    @Test
    void literalSendsStillWorkWithoutRenderedParts() {
        notify.send(SendRequest.to("alice").type("order").title("Order shipped").build());
        notify.outbox().deliverDue();
        assertThat(email.delivered.peek().part()).isNull();
        assertThat(List.copyOf(email.delivered).get(0).notification().title()).isEqualTo("Order shipped");
    }
}
