package dev.notify.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The standalone server in a child JVM, {@code kill -9}ed during sends and deliveries and
 * restarted on the same store: every acknowledged notification is stored exactly once, every
 * email reaches SMTP at least once, and the emails sent twice per crash stay within
 * {@link CrashBench#DUPLICATES_PER_CRASH_BOUND}. The larger run is {@code notify-bench crash}.
 */
class CrashSuiteTest {
    private static final int LEASE_SECONDS = 30;

    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

    @Test
    void h2LosesNothingAcknowledgedAcrossKills() throws Exception {
        assertHeld(run("--db=h2", "--notifications=300", "--kills=2"), 2);
    }

    @Test
    void postgresLosesNothingAcknowledgedAcrossKills() throws Exception {
        requirePostgres();
        assertHeld(run("--db=pg", "--notifications=200", "--kills=1"), 1);
    }

    @Test
    void secondPostgresNodeDeliversWhatTheKilledNodeLeft() throws Exception {
        requirePostgres();
        CrashBench.Result r = run("--db=pg", "--nodes=2", "--notifications=300", "--kills=1");
        assertHeld(r, 1);
        assertThat(r.crashes().get(0).restartSeconds()).as("the killed node stays down").isNaN();
    }

    private CrashBench.Result run(String... args) throws Exception {
        String[] all = new String[args.length + 1];
        System.arraycopy(args, 0, all, 0, args.length);
        // Long enough that a batch is never re-claimed from a live worker on a loaded machine (the
        // lease is not renewed while a batch is worked on), short enough that a killed node's rows
        // are delivered again within the test.
        all[args.length] = "--lease=" + LEASE_SECONDS;
        CrashBench.Result r = CrashBench.run(new Args(all, 0), out);
        System.out.print(buffer.toString(StandardCharsets.UTF_8));
        System.out.printf("crash suite %s, %d node(s): duplicates per crash %s (bound %d), without a crash %d%n",
                r.db(), r.nodes(), r.crashes().stream().map(c -> Integer.toString(c.duplicates())).toList(),
                CrashBench.DUPLICATES_PER_CRASH_BOUND, r.duplicatesWithoutCrash());
        return r;
    }

    private static void assertHeld(CrashBench.Result r, int kills) {
        assertThat(r.crashes()).hasSize(kills);
        // SIGKILL, not a polite stop: 128 + 9.
        assertThat(r.crashes()).allSatisfy(c -> assertThat(c.exitStatus()).isEqualTo(137));
        assertThat(r.acknowledged()).isEqualTo(r.notifications());
        assertThat(r.posts()).as("some POSTs died with the server and were sent again")
                .isGreaterThanOrEqualTo(r.notifications());
        assertThat(r.missingAcknowledged()).as("acknowledged but not stored").isZero();
        assertThat(r.storedTwice()).as("stored twice").isZero();
        assertThat(r.stored()).isEqualTo(r.notifications());
        assertThat(r.undelivered()).as("stored but never emailed").isZero();
        assertThat(r.strayEmails()).as("emails for notifications not stored").isZero();
        assertThat(r.messageIdsShared()).as("a notification's emails with different Message-IDs").isZero();
        assertThat(r.distinctMessageIds()).isEqualTo(r.notifications());
        assertThat(r.emailsReceived()).isEqualTo(r.distinctMessageIds() + r.duplicates());
        assertThat(r.crashes()).allSatisfy(c ->
                assertThat(c.duplicates()).isBetween(0, CrashBench.DUPLICATES_PER_CRASH_BOUND));
    }

    private static void requirePostgres() {
        String url = System.getenv().getOrDefault("NOTIFY_TEST_PG_URL", CrashBench.DEFAULT_PG_URL);
        Properties timeouts = new Properties();
        timeouts.setProperty("connectTimeout", "3");
        timeouts.setProperty("loginTimeout", "3");
        try (Connection c = DriverManager.getConnection(url, timeouts)) {
            return;
        } catch (SQLException e) {
            String message = "PostgreSQL not reachable: " + e.getMessage();
            if ("1".equals(System.getenv("NOTIFY_TEST_REQUIRE_PG"))) {
                fail(message + " (NOTIFY_TEST_REQUIRE_PG=1)");
            }
            Assumptions.abort(message + "; set NOTIFY_TEST_REQUIRE_PG=1 to fail instead of skipping");
        }
    }
}
