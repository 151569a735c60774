package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two nodes (two {@link Notify} instances, each with its own pool) sending to the same recipients
 * at once, on one database: sequences stay gap-free and unique, and a reader never sees a sequence
 * committed before a lower one.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(TestDatabases.Kind.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ConcurrentSendSequenceTest {
    private static final int THREADS_PER_NODE = 4;
    private static final int PER_THREAD = 60;

    @Parameter
    TestDatabases.Kind kind;

    private TestDatabases.TestDatabase db;
    private Notify a;
    private Notify b;

    @BeforeEach
    void setUp() {
        db = TestDatabases.create(kind);
        a = db.notifyBuilder().poolSize(4).build();
        b = db.notifyBuilder().poolSize(4).build();
    }

    @AfterEach
    void tearDown() {
        a.close();
        b.close();
        db.close();
    }

    @Test
    void firstSendsToANewRecipientFromTwoNodesAtOnceGetGaplessUniqueSequences() throws Exception {
        // No counter row exists yet: both nodes create it at the same moment.
        List<Long> seqs = onBothNodes((node, t, i) -> node.send(SendRequest.to("carol").title("n" + i).build()).first().seq());

        int total = 2 * THREADS_PER_NODE * PER_THREAD;
        assertThat(seqs).hasSize(total).doesNotHaveDuplicates();
        assertThat(seqs.stream().sorted().toList()).containsExactlyElementsOf(range(1, total));
        assertThat(committedSeqs("carol")).containsExactlyElementsOf(range(1, total));
    }

    @Test
    void readerNeverSeesAHigherSequenceCommittedBeforeALowerOne() throws Exception {
        a.send(SendRequest.to("alice").title("first").build());
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicInteger reads = new AtomicInteger();
        List<String> gaps = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (Connection c = DriverManager.getConnection(db.jdbcUrl())) {
                while (sending.get()) {
                    List<Long> seen = seqs(c, "alice");
                    for (int i = 0; i < seen.size(); i++) {
                        if (seen.get(i) != i + 1) {
                            gaps.add("read " + seen.size() + " rows; position " + i + " holds seq " + seen.get(i));
                            return;
                        }
                    }
                    reads.incrementAndGet();
                }
            } catch (Exception e) {
                gaps.add(e.toString());
            }
        });
        reader.start();
        try {
            onBothNodes((node, t, i) -> {
                // Mixed with idempotent repeats and rolled-back host transactions, neither of which may leave a gap.
                if (i % 10 == 3) {
                    return node.send(SendRequest.to("alice").title("once").idempotencyKey("key-" + i).build()).first().seq();
                }
                if (i % 10 == 7) {
                    assertThatThrownBy(() -> node.useTransaction(tx -> {
                        tx.send(SendRequest.to("alice").title("rolled back").build());
                        throw new IllegalStateException("host work failed");
                    })).isInstanceOf(IllegalStateException.class);
                    return -1L;
                }
                return node.send(SendRequest.to("alice").title("t" + t + " #" + i).build()).first().seq();
            });
        } finally {
            sending.set(false);
            reader.join(TimeUnit.SECONDS.toMillis(10));
        }

        assertThat(gaps).isEmpty();
        assertThat(reads.get()).isPositive();
        int keyed = PER_THREAD / 10; // one send per key 3, 13, 23, ... across all threads and nodes
        int plain = 2 * THREADS_PER_NODE * (PER_THREAD - 2 * keyed);
        int total = 1 + keyed + plain;
        assertThat(committedSeqs("alice")).containsExactlyElementsOf(range(1, total));
        assertThat(a.send(SendRequest.to("alice").title("next").build()).first().seq()).isEqualTo(total + 1);
    }

    interface Task {
        long run(Notify node, int thread, int iteration) throws Exception;
    }

    /** Runs the task {@link #PER_THREAD} times on each of several threads per node, all released at once. */
    private List<Long> onBothNodes(Task task) throws Exception {
        int threads = 2 * THREADS_PER_NODE;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            ConcurrentLinkedQueue<Long> results = new ConcurrentLinkedQueue<>();
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Notify node = t % 2 == 0 ? a : b;
                Callable<Void> body = () -> {
                    go.await();
                    for (int i = 0; i < PER_THREAD; i++) {
                        long r = task.run(node, thread, i);
                        if (r >= 0) {
                            results.add(r);
                        }
                    }
                    return null;
                };
                futures.add(pool.submit(body));
            }
            go.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
            return List.copyOf(results);
        } finally {
            pool.shutdownNow();
        }
    }

    private List<Long> committedSeqs(String recipient) throws Exception {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl())) {
            return seqs(c, recipient);
        }
    }

    private static List<Long> seqs(Connection c, String recipient) throws Exception {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT seq FROM notify_notification WHERE recipient = ? ORDER BY seq")) {
            s.setString(1, recipient);
            try (ResultSet rs = s.executeQuery()) {
                List<Long> seqs = new ArrayList<>();
                while (rs.next()) {
                    seqs.add(rs.getLong(1));
                }
                return seqs;
            }
        }
    }

    private static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }
}
