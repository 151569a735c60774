package dev.notify;

import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * Hands out a fresh, isolated database per test: an H2 in-memory database with a unique name, or
 * a throwaway schema in PostgreSQL.
 *
 * <p>PostgreSQL is found through {@code NOTIFY_TEST_PG_URL} (default
 * {@value #DEFAULT_PG_URL}). When it cannot be reached, PostgreSQL tests are skipped, unless
 * {@code NOTIFY_TEST_REQUIRE_PG=1}, which makes them fail instead (CI sets it).
 */
final class TestDatabases {
    static final String DEFAULT_PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    /** The databases notify supports. */
    enum Kind {
        H2, POSTGRES
    }

    private static volatile String pgUnavailable; // null: not checked yet, "": reachable

    private TestDatabases() {
    }

    /** A new empty database of the given kind; skips (or fails) the test if PostgreSQL is down. */
    static TestDatabase create(Kind kind) {
        return kind == Kind.H2 ? h2() : postgres();
    }

    private static TestDatabase h2() {
        String url = "jdbc:h2:mem:notify_" + randomSuffix() + ";DB_CLOSE_DELAY=-1";
        return new TestDatabase(Kind.H2, url, () -> execute(url, "SHUTDOWN"));
    }

    private static TestDatabase postgres() {
        String base = pgBaseUrl();
        requirePostgres(base);
        String schema = "t_" + randomSuffix();
        execute(base, "CREATE SCHEMA " + schema);
        String url = base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        return new TestDatabase(Kind.POSTGRES, url, () -> execute(base, "DROP SCHEMA IF EXISTS " + schema + " CASCADE"));
    }

    static String pgBaseUrl() {
        String url = System.getenv("NOTIFY_TEST_PG_URL");
        return url == null || url.isBlank() ? DEFAULT_PG_URL : url;
    }

    private static void requirePostgres(String url) {
        String problem = pgUnavailable;
        if (problem == null) {
            Properties timeouts = new Properties();
            timeouts.setProperty("connectTimeout", "20");
            timeouts.setProperty("loginTimeout", "20");
            try (Connection c = DriverManager.getConnection(url, timeouts)) {
                problem = "";
            } catch (SQLException e) {
                problem = e.getMessage();
            }
            pgUnavailable = problem;
        }
        if (problem.isEmpty()) {
            return;
        }
        String message = "PostgreSQL not reachable at " + Notify.Builder.redact(url) + ": " + problem;
        if ("1".equals(System.getenv("NOTIFY_TEST_REQUIRE_PG"))) {
            fail(message + " (NOTIFY_TEST_REQUIRE_PG=1)");
        }
        Assumptions.abort(message + "; set NOTIFY_TEST_REQUIRE_PG=1 to fail instead of skipping");
    }

    private static void execute(String url, String sql) {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("'" + sql + "' failed on " + Notify.Builder.redact(url), e);
        }
    }

    private static String randomSuffix() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    /** One test's database; {@link #close()} drops it. */
    static final class TestDatabase implements AutoCloseable {
        private final Kind kind;
        private final String jdbcUrl;
        private final Runnable drop;

        private TestDatabase(Kind kind, String jdbcUrl, Runnable drop) {
            this.kind = kind;
            this.jdbcUrl = jdbcUrl;
            this.drop = drop;
        }

        Kind kind() {
            return kind;
        }

        String jdbcUrl() {
            return jdbcUrl;
        }

        /** The first column of the first row {@code sql} returns, as a long (e.g. a {@code COUNT(*)}). */
        long queryLong(String sql) throws SQLException {
            try (Connection c = DriverManager.getConnection(jdbcUrl);
                 Statement s = c.createStatement();
                 java.sql.ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        }

        /** A builder pointed at this database. */
        Notify.Builder notifyBuilder() {
            return Notify.builder().jdbcUrl(jdbcUrl);
        }

        @Override
        public void close() {
            drop.run();
        }
    }
}
