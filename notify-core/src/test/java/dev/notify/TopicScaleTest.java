package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.notify.outbox.OutboxSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A topic of 20,000 members: written in chunks of 1,000 members per transaction, with every
 * member's sequence gap-free, while other broadcasts and personal sends run at the same time; and
 * a send stopped between two chunks, completed by sending it again with its idempotency key.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(TestDatabases.Kind.class)
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class TopicScaleTest {
    private static final int MEMBERS = 20_000;
    private static final String TOPIC = "everyone";

    @Parameter
    TestDatabases.Kind kind;

    private TestDatabases.TestDatabase db;
    private final RecordingChannel push = new RecordingChannel("push");
    private Notify notify;

    @BeforeEach
    void setUp() throws SQLException {
        db = TestDatabases.create(kind);
        notify = db.notifyBuilder().poolSize(8).channel(push).outbox(OutboxSettings.ofDefaults().withWorkers(0))
                .build();
        // Members added in one batch; the topic API adds one at a time, which is not what is tested here.
        try (Connection c = DriverManager.getConnection(db.jdbcUrl());
             PreparedStatement s = c.prepareStatement(
                     "INSERT INTO notify_topic_member (topic, recipient, created_at) VALUES (?, ?, ?)")) {
            for (int i = 0; i < MEMBERS; i++) {
                s.setString(1, TOPIC);
                s.setString(2, member(i));
                s.setTimestamp(3, Timestamp.from(Instant.now()));
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    @AfterEach
    void tearDown() {
        notify.close();
        db.close();
    }

    private static String member(int i) {
        return String.format("m%05d", i);
    }

    private long query(String sql) throws SQLException {
        return db.queryLong(sql);
    }

    /** Recipients whose sequences are not exactly 1..n, or whose counter is not at n. */
    private long recipientsWithGapsOrDuplicates() throws SQLException {
        return query("SELECT COUNT(*) FROM (SELECT n.recipient FROM notify_notification n"
                + " JOIN notify_recipient c ON c.recipient = n.recipient GROUP BY n.recipient, c.last_seq"
                + " HAVING COUNT(*) <> MAX(n.seq) OR COUNT(DISTINCT n.seq) <> COUNT(*) OR MIN(n.seq) <> 1"
                + " OR c.last_seq <> MAX(n.seq)) x");
    }

    @Test
    void everyMemberGetsExactlyOneNotificationWithAGapFreeSequence() throws SQLException {
        SendResult result = notify.send(SendRequest.toTopic(TOPIC).type("broadcast").title("Maintenance at 22:00")
                .build());

        assertThat(result.created()).isEqualTo(MEMBERS);
        assertThat(result.notifications()).hasSize(MEMBERS);
        assertThat(query("SELECT COUNT(DISTINCT recipient) FROM notify_notification")).isEqualTo(MEMBERS);
        assertThat(query("SELECT COUNT(*) FROM notify_notification")).isEqualTo(MEMBERS);
        assertThat(query("SELECT MAX(seq) FROM notify_notification")).isEqualTo(1);
        assertThat(query("SELECT COUNT(*) FROM notify_outbox WHERE channel = 'push'")).isEqualTo(MEMBERS);
        assertThat(recipientsWithGapsOrDuplicates()).isZero();
    }

    @Test
    void concurrentBroadcastsAndPersonalSendsNeitherFailNorLeaveGapsOrDuplicates() throws Exception {
        int personalThreads = 4;
        int personalPerThread = 40;
        ExecutorService pool = Executors.newFixedThreadPool(2 + personalThreads);
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger personalNotifications = new AtomicInteger();
        List<Future<?>> work = new ArrayList<>();
        try {
            for (int b = 0; b < 2; b++) {
                String title = "Broadcast " + b;
                work.add(pool.submit((Callable<SendResult>) () -> {
                    go.await();
                    return notify.send(SendRequest.toTopic(TOPIC).type("broadcast").title(title).build());
                }));
            }
            for (int t = 0; t < personalThreads; t++) {
                Random random = new Random(t);
                work.add(pool.submit((Callable<Void>) () -> {
                    go.await();
                    for (int i = 0; i < personalPerThread; i++) {
                        // Two or three members at once, picked anywhere: their counters are locked together.
                        List<String> to = new ArrayList<>();
                        int n = 2 + random.nextInt(2);
                        while (to.size() < n) {
                            String m = member(random.nextInt(MEMBERS));
                            if (!to.contains(m)) {
                                to.add(m);
                            }
                        }
                        notify.send(SendRequest.to(to).type("personal").title("For you").build());
                        personalNotifications.addAndGet(n);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : work) {
                f.get(500, TimeUnit.SECONDS); // any error of any send fails here
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(query("SELECT COUNT(*) FROM notify_notification WHERE type = 'broadcast'")).isEqualTo(2L * MEMBERS);
        assertThat(query("SELECT COUNT(*) FROM (SELECT recipient, title FROM notify_notification WHERE type = 'broadcast'"
                + " GROUP BY recipient, title HAVING COUNT(*) <> 1) x")).isZero();
        assertThat(query("SELECT COUNT(*) FROM notify_notification WHERE type = 'personal'"))
                .isEqualTo(personalNotifications.get());
        assertThat(recipientsWithGapsOrDuplicates()).isZero();
        assertThat(query("SELECT COUNT(*) FROM notify_outbox")).isEqualTo(2L * MEMBERS + personalNotifications.get());
    }

    @Test
    void aSendStoppedBetweenChunksIsCompletedBySendingItAgainWithItsIdempotencyKey() throws SQLException {
        AtomicInteger chunks = new AtomicInteger();
        notify.pipeline().betweenChunks(() -> {
            if (chunks.incrementAndGet() == 2) {
                throw new IllegalStateException("process stopped after the second chunk");
            }
        });
        SendRequest request = SendRequest.toTopic(TOPIC).type("broadcast").title("Quarterly results")
                .idempotencyKey("q3-results").build();

        assertThatThrownBy(() -> notify.send(request)).hasMessageContaining("process stopped");
        // The two committed chunks hold the first 2,000 members in id order, and only them.
        assertThat(query("SELECT COUNT(*) FROM notify_notification")).isEqualTo(2000);
        assertThat(query("SELECT COUNT(*) FROM notify_notification WHERE recipient > '" + member(1999) + "'"))
                .isZero();

        notify.pipeline().betweenChunks(() -> {
        });
        SendResult completed = notify.send(request);

        assertThat(completed.created()).isEqualTo(MEMBERS - 2000);
        assertThat(completed.notifications()).hasSize(MEMBERS);
        assertThat(query("SELECT COUNT(*) FROM notify_notification")).isEqualTo(MEMBERS);
        assertThat(query("SELECT COUNT(DISTINCT recipient) FROM notify_notification")).isEqualTo(MEMBERS);
        assertThat(query("SELECT COUNT(*) FROM notify_outbox")).isEqualTo(MEMBERS);
        assertThat(recipientsWithGapsOrDuplicates()).isZero();
    }
}
