package dev.notify.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.notify.internal.JdbiNotificationStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;

/**
 * Group commit with the grouping forced, whatever the machine's load: both lanes are held by
 * leaders whose writes wait on a latch, so every later write queues; released, the queue commits
 * as one group, and the failing writes in it are split out down to single writes and returned to
 * their callers, while the others share transactions.
 */
class GroupCommitQueueTest {
    private static final int QUEUED = 24;

    @Test
    void queuedWritesShareATransactionAndFailingOnesAreSplitOut() throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:group-commit-queue;DB_CLOSE_DELAY=-1");
        JdbiNotificationStore.migrate(ds);
        JdbiNotificationStore store = new JdbiNotificationStore(ds);
        store.jdbi().useHandle(h -> h.execute("CREATE TABLE gc_probe (v INT PRIMARY KEY, CHECK (v >= 0))"));
        GroupCommit group = new GroupCommit(store, 2, 64, TimeUnit.MILLISECONDS.toNanos(1));
        CountDownLatch hold = new CountDownLatch(1);
        CountDownLatch leading = new CountDownLatch(2);
        ExecutorService pool = Executors.newFixedThreadPool(2 + QUEUED);
        try {
            List<Future<Boolean>> leaders = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                int v = 1000 + i;
                leaders.add(pool.submit(() -> write(group, v, h -> {
                    leading.countDown();
                    awaitRelease(hold);
                })));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> leading.getCount() == 0);
            List<Future<Boolean>> queued = new ArrayList<>();
            for (int i = 0; i < QUEUED; i++) {
                // Every sixth one breaks the CHECK constraint.
                int v = i % 6 == 5 ? -1 - i : i;
                queued.add(pool.submit(() -> write(group, v, h -> { })));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> group.queued() == QUEUED);
            hold.countDown();

            for (Future<Boolean> f : leaders) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isTrue();
            }
            List<Integer> alone = new ArrayList<>();
            for (int i = 0; i < QUEUED; i++) {
                if (!queued.get(i).get(60, TimeUnit.SECONDS)) {
                    alone.add(i);
                }
            }
            assertThat(alone).as("writes handed back to write alone").containsExactly(5, 11, 17, 23);
            assertThat(group.sharedCommits()).as("transactions that held more than one write").isPositive();
            List<Integer> stored = store.jdbi().withHandle(h ->
                    h.createQuery("SELECT v FROM gc_probe ORDER BY v").mapTo(Integer.class).list());
            assertThat(stored).hasSize(2 + QUEUED - 4).allSatisfy(v -> assertThat(v).isNotNegative());
        } finally {
            pool.shutdownNow();
        }
    }

    /** One write through the group: true if it committed there, false if handed back to write alone. */
    private static boolean write(GroupCommit group, int v, java.util.function.Consumer<Handle> before) {
        group.announce();
        JdbiNotificationStore.Inserted r = group.write(List.of("r" + Math.abs(v)), h -> {
            before.accept(h);
            h.execute("INSERT INTO gc_probe (v) VALUES (?)", v);
            return new JdbiNotificationStore.Inserted(Map.of(), List.of());
        });
        return r != null;
    }

    private static void awaitRelease(CountDownLatch latch) {
        try {
            if (!latch.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
