package dev.notify.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An H2 file database whose process is {@code kill -9}ed inside a large commit, opened again the
 * way notify opens it: the transaction is there entirely or not at all, and its unique keys can
 * be written again at once. (H2 2.5.252 alone leaves such a transaction partly visible, and an
 * insert of one of its missing keys fails with a lock timeout, for good.)
 */
class H2RecoveryTest {
    private static final int ROWS = 100_000;
    private static final int MAX_ATTEMPTS = 10;

    @Test
    void aTransactionKilledInsideItsCommitIsAllThereOrAllGoneAfterTheNextOpen(@TempDir Path dir) throws Exception {
        int killedInsideDurableCommit = 0;
        for (int attempt = 0; attempt < MAX_ATTEMPTS && killedInsideDurableCommit == 0; attempt++) {
            String url = H2Durability.withDurableCommits(
                    "jdbc:h2:file:" + dir.resolve("attempt-" + attempt).resolve("db").toAbsolutePath());
            boolean committedBeforeKill = runAndKillInsideCommit(url);
            NotifyWiring.Database db = NotifyWiring.connect(null, url, null, 2, Duration.ofSeconds(60), null);
            try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("SET LOCK_TIMEOUT 2000");
                long visible;
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
                    rs.next();
                    visible = rs.getLong(1);
                }
                System.out.printf("attempt %d: %s before the kill, %d of %d rows visible after the next open%n",
                        attempt, committedBeforeKill ? "commit returned" : "commit under way", visible, ROWS);
                assertThat(visible).as("rows of one transaction visible after the next open")
                        .isIn(0L, (long) ROWS);
                if (visible == ROWS) {
                    // Its keys are taken, and say so at once (no lock left behind).
                    assertThatThrownBy(() -> s.executeUpdate("INSERT INTO t VALUES (" + ROWS + ", 'k" + (ROWS - 1) + "')"))
                            .isInstanceOfSatisfying(SQLException.class,
                                    e -> assertThat(e.getSQLState()).isEqualTo("23505"));
                    if (!committedBeforeKill) {
                        killedInsideDurableCommit++;
                    }
                } else {
                    assertThat(s.executeUpdate("INSERT INTO t VALUES (0, 'k0')")).isEqualTo(1);
                }
            } finally {
                db.closeAfterFailedStart(); // closes the pool and the bus
            }
        }
        assertThat(killedInsideDurableCommit)
                .as("attempts (of at most %d) killed inside a commit that had become durable", MAX_ATTEMPTS)
                .isPositive();
    }

    /** Runs {@link H2CommitChild} and kills it once two chunks were written during its commit. */
    private static boolean runAndKillInsideCommit(String url) throws Exception {
        Process child = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), H2CommitChild.class.getName(), url,
                Integer.toString(ROWS))
                .redirectErrorStream(true)
                .start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (java.io.IOException e) {
                // the child is gone
            }
        }, "h2-child-output");
        reader.setDaemon(true);
        reader.start();
        try {
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(1))
                    .until(() -> lines.stream().filter("TICK"::equals).count() >= 2
                            || lines.contains("COMMITTED") || !child.isAlive());
            assertThat(child.isAlive()).as("child running; its output: %s", lines).isTrue();
        } finally {
            child.destroyForcibly(); // SIGKILL
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        return lines.contains("COMMITTED");
    }
}
