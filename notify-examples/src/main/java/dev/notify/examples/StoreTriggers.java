package dev.notify.examples;

import dev.notify.Notify;
import dev.notify.SendRequest;
import dev.notify.SendResult;
import dev.notify.template.TemplateRegistry;
import java.util.Map;

/**
 * Business triggers, as a shop or back-office application has them: an application
 * event becomes a templated notification. Orders and stock alerts go to the {@code managers}
 * topic (whoever is a member when the event happens); a task goes to its assignee. The templates
 * are this module's catalogue in {@code src/main/resources/notify/templates}.
 *
 * <pre>{@code
 * Notify notify = Notify.builder().templates(StoreTriggers.catalogue()).build();
 * notify.topics().subscribe(StoreTriggers.MANAGERS, "manager-1");
 * StoreTriggers triggers = new StoreTriggers(notify);
 * triggers.orderCreated(new StoreTriggers.Order("1042", "Ana Reyes", 3, "$42.50"));
 * }</pre>
 */
public final class StoreTriggers {
    /** The topic of the people who run the shop. */
    public static final String MANAGERS = "managers";

    /** An order as the shop stores it. */
    public record Order(String number, String customerName, int itemCount, String total) {
    }

    /** A stock item as the shop stores it. */
    public record InventoryItem(String id, String name, int stock, String unit, int reorderLevel) {
    }

    private final Notify notify;

    public StoreTriggers(Notify notify) {
        this.notify = notify;
    }

    /** This module's template catalogue (inventory, orders, payments, shifts, tasks...), from the classpath. */
    public static TemplateRegistry catalogue() {
        return TemplateRegistry.builder().classpath("notify/templates").build();
    }

    /** A new order: {@code new_order} to every manager; once per order, however often it is called. */
    public SendResult orderCreated(Order order) {
        // README:topic:start
        return notify.send(SendRequest.toTopic(MANAGERS)
                .template("new_order", Map.of(
                        "order_number", order.number(),
                        "customer_name", order.customerName(),
                        "item_count", order.itemCount(),
                        "total", order.total()))
                .data(Map.of("order_number", order.number()))
                .link("/orders/" + order.number())
                .idempotencyKey("order-" + order.number() + "-created")
                .build());
        // README:topic:end
    }

    /**
     * A stock change: {@code out_of_stock} at zero, {@code low_stock_alert} at or below the
     * reorder level, nothing above it.
     *
     * @return what was sent, or null when the stock is fine
     */
    public SendResult stockChanged(InventoryItem item) {
        if (item.stock() > item.reorderLevel()) {
            return null;
        }
        SendRequest.Builder request = SendRequest.toTopic(MANAGERS)
                .data(Map.of("item_id", item.id()))
                .link("/inventory/" + item.id());
        if (item.stock() <= 0) {
            request.template("out_of_stock", Map.of("item_name", item.name()));
        } else {
            request.template("low_stock_alert", Map.of(
                    "item_name", item.name(),
                    "current_stock", item.stock(),
                    "unit", item.unit(),
                    "reorder_level", item.reorderLevel()));
        }
        return notify.send(request.build());
    }

    /** A task assigned to one user; emailed only if still unread after 30 minutes. */
    public SendResult taskAssigned(String assignee, String taskTitle, String assignedBy, String dueDate) {
        return notify.send(SendRequest.to(assignee)
                .template("task_assigned", Map.of("task_title", taskTitle, "assigned_by", assignedBy,
                        "due_date", dueDate))
                .build());
    }
}
