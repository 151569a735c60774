package dev.notify.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.notify.DigestFrequency;
import dev.notify.QuietHours;
import dev.notify.Recipient;
import dev.notify.SendRequest;
import dev.notify.internal.DigestStore;
import dev.notify.internal.OutboxStore;
import dev.notify.internal.PreferenceSnapshot;
import dev.notify.outbox.Delivery;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.outbox.DeliveryOutcome;
import dev.notify.outbox.DeliveryTarget;
import dev.notify.template.MissingParametersException;
import dev.notify.template.Template;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The planner on its own: plain values in, a plan out; no database, no clock, no threads. */
class SendPlannerTest {
    private static final Instant NOON = Instant.parse("2026-06-10T12:00:00Z");
    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");

    private final TestChannel email = new TestChannel("email", true, true);
    private final TestChannel push = new TestChannel("push", false, false);
    private final List<DeliveryChannel> channels = List.of(email, push);

    private final Template lowStock = Template.builder("low_stock_alert")
            .type("low_stock")
            .category("inventory")
            .locale(Locale.ENGLISH, Template.Parts.of("Low stock: {{item}}", "Only {{n}} left")
                    .withEmail("Reorder {{item}}", null, null))
            .locale(Locale.FRENCH, Template.Parts.of("Stock bas : {{item}}", "Plus que {{n}}"))
            .defaultLocale(Locale.ENGLISH)
            .build();

    private static SendRequest templated(String template, String... recipients) {
        return SendRequest.to(recipients).template(template, Map.of("item", "Coffee", "n", 3)).build();
    }

    @Test
    void everyChannelGetsOneRowPerDestinationDueAtOnceWithoutPreferences() {
        SendPlan plan = SendPlanner.plan(templated("low_stock_alert", "alice", "bob"), lowStock, Map.of(),
                PreferenceSnapshot.NONE, channels, NOON);

        assertThat(plan.deliveriesOf("alice")).extracting(OutboxStore.Planned::channel, OutboxStore.Planned::destination,
                OutboxStore.Planned::dueAt).containsExactly(
                org.assertj.core.groups.Tuple.tuple("email", "email:alice", null),
                org.assertj.core.groups.Tuple.tuple("push", "push:alice", null));
        assertThat(plan.deliveriesOf("bob")).hasSize(2);
        assertThat(plan.contents().get("alice").title()).isEqualTo("Low stock: Coffee");
        assertThat(plan.contents().get("alice").type()).isEqualTo("low_stock");
        assertThat(plan.digests()).isEmpty();
    }

    @Test
    void rendersEachRecipientInTheProfileLocaleUnlessTheRequestNamesOne() {
        Map<String, Recipient> profiles = Map.of("marie", new Recipient("marie", null, null, Locale.FRENCH, null));

        SendPlan plan = SendPlanner.plan(templated("low_stock_alert", "alice", "marie"), lowStock, profiles,
                PreferenceSnapshot.NONE, List.of(), NOON);
        SendPlan english = SendPlanner.plan(SendRequest.to("marie").locale(Locale.ENGLISH)
                .template("low_stock_alert", Map.of("item", "Coffee", "n", 3)).build(), lowStock, profiles,
                PreferenceSnapshot.NONE, List.of(), NOON);

        assertThat(plan.contents().get("alice").title()).isEqualTo("Low stock: Coffee");
        assertThat(plan.contents().get("marie").title()).isEqualTo("Stock bas : Coffee");
        assertThat(english.contents().get("marie").title()).isEqualTo("Low stock: Coffee");
        assertThat(plan.deliveries()).isEmpty();
    }

    @Test
    void aMissingParameterFailsThePlan() {
        SendRequest request = SendRequest.to("alice").template("low_stock_alert", Map.of("item", "Coffee")).build();

        assertThatThrownBy(() -> SendPlanner.plan(request, lowStock, Map.of(), PreferenceSnapshot.NONE, channels, NOON))
                .isInstanceOf(MissingParametersException.class)
                .hasMessageContaining("n");
    }

    @Test
    void aTypeOptOutRemovesThatChannelOnly() {
        PreferenceSnapshot prefs = new PreferenceSnapshot(Map.of("alice", Map.of("email", Set.of("low_stock"))),
                Map.of(), Map.of(), Map.of());

        SendPlan plan = SendPlanner.plan(templated("low_stock_alert", "alice", "bob"), lowStock, Map.of(), prefs,
                channels, NOON);

        assertThat(plan.deliveriesOf("alice")).extracting(OutboxStore.Planned::channel).containsExactly("push");
        assertThat(plan.deliveriesOf("bob")).extracting(OutboxStore.Planned::channel).containsExactly("email", "push");
    }

    @Test
    void aWildcardTypeOptOutAndACategoryOptOutBothApply() {
        PreferenceSnapshot prefs = new PreferenceSnapshot(Map.of("alice", Map.of("push", Set.of("*"))),
                Map.of("alice", Map.of("email", Set.of("inventory"))), Map.of(), Map.of());

        SendPlan templatedPlan = SendPlanner.plan(templated("low_stock_alert", "alice"), lowStock, Map.of(), prefs,
                channels, NOON);
        // A literal send has no category: only the type opt-outs apply.
        SendPlan literal = SendPlanner.plan(SendRequest.to("alice").type("order").title("Shipped").build(), null,
                Map.of(), prefs, channels, NOON);

        assertThat(templatedPlan.deliveriesOf("alice")).isEmpty();
        assertThat(literal.deliveriesOf("alice")).extracting(OutboxStore.Planned::channel).containsExactly("email");
    }

    @Test
    void quietHoursAcrossMidnightMoveTheDueTimeToTheirEndInTheRecipientsZone() {
        // 22:00-07:00 in Paris (UTC+2 in June); 23:30 local is inside, ending at 07:00 the next day = 05:00Z.
        Instant lateEvening = Instant.parse("2026-06-10T21:30:00Z");
        PreferenceSnapshot prefs = new PreferenceSnapshot(Map.of(), Map.of(),
                Map.of("alice", new QuietHours(LocalTime.of(22, 0), LocalTime.of(7, 0), null)), Map.of());
        Map<String, Recipient> profiles = Map.of("alice", new Recipient("alice", null, null, null, PARIS));

        SendPlan plan = SendPlanner.plan(templated("low_stock_alert", "alice", "bob"), lowStock, profiles, prefs,
                channels, lateEvening);

        assertThat(plan.deliveriesOf("alice")).extracting(OutboxStore.Planned::dueAt)
                .containsOnly(Instant.parse("2026-06-11T05:00:00Z"));
        assertThat(plan.deliveriesOf("bob")).extracting(OutboxStore.Planned::dueAt).containsOnly((Instant) null);
    }

    @Test
    void quietHoursEndingOnTheNightClocksGoForwardEndAtTheShiftedWallTime() {
        // Paris springs forward on 29 March 2026 at 02:00 (UTC+1 -> UTC+2). A 01:00-04:00 window entered at
        // 01:30 local (00:30Z) ends at 04:00 CEST = 02:00Z, two hours of real time later, not three.
        Instant inside = Instant.parse("2026-03-29T00:30:00Z");
        PreferenceSnapshot prefs = new PreferenceSnapshot(Map.of(), Map.of(),
                Map.of("alice", new QuietHours(LocalTime.of(1, 0), LocalTime.of(4, 0), PARIS)), Map.of());

        SendPlan plan = SendPlanner.plan(templated("low_stock_alert", "alice"), lowStock, Map.of(), prefs,
                channels, inside);

        assertThat(plan.deliveriesOf("alice")).extracting(OutboxStore.Planned::dueAt)
                .containsOnly(Instant.parse("2026-03-29T02:00:00Z"));
    }

    @Test
    void aDigestCategoryFoldsTheChannelsThatTakeDigestsAndLeavesTheOthers() {
        PreferenceSnapshot prefs = new PreferenceSnapshot(Map.of(), Map.of(), Map.of(),
                Map.of("alice", Map.of("inventory", DigestFrequency.DAILY)));
        Map<String, Recipient> profiles = Map.of("alice", new Recipient("alice", null, null, null, PARIS));

        SendPlan plan = SendPlanner.plan(templated("low_stock_alert", "alice"), lowStock, profiles, prefs, channels,
                NOON);

        assertThat(plan.deliveriesOf("alice")).extracting(OutboxStore.Planned::channel).containsExactly("push");
        assertThat(plan.digestsOf("alice")).containsExactly(
                new DigestStore.Planned("email", "inventory", "email:alice", DigestFrequency.DAILY, PARIS));
    }

    @Test
    void escalationDelaysOnlyTheChannelsThatTakeItAndIsNeverDigested() {
        Template urgent = Template.builder("urgent").category("inventory").escalateAfter(Duration.ofMinutes(30))
                .locale(Locale.ENGLISH, Template.Parts.of("Urgent", "")).build();
        PreferenceSnapshot prefs = new PreferenceSnapshot(Map.of(), Map.of(), Map.of(),
                Map.of("alice", Map.of("inventory", DigestFrequency.DAILY)));

        SendPlan plan = SendPlanner.plan(SendRequest.to("alice").template("urgent", Map.of()).build(), urgent,
                Map.of(), prefs, channels, NOON);

        assertThat(plan.digestsOf("alice")).isEmpty();
        OutboxStore.Planned mail = plan.deliveriesOf("alice").get(0);
        OutboxStore.Planned note = plan.deliveriesOf("alice").get(1);
        assertThat(mail.channel()).isEqualTo("email");
        assertThat(mail.escalation()).isTrue();
        assertThat(mail.dueAt()).isEqualTo(NOON.plus(Duration.ofMinutes(30)));
        assertThat(note.escalation()).isFalse();
        assertThat(note.dueAt()).isNull();
    }

    @Test
    void aRequiredTemplateBypassesOptOutsQuietHoursAndDigests() {
        Template security = Template.builder("security_alert").category("security").required(true)
                .locale(Locale.ENGLISH, Template.Parts.of("Password changed", "")).build();
        PreferenceSnapshot prefs = new PreferenceSnapshot(Map.of("alice", Map.of("email", Set.of("*"))),
                Map.of("alice", Map.of("push", Set.of("security"))),
                Map.of("alice", new QuietHours(LocalTime.of(0, 0), LocalTime.of(23, 59), null)),
                Map.of("alice", Map.of("security", DigestFrequency.WEEKLY)));

        SendPlan plan = SendPlanner.plan(SendRequest.to("alice").template("security_alert", Map.of()).build(),
                security, Map.of(), prefs, channels, NOON);

        assertThat(plan.deliveriesOf("alice")).extracting(OutboxStore.Planned::channel, OutboxStore.Planned::dueAt,
                OutboxStore.Planned::required).containsExactly(
                org.assertj.core.groups.Tuple.tuple("email", null, true),
                org.assertj.core.groups.Tuple.tuple("push", null, true));
        assertThat(plan.digests()).isEmpty();
    }

    @Test
    void aRecipientWithoutDestinationsOnAChannelGetsNoRowThere() {
        TestChannel sparse = new TestChannel("sms", false, false) {
            @Override
            public List<String> destinations(DeliveryTarget target) {
                return target.recipient().equals("alice") ? List.of("+33600000001") : List.of();
            }
        };

        SendPlan plan = SendPlanner.plan(SendRequest.to("alice", "bob").title("Hi").build(), null, Map.of(),
                PreferenceSnapshot.NONE, List.of(sparse), NOON);

        assertThat(plan.deliveriesOf("alice")).extracting(OutboxStore.Planned::destination).containsExactly("+33600000001");
        assertThat(plan.deliveriesOf("bob")).isEmpty();
    }

    @Test
    void aCustomChannelCarriesItsOwnPartAndTheOthersFallBackToTheirsOrTheInAppText() {
        Template withSms = Template.builder("low_stock_alert").category("inventory")
                .locale(Locale.ENGLISH, Template.Parts.of("Low stock: {{item}}", "Only {{n}} left")
                        .withChannel("sms", new Template.ChannelPart(null, "STOCK {{item}}={{n}}", null)))
                .build();
        TestChannel sms = new TestChannel("sms", false, false);

        SendPlan plan = SendPlanner.plan(templated("low_stock_alert", "alice"), withSms, Map.of(),
                PreferenceSnapshot.NONE, List.of(sms, push), NOON);

        OutboxStore.Planned text = plan.deliveriesOf("alice").get(0);
        OutboxStore.Planned note = plan.deliveriesOf("alice").get(1);
        assertThat(text.channel()).isEqualTo("sms");
        assertThat(text.rendered().part("sms").body()).isEqualTo("STOCK Coffee=3");
        assertThat(text.category()).isEqualTo("inventory");
        assertThat(note.rendered().part("push").title()).isEqualTo("Low stock: Coffee");
        assertThat(note.rendered().part("push").body()).isEqualTo("Only 3 left");
    }

    /** A channel of plain values: destinations "name:recipient", flags as given; never delivers here. */
    private static class TestChannel implements DeliveryChannel {
        private final String name;
        private final boolean digests;
        private final boolean escalation;

        TestChannel(String name, boolean digests, boolean escalation) {
            this.name = name;
            this.digests = digests;
            this.escalation = escalation;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean takesDigests() {
            return digests;
        }

        @Override
        public boolean takesEscalation() {
            return escalation;
        }

        @Override
        public List<String> destinations(DeliveryTarget target) {
            return List.of(name + ":" + target.recipient());
        }

        @Override
        public List<DeliveryOutcome> deliver(List<Delivery> batch) {
            throw new AssertionError("the planner never delivers");
        }
    }
}
