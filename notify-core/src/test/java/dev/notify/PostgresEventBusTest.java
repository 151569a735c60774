package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.notify.internal.PostgresEventBus;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Several {@link Notify} nodes on one PostgreSQL schema, each with its own LISTEN/NOTIFY bus: a
 * change on one node reaches the streams open on every other.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PostgresEventBusTest {
    /** The bound for a notification to cross nodes. */
    /** Bound on a change reaching another node; generous so a loaded machine does not fail a test. */
    private static final Duration CROSS_NODE = Duration.ofSeconds(30);
    private static final Duration BOUND = Duration.ofSeconds(10);

    private TestDatabases.TestDatabase db;
    private final List<TestDatabases.TestDatabase> moreDatabases = new ArrayList<>();
    private final List<Notify> nodes = new ArrayList<>();

    @BeforeEach
    void createDatabase() {
        db = TestDatabases.create(TestDatabases.Kind.POSTGRES);
    }

    @AfterEach
    void tearDown() {
        nodes.forEach(Notify::close);
        db.close();
        moreDatabases.forEach(TestDatabases.TestDatabase::close);
    }

    /** A node with the defaults: on PostgreSQL that is the LISTEN/NOTIFY bus. */
    private Notify node() {
        return node(db);
    }

    private Notify node(TestDatabases.TestDatabase database) {
        Notify n = database.notifyBuilder().poolSize(3).build();
        nodes.add(n);
        return n;
    }

    private Notify node(PostgresEventBus bus) {
        Notify n = db.notifyBuilder().poolSize(3).eventBus(bus).build();
        nodes.add(n);
        return n;
    }

    private static Notification send(Notify node, String recipient, String title) {
        return node.send(SendRequest.to(recipient).type("test").title(title).build()).first();
    }

    private static ConditionFactory within(Duration bound) {
        return await().atMost(bound).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10));
    }

    private static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    @Test
    void notificationSentOnOneNodeStreamsWithItsContentToAnotherNodesConnection() {
        Notify a = node();
        Notify b = node();
        RecordingSink sink = new RecordingSink();
        a.openStream("alice", sink, StreamOptions.live());

        Notification sent = b.send(SendRequest.to("alice").type("order").title("Order 42 shipped")
                .message("Track it online").data(Map.of("order", 42)).build()).first();

        within(CROSS_NODE).untilAsserted(() -> assertThat(sink.seqs()).containsExactly(1L));
        // The bus carried only the cursor; the hub read the rest from the store.
        assertThat(sink.events.get(0).notification()).isEqualTo(sent);
    }

    @Test
    void readAllReadAndDeleteEventsCrossNodes() {
        Notify a = node();
        Notify b = node();
        Notification first = send(b, "alice", "one");
        Notification second = send(b, "alice", "two");
        RecordingSink sink = new RecordingSink();
        a.openStream("alice", sink, StreamOptions.live());

        b.inbox("alice").markRead(first.id());
        b.inbox("alice").delete(second.id());
        send(b, "alice", "three");
        b.inbox("alice").markAllRead();

        within(CROSS_NODE).untilAsserted(() -> assertThat(sink.kinds()).containsExactly(StreamEvent.Kind.READ,
                StreamEvent.Kind.DELETED, StreamEvent.Kind.NOTIFICATION, StreamEvent.Kind.ALL_READ));
        assertThat(sink.events.get(0).notificationId()).isEqualTo(first.id());
        assertThat(sink.events.get(1).notificationId()).isEqualTo(second.id());
        // Every change is an entry in the log (6th here); up_to_seq names the highest notification read.
        assertThat(sink.events.get(3).seq()).isEqualTo(6);
        assertThat(((Number) sink.events.get(3).fields().get("up_to_seq")).longValue()).isEqualTo(5);
        assertThat(sink.events.get(3).count()).isEqualTo(1);
    }

    @Test
    void aNodeDeliversItsOwnEventsOnceAndIgnoresTheirEchoes() {
        PostgresEventBus busA = new PostgresEventBus();
        PostgresEventBus busB = new PostgresEventBus();
        Notify a = node(busA);
        node(busB);
        RecordingSink sink = new RecordingSink();
        a.openStream("alice", sink, StreamOptions.live());

        for (int i = 1; i <= 20; i++) {
            send(a, "alice", "n" + i);
        }
        // B hearing all 20 means they were NOTIFYed; A's listener got them in the same commit.
        within(BOUND).untilAsserted(() -> assertThat(busB.received()).isEqualTo(20));
        within(BOUND).untilAsserted(() -> assertThat(sink.seqs()).containsExactlyElementsOf(range(1, 20)));
        assertThat(busA.received()).isZero();
        assertThat(sink.events).allSatisfy(e -> assertThat(e.notification()).isNotNull());
    }

    @Test
    void concurrentSendsFromTwoNodesReachAThirdNodesConnectionCompleteAndInOrder() throws Exception {
        Notify a = node();
        Notify b = node();
        Notify c = node();
        RecordingSink sink = new RecordingSink();
        a.openStream("alice", sink, StreamOptions.live());
        int total = 300;

        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> sends = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                Notify via = i % 2 == 0 ? b : c;
                int n = i;
                sends.add(pool.submit(() -> send(via, "alice", "n" + n)));
            }
            for (Future<?> f : sends) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        within(BOUND).untilAsserted(() -> assertThat(sink.seqs()).hasSize(total));
        assertThat(sink.seqs()).containsExactlyElementsOf(range(1, total));
        assertThat(sink.overlappingCalls).hasValue(0);
    }

    @Test
    void listenerKilledWithPgTerminateBackendReconnectsAndCatchesItsConnectionsUp() throws Exception {
        // A first retry after about a second leaves time to send while node A is not listening.
        PostgresEventBus busA = new PostgresEventBus(Duration.ofSeconds(1), Duration.ofSeconds(2),
                PostgresEventBus.DEFAULT_PING_INTERVAL, 500);
        Notify a = node(busA);
        Notify b = node();
        RecordingSink sink = new RecordingSink();
        a.openStream("alice", sink, StreamOptions.live());
        send(b, "alice", "before");
        within(CROSS_NODE).untilAsserted(() -> assertThat(sink.seqs()).containsExactly(1L));
        int pid = busA.listenerPid();

        terminateBackend(pid);
        within(BOUND).until(() -> !busA.isListening());
        for (int i = 2; i <= 4; i++) {
            send(b, "alice", "while A is deaf " + i);
        }
        assertThat(busA.reconnects()).as("sent before A listened again").isZero();

        // Nothing else is sent: only the catch-up after reconnecting can deliver 2..4.
        within(BOUND).untilAsserted(() -> assertThat(sink.seqs()).containsExactly(1L, 2L, 3L, 4L));
        assertThat(busA.reconnects()).isEqualTo(1);
        assertThat(busA.listenerPid()).isNotEqualTo(pid);
        send(b, "alice", "after");
        within(CROSS_NODE).untilAsserted(() -> assertThat(sink.seqs()).containsExactly(1L, 2L, 3L, 4L, 5L));
    }

    @Test
    void installationsInTwoSchemasOfOneDatabaseDoNotHearEachOther() {
        TestDatabases.TestDatabase other = TestDatabases.create(TestDatabases.Kind.POSTGRES);
        moreDatabases.add(other);
        PostgresEventBus busA = new PostgresEventBus();
        PostgresEventBus otherBusB = new PostgresEventBus();
        Notify a = node(busA);
        Notify b = node();
        Notify otherA = node(other);
        Notify otherB = other.notifyBuilder().poolSize(3).eventBus(otherBusB).build();
        nodes.add(otherB);
        assertThat(busA.channel()).isNotEqualTo(otherBusB.channel());
        RecordingSink sink = new RecordingSink();
        a.openStream("alice", sink, StreamOptions.live());

        send(otherA, "alice", "other installation");
        within(BOUND).untilAsserted(() -> assertThat(otherBusB.received()).isEqualTo(1));
        send(b, "alice", "this installation");

        within(CROSS_NODE).untilAsserted(() -> assertThat(sink.seqs()).containsExactly(1L));
        assertThat(sink.events.get(0).notification().title()).isEqualTo("this installation");
        assertThat(busA.received()).isEqualTo(1);
    }

    @Test
    void payloadCarriesNoContentAndStaysFarBelowTheNotifyLimit() {
        String recipient = "ü|".repeat(Limits.RECIPIENT_MAX / 2) + "x"; // multi-byte, and the separator
        Notification n = new Notification(123456789L, recipient, 987654321L, "order", "A title",
                "A long message ".repeat(500), Map.of(), null, Priority.NORMAL, java.time.Instant.now(), null);

        String payload = PostgresEventBus.encode("node12345678", StreamEvent.created(n));
        StreamEvent decoded = PostgresEventBus.decode(payload);

        assertThat(payload).doesNotContain("A title").doesNotContain("A long message");
        assertThat(payload.getBytes(StandardCharsets.UTF_8).length).isLessThan(1000);
        assertThat(decoded.kind()).isEqualTo(StreamEvent.Kind.NOTIFICATION);
        assertThat(decoded.recipient()).isEqualTo(recipient);
        assertThat(decoded.seq()).isEqualTo(987654321L);
        assertThat(decoded.notificationId()).isEqualTo(123456789L);
        assertThat(decoded.notification()).isNull();
    }

    @Test
    void postgresSchemaHasPartialIndexesForUnreadCountsAndOutboxClaims() throws SQLException {
        node();
        List<String> definitions = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl());
             PreparedStatement s = c.prepareStatement(
                     "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname")) {
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    definitions.add(rs.getString(1));
                }
            }
        }
        assertThat(definitions).anySatisfy(d -> assertThat(d)
                .contains("ix_notify_notification_unread").contains("(recipient, seq)").contains("WHERE (read_at IS NULL)"));
        assertThat(definitions).anySatisfy(d -> assertThat(d)
                .contains("ix_notify_outbox_claimable").contains("(due_at, id)").contains("WHERE"));
    }

    @Test
    void hostDataSourceOnPostgresAlsoGetsTheListenNotifyBus() {
        HikariDataSource poolA = hostPool();
        HikariDataSource poolB = hostPool();
        try {
            Notify a = Notify.builder().dataSource(poolA).build();
            nodes.add(a);
            Notify b = Notify.builder().dataSource(poolB).build();
            nodes.add(b);
            RecordingSink sink = new RecordingSink();
            a.openStream("alice", sink, StreamOptions.live());

            send(b, "alice", "via the host's pool");

            within(CROSS_NODE).untilAsserted(() -> assertThat(sink.seqs()).containsExactly(1L));
        } finally {
            nodes.forEach(Notify::close);
            nodes.clear();
            poolA.close();
            poolB.close();
        }
    }

    @Test
    void connectionTimeoutBelowAQuarterSecondIsRejected() {
        assertThatThrownBy(() -> Notify.builder().connectionTimeout(Duration.ofMillis(100)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("connectionTimeout must be >= 250 ms but was PT0.1S");
    }

    private HikariDataSource hostPool() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.jdbcUrl());
        config.setMaximumPoolSize(3);
        return new HikariDataSource(config);
    }

    @Test
    void closingANodeIsPrompt() {
        Notify a = node();
        send(a, "alice", "one");
        long started = System.nanoTime();
        nodes.remove(a);
        a.close();
        // Prompt: no listener poll or pool timeout is waited out (those are 30 s and more).
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    }

    private void terminateBackend(int pid) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl()); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT pg_terminate_backend(" + pid + ")")) {
                rs.next();
                assertThat(rs.getBoolean(1)).as("terminated backend " + pid).isTrue();
            }
        }
    }
}
