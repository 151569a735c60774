package dev.notify.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.notify.Notification;
import dev.notify.Notify;
import dev.notify.SendRequest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class OrderTransactionExampleTest {

    @Test
    void orderAndNotificationCommitTogetherOrNotAtAll() throws Exception {
        String url = "jdbc:h2:mem:orders-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        OrderTransactionExample.Orders orders = new OrderTransactionExample.Orders();
        try (Notify notify = Notify.builder().jdbcUrl(url).build(); Connection c = DriverManager.getConnection(url)) {
            orders.createTable(c);
            long id = OrderTransactionExample.placeOrder(notify, orders, "lamp");
            assertThat(notify.inbox("manager").list().items()).extracting(Notification::title)
                    .containsExactly("Order " + id);

            // An order the database refuses (item too long) leaves no notification behind.
            assertThatThrownBy(() -> OrderTransactionExample.placeOrder(notify, orders, "x".repeat(101)))
                    .isInstanceOf(SQLException.class);
            assertThat(notify.inbox("manager").list().items()).hasSize(1);

            // A failure after the send rolls back the order and the notification already sent in it.
            assertThatThrownBy(() -> notify.inTransaction(tx -> {
                long orderId = orders.insert(tx.connection(), "desk");
                tx.send(SendRequest.to("manager").type("new_order").title("Order " + orderId).build());
                throw new SQLException("payment declined");
            })).isInstanceOf(SQLException.class).hasMessage("payment declined");
            assertThat(notify.inbox("manager").list().items()).extracting(Notification::title)
                    .containsExactly("Order " + id);
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM orders")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(1);
            }
        }
    }
}
