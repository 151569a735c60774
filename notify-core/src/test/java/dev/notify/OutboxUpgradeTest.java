package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.notify.outbox.Delivery;
import dev.notify.outbox.OutboxEntry;
import dev.notify.outbox.OutboxSettings;
import dev.notify.outbox.OutboxStatus;
import dev.notify.testing.TestClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Outbox rows written by the previous release (payload format version 1: the notification's
 * fields at the top level, rendered {@code email} and {@code push} objects beside them) are
 * delivered by this one after an upgrade, with the same text and the same rules.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(TestDatabases.Kind.class)
class OutboxUpgradeTest {
    private static final Instant START = Instant.parse("2026-03-02T10:00:00Z");

    @Parameter
    TestDatabases.Kind kind;

    private TestDatabases.TestDatabase db;
    private final TestClock clock = new TestClock(START);
    private final RecordingChannel email = RecordingChannel.likeEmail();
    private final RecordingChannel push = new RecordingChannel("push");

    @BeforeEach
    void setUp() {
        db = TestDatabases.create(kind);
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    /** The payload exactly as the previous release wrote it for a templated notification. */
    private static String version1(Notification n, String extra) {
        return "{\"id\":" + n.id() + ",\"recipient\":\"" + n.recipient() + "\",\"seq\":" + n.seq()
                + ",\"type\":\"low_stock\",\"title\":\"Low stock: Paper\",\"message\":\"Only 3 left\",\"data\":{\"sku\":\"P-1\"},"
                + "\"link\":\"/items/P-1\",\"priority\":\"high\",\"read\":false,\"created_at\":\"" + n.createdAt()
                + "\",\"read_at\":null" + extra + "}";
    }

    private static final String RENDERED = ",\"email\":{\"subject\":\"Reorder Paper\",\"text\":\"Only 3 reams.\","
            + "\"html\":\"<p>Only <b>3</b></p>\"},\"push\":{\"title\":\"Low stock\",\"body\":\"Paper: 3\"},"
            + "\"category\":\"inventory\",\"required\":false";

    private void insertRow(Notification n, String channel, String destination, String payload) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl());
             PreparedStatement s = c.prepareStatement("INSERT INTO notify_outbox (notification_id, recipient, channel,"
                     + " destination, payload, status, attempts, due_at, created_at, updated_at)"
                     + " VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)")) {
            Timestamp at = Timestamp.from(START);
            s.setLong(1, n.id());
            s.setString(2, n.recipient());
            s.setString(3, channel);
            s.setString(4, destination);
            s.setString(5, payload);
            s.setTimestamp(6, at);
            s.setTimestamp(7, at);
            s.setTimestamp(8, at);
            s.executeUpdate();
        }
    }

    @Test
    void rowsInThePreviousFormatAreDeliveredWithTheirTextAndRules() throws SQLException {
        Notification alice;
        Notification bob;
        // Notifications stored before the upgrade (no channels, so no rows of the current format).
        try (Notify before = db.notifyBuilder().clock(clock).build()) {
            alice = before.send(SendRequest.to("alice").type("low_stock").title("Low stock: Paper").build()).first();
            bob = before.send(SendRequest.to("bob").type("low_stock").title("Low stock: Paper").build()).first();
            before.inbox("bob").markRead(bob.id());
        }
        insertRow(alice, "email", "alice@example.com", version1(alice, RENDERED));
        insertRow(alice, "push", "11", version1(alice, RENDERED));
        insertRow(alice, "push", "12", version1(alice, "")); // a literal send: no rendered parts
        insertRow(bob, "email", "bob@example.com", version1(bob, RENDERED + ",\"escalation\":true"));
        insertRow(bob, "email", "bob@example.com", version1(bob, ",\"digest\":{\"category\":\"inventory\","
                + "\"frequency\":\"daily\",\"period_end\":\"2026-03-02T10:00:00Z\"}")
                .replace("\"type\":\"low_stock\"", "\"type\":\"digest\""));
        try (Notify after = db.notifyBuilder().clock(clock).channel(email).channel(push)
                .outbox(OutboxSettings.ofDefaults().withWorkers(0)).build()) {
            assertThat(after.outbox().deliverDue()).isEqualTo(5);

            Delivery mail = email.delivered.peek();
            assertThat(email.delivered).hasSize(1);
            assertThat(mail.destination()).isEqualTo("alice@example.com");
            assertThat(mail.part().title()).isEqualTo("Reorder Paper");
            assertThat(mail.part().body()).isEqualTo("Only 3 reams.");
            assertThat(mail.part().html()).isEqualTo("<p>Only <b>3</b></p>");
            Notification n = mail.notification();
            assertThat(n.id()).isEqualTo(alice.id());
            assertThat(n.seq()).isEqualTo(alice.seq());
            assertThat(n.priority()).isEqualTo(Priority.HIGH);
            assertThat(n.data()).containsEntry("sku", "P-1");
            assertThat(n.link()).isEqualTo("/items/P-1");
            assertThat(n.createdAt()).isEqualTo(alice.createdAt());

            List<Delivery> notes = List.copyOf(push.delivered);
            assertThat(notes).extracting(Delivery::destination).containsExactlyInAnyOrder("11", "12");
            assertThat(notes).filteredOn(d -> d.destination().equals("11")).singleElement()
                    .satisfies(d -> {
                        assertThat(d.part().title()).isEqualTo("Low stock");
                        assertThat(d.part().body()).isEqualTo("Paper: 3");
                    });
            assertThat(notes).filteredOn(d -> d.destination().equals("12")).singleElement()
                    .satisfies(d -> assertThat(d.part()).isNull());

            // The escalation flag still holds: bob read his notification, so his email is dropped.
            // The digest row is still a digest: it collects its items (none here, so it is dropped).
            assertThat(after.outbox().list(OutboxStatus.CLOSED, "email", 0, 10)).extracting(OutboxEntry::lastError)
                    .containsExactlyInAnyOrder("read before escalation", "empty digest: its notifications were deleted");
        }
    }
}
