package dev.notify.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snooze waker and expiry housekeeping run every second or so on every node: on H2, whose
 * indexes hold the NULLs most rows have in {@code snoozed_until} and {@code expires_at}, they
 * must read the snoozed and expiring rows only, not the whole table.
 */
class HousekeepingQueriesTest {
    private static final int PLAIN_ROWS = 5_000;
    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

    private JdbiNotificationStore store;

    @BeforeEach
    void fill(@TempDir Path dir) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(H2Durability.withDurableCommits("jdbc:h2:file:" + dir.resolve("notify").toAbsolutePath()));
        JdbiNotificationStore.migrate(ds);
        store = new JdbiNotificationStore(ds);
        store.jdbi().useHandle(h -> {
            h.execute("INSERT INTO notify_notification (recipient, seq, type, title, message, data, priority,"
                    + " created_at) SELECT 'u' || X, 1, 't', 'plain', '', '{}', 'normal', TIMESTAMP WITH TIME ZONE"
                    + " '2026-06-01 00:00:00+00' FROM SYSTEM_RANGE(1, " + PLAIN_ROWS + ")");
            insert(h, "due snooze", 2, NOW.minus(1, ChronoUnit.MINUTES), null);
            insert(h, "later snooze", 3, NOW.plus(1, ChronoUnit.HOURS), null);
            insert(h, "expired", 4, null, NOW.minus(1, ChronoUnit.SECONDS));
            insert(h, "expires later", 5, null, NOW.plus(1, ChronoUnit.DAYS));
        });
    }

    private static void insert(Handle h, String title, long seq, Instant snoozedUntil, Instant expiresAt) {
        h.createUpdate("INSERT INTO notify_notification (recipient, seq, type, title, message, data, priority,"
                        + " created_at, snoozed_until, expires_at) VALUES ('u1', :seq, 't', :title, '', '{}', 'normal',"
                        + " :created, :snoozed, :expires)")
                .bind("seq", seq)
                .bind("title", title)
                .bind("created", JdbiNotificationStore.timestamp(NOW))
                .bind("snoozed", JdbiNotificationStore.nullableTimestamp(snoozedUntil))
                .bind("expires", JdbiNotificationStore.nullableTimestamp(expiresAt))
                .execute();
    }

    @Test
    void findDueSnoozesAndExpiriesByTheirOwnRowsOnly() {
        assertThat(store.dueSnoozes(NOW, 100)).extracting(JdbiNotificationStore.DueSnooze::until)
                .containsExactly(NOW.minus(1, ChronoUnit.MINUTES));
        assertThat(store.nextSnoozeDue()).contains(NOW.minus(1, ChronoUnit.MINUTES));

        // Rows read for each statement, as H2 counts them: a handful, not the table's 5,004.
        assertThat(scanned(JdbiNotificationStore.DUE_SNOOZES, NOW)).isLessThanOrEqualTo(5);
        assertThat(scanned(JdbiNotificationStore.NEXT_SNOOZE, null)).isLessThanOrEqualTo(5);
        assertThat(scanned(JdbiNotificationStore.DELETE_EXPIRED, NOW)).isLessThanOrEqualTo(5);

        assertThat(store.deleteExpired(NOW, NOW)).isEqualTo(1);
        int left = store.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM notify_notification")
                .mapTo(Integer.class).one());
        assertThat(left).isEqualTo(PLAIN_ROWS + 3);
    }

    @Test
    void noSnoozeLeftMeansNoneDue() {
        store.jdbi().useHandle(h -> h.execute("UPDATE notify_notification SET snoozed_until = NULL"));
        assertThat(store.nextSnoozeDue()).isEmpty();
        assertThat(store.dueSnoozes(NOW.plus(365, ChronoUnit.DAYS), 100)).isEmpty();
    }

    private static final Pattern SCAN_COUNT = Pattern.compile("scanCount: (\\d+)");

    /** The {@code scanCount} H2's {@code EXPLAIN ANALYZE} reports for {@code sql} (run, then rolled back). */
    private int scanned(String sql, Instant now) {
        return store.jdbi().inTransaction(h -> {
            var q = h.createQuery("EXPLAIN ANALYZE " + sql)
                    .bind("floor", JdbiNotificationStore.timestamp(JdbiNotificationStore.TIME_FLOOR));
            if (sql.contains(":now")) {
                q.bind("now", JdbiNotificationStore.timestamp(now));
            }
            if (sql.contains(":limit")) {
                q.bind("limit", 100);
            }
            String plan = q.mapTo(String.class).one();
            h.rollback();
            Matcher m = SCAN_COUNT.matcher(plan);
            assertThat(m.find()).as(plan).isTrue();
            return Integer.parseInt(m.group(1));
        });
    }
}
