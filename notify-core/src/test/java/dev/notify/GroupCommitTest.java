package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Concurrent sends sharing transactions (group commit): each caller gets its own result or its
 * own error, and a request that fails, before or inside the shared transaction, fails alone.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(TestDatabases.Kind.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class GroupCommitTest {
    private static final int SENDERS = 200;
    private static final int USERS = 20;
    /** A title the test's CHECK constraint rejects: a failure only the database finds. */
    private static final String FORBIDDEN = "forbidden";

    @Parameter
    TestDatabases.Kind kind;

    private TestDatabases.TestDatabase db;
    private Notify notify;
    private final List<RecordingSink> sinks = new ArrayList<>();

    @BeforeEach
    void setUp() throws SQLException {
        db = TestDatabases.create(kind);
        notify = db.notifyBuilder().poolSize(8).groupCommit(true).build();
        try (Connection c = DriverManager.getConnection(db.jdbcUrl()); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE notify_notification ADD CONSTRAINT test_no_forbidden CHECK (title <> '"
                    + FORBIDDEN + "')");
        }
    }

    @AfterEach
    void tearDown() {
        sinks.forEach(RecordingSink::release);
        notify.close();
        db.close();
    }

    private static String user(int i) {
        return "user-" + (i % USERS);
    }

    /** Every fortieth request from 7 names a template that does not exist; every fortieth from 27 breaks the constraint. */
    private static SendRequest request(int i) {
        if (i % 40 == 7) {
            return SendRequest.to(user(i)).template("no-such-template", Map.of()).build();
        }
        return SendRequest.to(user(i)).type("burst").title(i % 40 == 27 ? FORBIDDEN : "send " + i).build();
    }

    @Test
    void twoHundredConcurrentSendersStoreTheValidOnesOnceAndEachInvalidOneFailsAlone() throws Exception {
        Map<String, RecordingSink> streams = new HashMap<>();
        for (int u = 0; u < USERS; u++) {
            RecordingSink sink = new RecordingSink();
            sinks.add(sink);
            streams.put(user(u), sink);
            notify.openStream(user(u), sink, StreamOptions.live());
        }
        ExecutorService pool = Executors.newFixedThreadPool(SENDERS);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Notification>> outcomes = new ArrayList<>();
        try {
            for (int i = 0; i < SENDERS; i++) {
                SendRequest r = request(i);
                outcomes.add(pool.submit(() -> {
                    go.await();
                    return notify.send(r).first();
                }));
            }
            go.countDown();
            List<Notification> stored = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            for (int i = 0; i < SENDERS; i++) {
                try {
                    Notification n = outcomes.get(i).get(120, TimeUnit.SECONDS);
                    assertThat(n.title()).isEqualTo("send " + i);
                    assertThat(n.recipient()).isEqualTo(user(i));
                    stored.add(n);
                } catch (java.util.concurrent.ExecutionException e) {
                    NotifyException cause = (NotifyException) e.getCause();
                    errors.add(i + ":" + cause.code());
                }
            }
            List<String> expectedErrors = new ArrayList<>();
            for (int i = 0; i < SENDERS; i++) {
                if (i % 40 == 7) {
                    expectedErrors.add(i + ":unknown_template");
                } else if (i % 40 == 27) {
                    expectedErrors.add(i + ":" + StoreFailures.FAILED);
                }
            }
            assertThat(errors).containsExactlyInAnyOrderElementsOf(expectedErrors);
            assertThat(stored).hasSize(SENDERS - 10);
            assertThat(query("SELECT COUNT(*) FROM notify_notification")).isEqualTo(SENDERS - 10);
            assertThat(query("SELECT COUNT(*) FROM (SELECT recipient FROM notify_notification GROUP BY recipient"
                    + " HAVING COUNT(*) <> MAX(seq) OR COUNT(DISTINCT seq) <> COUNT(*) OR MIN(seq) <> 1) x"))
                    .as("recipients whose sequences are not 1..n").isZero();
            // Whether these callers shared transactions depends on how the machine scheduled them (on a
            // loaded one they may arrive one at a time); GroupCommitQueueTest forces the grouping.

            Set<Long> storedIds = new HashSet<>();
            stored.forEach(n -> storedIds.add(n.id()));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(streamedIds(streams))
                    .hasSize(SENDERS - 10));
            assertThat(streamedIds(streams)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(storedIds);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSendAloneIsStoredAndStreamedAsBefore() {
        RecordingSink sink = new RecordingSink();
        sinks.add(sink);
        notify.openStream("solo", sink, StreamOptions.live());
        Notification n = notify.send(SendRequest.to("solo").type("t").title("one").build()).first();
        assertThat(n.seq()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(sink.events)
                .extracting(StreamEvent::notificationId).containsExactly(n.id()));
    }

    private static List<Long> streamedIds(Map<String, RecordingSink> streams) {
        List<Long> ids = new ArrayList<>();
        for (RecordingSink sink : streams.values()) {
            for (StreamEvent e : sink.events) {
                if (e.kind() == StreamEvent.Kind.NOTIFICATION) {
                    ids.add(e.notificationId());
                }
            }
        }
        return ids;
    }

    private long query(String sql) throws SQLException {
        return db.queryLong(sql);
    }
}
