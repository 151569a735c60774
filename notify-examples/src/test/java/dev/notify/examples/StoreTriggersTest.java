package dev.notify.examples;

import static dev.notify.testing.NotifyTestKit.data;
import static dev.notify.testing.NotifyTestKit.title;
import static dev.notify.testing.NotifyTestKit.to;
import static dev.notify.testing.NotifyTestKit.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.notify.Recipient;
import dev.notify.template.TemplateRegistry;
import dev.notify.testing.NotifyTestKit;
import dev.notify.DigestFrequency;
import dev.notify.Notify;
import dev.notify.outbox.Delivery;
import dev.notify.testing.TestClock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The business triggers, checked with notify's test kit: no server, no SMTP. */
class StoreTriggersTest {
    private NotifyTestKit kit;
    private StoreTriggers triggers;

    @BeforeEach
    void setUp() {
        // README:testkit-setup:start
        kit = NotifyTestKit.builder().templates(StoreTriggers.catalogue()).build();
        kit.notifier().topics().subscribe(StoreTriggers.MANAGERS, "42");
        kit.notifier().topics().subscribe(StoreTriggers.MANAGERS, "43");
        triggers = new StoreTriggers(kit.notifier());
        // README:testkit-setup:end
    }

    @AfterEach
    void tearDown() {
        kit.close();
    }

    @Test
    void aNewOrderNotifiesEveryManagerOnce() {
        // README:testkit:start
        triggers.orderCreated(new StoreTriggers.Order("1042", "Ana Reyes", 3, "$42.50"));
        triggers.orderCreated(new StoreTriggers.Order("1042", "Ana Reyes", 3, "$42.50")); // a retried request

        kit.assertSent(to("42"), type("new_order"));
        kit.assertSent(1, to("43"), type("new_order"), title("New order #1042"), data("order_number", "1042"));
        kit.assertDelivered("email", to("42"), type("new_order"));
        assertThat(kit.deliveries("email").get(0).part().body()).isEqualTo("Ana Reyes ordered 3 item(s) for $42.50.");
        // README:testkit:end
    }

    @Test
    void lowStockAlertsManagersInTheirLanguageAndHealthyStockDoesNot() {
        kit.notifier().recipients().put(new Recipient("43", "ines@example.com", "Inés", Locale.forLanguageTag("es-MX"),
                null));
        triggers.stockChanged(new StoreTriggers.InventoryItem("7", "Coffee beans", 50, "kg", 10));
        kit.assertNothingSent();

        triggers.stockChanged(new StoreTriggers.InventoryItem("7", "Coffee beans", 5, "kg", 10));
        kit.assertSent(to("42"), type("low_stock"), title("Low stock: Coffee beans"));
        kit.assertSent(to("43"), type("low_stock"), title("Stock bajo: Coffee beans"));
        kit.assertDelivered("push", to("42"));
        assertThat(kit.deliveries("email")).anySatisfy(d -> {
            assertThat(d.destination()).isEqualTo("ines@example.com");
        });

        triggers.stockChanged(new StoreTriggers.InventoryItem("7", "Coffee beans", 0, "kg", 10));
        kit.assertSent(2, type("out_of_stock"));
    }

    @Test
    void aManagerWhoSwitchedEmailOffGetsOnlyTheInboxAndPush() {
        kit.notifier().preferences().optOutCategory("42", "email", "orders");
        triggers.orderCreated(new StoreTriggers.Order("7", "Bo", 1, "$3.00"));
        kit.assertSent(to("42"), type("new_order"));
        assertThat(kit.deliveries("email")).extracting(d -> d.notification().recipient()).containsExactly("43");
        kit.assertDelivered("push", to("42"));
    }

    @Test
    void aManagerOnADailyInventoryDigestGetsOneEmailAtMidnight() {
        TestClock clock = new TestClock(Instant.parse("2026-03-02T09:00:00Z"));
        try (NotifyTestKit kit = NotifyTestKit.builder().templates(StoreTriggers.catalogue()).clock(clock).build()) {
            Notify notify = kit.notifier();
            notify.topics().subscribe(StoreTriggers.MANAGERS, "42");
            notify.preferences().digest("42", "inventory", DigestFrequency.DAILY);
            StoreTriggers triggers = new StoreTriggers(notify);

            triggers.stockChanged(new StoreTriggers.InventoryItem("7", "Coffee beans", 5, "kg", 10));
            triggers.stockChanged(new StoreTriggers.InventoryItem("8", "Milk", 0, "l", 6));
            kit.assertSent(2, to("42"));               // in the inbox at once
            kit.assertNothingDelivered("email");       // the email waits for the digest

            clock.set(Instant.parse("2026-03-03T00:00:00Z"));
            List<Delivery> emails = kit.deliveries("email");
            assertThat(emails).hasSize(1);
            assertThat(emails.get(0).part().title()).isEqualTo("Your daily inventory digest: 2 new");
            assertThat(emails.get(0).part().body()).isEqualTo("""
                    - Low stock: Coffee beans: Only 5 kg of Coffee beans left (reorder level 10).
                    - Out of stock: Milk: Milk is out of stock. Reorder now.
                    """);
        }
    }

    @Test
    void failedAssertionsSayWhatWasSent() {
        triggers.taskAssigned("alice", "Review the Q3 report", "Bob", "Friday");
        assertThatThrownBy(() -> kit.assertSent(to("bob"), type("task_assigned")))
                .isInstanceOf(AssertionError.class)
                .hasMessage("expected a notification to bob, of type task_assigned but sent were:"
                        + " [to alice, type task_assigned, 'New task: Review the Q3 report']");
        assertThatThrownBy(kit::assertNothingSent).isInstanceOf(AssertionError.class);
        // The escalation email waits 30 minutes: nothing yet.
        kit.assertNothingDelivered("email");
    }

    @Test
    void everyCatalogueTemplatePreviewsWithItsSample() {
        TemplateRegistry catalogue = StoreTriggers.catalogue();
        assertThat(catalogue.names()).contains("low_stock_alert", "out_of_stock", "item_expiring_soon", "item_expired",
                "new_order", "order_completed", "order_cancelled", "payment_received", "payment_failed",
                "catering_booking_confirmed", "catering_booking_pending", "catering_booking_cancelled",
                "catering_reminder", "shift_assigned", "shift_updated", "shift_cancelled", "leave_approved",
                "leave_rejected", "system_maintenance", "backup_completed", "backup_failed", "task_assigned");
        for (String name : catalogue.names()) {
            var template = catalogue.get(name);
            assertThat(catalogue.render(name, template.sample(), null).inApp().title()).as(name).doesNotContain("{{");
        }
    }
}
