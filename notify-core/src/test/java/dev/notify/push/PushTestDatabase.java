package dev.notify.push;

import static org.junit.jupiter.api.Assertions.fail;

import dev.notify.internal.JdbiNotificationStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Assumptions;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A fresh database with notify's schema for one test: H2 in memory, or a throwaway PostgreSQL
 * schema found through {@code NOTIFY_TEST_PG_URL} (skipped when unreachable, failed instead when
 * {@code NOTIFY_TEST_REQUIRE_PG=1}), as {@code dev.notify.TestDatabases} does for the inbox.
 */
final class PushTestDatabase implements AutoCloseable {
    enum Kind {
        H2, POSTGRES
    }

    private static final String DEFAULT_PG_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    final DataSource dataSource;
    private final Runnable drop;

    private PushTestDatabase(DataSource dataSource, Runnable drop) {
        this.dataSource = dataSource;
        this.drop = drop;
    }

    static PushTestDatabase create(Kind kind) {
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        PushTestDatabase db;
        if (kind == Kind.H2) {
            String url = "jdbc:h2:mem:push_" + suffix + ";DB_CLOSE_DELAY=-1";
            JdbcDataSource h2 = new JdbcDataSource();
            h2.setURL(url);
            db = new PushTestDatabase(h2, () -> execute(url, "SHUTDOWN"));
        } else {
            String base = System.getenv("NOTIFY_TEST_PG_URL");
            base = base == null || base.isBlank() ? DEFAULT_PG_URL : base;
            requireReachable(base);
            String schema = "push_" + suffix;
            execute(base, "CREATE SCHEMA " + schema);
            PGSimpleDataSource pg = new PGSimpleDataSource();
            pg.setURL(base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema);
            String dropUrl = base;
            db = new PushTestDatabase(pg, () -> execute(dropUrl, "DROP SCHEMA IF EXISTS " + schema + " CASCADE"));
        }
        JdbiNotificationStore.migrate(db.dataSource);
        return db;
    }

    @Override
    public void close() {
        drop.run();
    }

    private static void requireReachable(String url) {
        Properties timeouts = new Properties();
        timeouts.setProperty("connectTimeout", "20");
        timeouts.setProperty("loginTimeout", "20");
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

    private static void execute(String url, String sql) {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("'" + sql + "' failed", e);
        }
    }
}
