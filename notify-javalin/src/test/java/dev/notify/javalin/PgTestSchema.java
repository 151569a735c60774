package dev.notify.javalin;

import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * A throwaway schema in the test PostgreSQL, dropped on {@link #close()}: notify-core's
 * {@code TestDatabases} logic for this module's tests.
 *
 * <p>PostgreSQL is found through {@code NOTIFY_TEST_PG_URL} (default {@value #DEFAULT_PG_URL}).
 * When it cannot be reached the test is skipped, unless {@code NOTIFY_TEST_REQUIRE_PG=1} (CI),
 * which makes it fail instead.
 */
final class PgTestSchema implements AutoCloseable {
    static final String DEFAULT_PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    private static volatile String unavailable; // null: not checked yet, "": reachable

    final String name;
    private final String baseUrl;

    private PgTestSchema(String baseUrl, String name) {
        this.baseUrl = baseUrl;
        this.name = name;
    }

    /** A new empty schema; skips (or fails) the test if PostgreSQL is down. */
    static PgTestSchema create() {
        String base = System.getenv("NOTIFY_TEST_PG_URL");
        if (base == null || base.isBlank()) {
            base = DEFAULT_PG_URL;
        }
        requirePostgres(base);
        String name = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        execute(base, "CREATE SCHEMA " + name);
        return new PgTestSchema(base, name);
    }

    /** A JDBC URL on this schema; extra parameters ({@code key=value&...}) are appended. */
    String jdbcUrl(String extraParameters) {
        String url = baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + name;
        return extraParameters == null || extraParameters.isEmpty() ? url : url + "&" + extraParameters;
    }

    /** A direct connection on this schema, for assertions and for {@code pg_terminate_backend}. */
    Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(null));
    }

    @Override
    public void close() {
        execute(baseUrl, "DROP SCHEMA IF EXISTS " + name + " CASCADE");
    }

    private static void requirePostgres(String url) {
        String problem = unavailable;
        if (problem == null) {
            Properties timeouts = new Properties();
            timeouts.setProperty("connectTimeout", "20");
            timeouts.setProperty("loginTimeout", "20");
            try (Connection c = DriverManager.getConnection(url, timeouts)) {
                problem = "";
            } catch (SQLException e) {
                problem = e.getMessage();
            }
            unavailable = problem;
        }
        if (problem.isEmpty()) {
            return;
        }
        String message = "PostgreSQL not reachable at " + redact(url) + ": " + problem;
        if ("1".equals(System.getenv("NOTIFY_TEST_REQUIRE_PG"))) {
            fail(message + " (NOTIFY_TEST_REQUIRE_PG=1)");
        }
        Assumptions.abort(message + "; set NOTIFY_TEST_REQUIRE_PG=1 to fail instead of skipping");
    }

    private static void execute(String url, String sql) {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("'" + sql + "' failed on " + redact(url), e);
        }
    }

    private static String redact(String url) {
        return url.replaceAll("(?i)(password|pwd)=[^;&]*", "$1=***");
    }
}
