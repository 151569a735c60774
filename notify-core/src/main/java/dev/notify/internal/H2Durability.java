package dev.notify.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes an acknowledged send survive a crash of the process on an embedded H2 file database.
 *
 * <p>H2's MVStore writes committed changes to its file only every {@code WRITE_DELAY}
 * milliseconds (default 500): a commit that returned is held in the JVM's memory until then, so
 * {@code kill -9} loses it. With {@code WRITE_DELAY=0} every commit that changed data writes its
 * chunk to the file (a {@code write} to the operating system) before the commit returns, so a
 * process crash loses nothing committed. The file is not {@code fsync}ed per commit (H2 forces it
 * to disk only on {@code CHECKPOINT SYNC} and on close): after a power loss or an
 * operating-system crash, commits still in the OS's page cache may be lost.
 */
public final class H2Durability {
    private static final Logger log = LoggerFactory.getLogger(H2Durability.class);

    /** The URL setting notify adds: a commit reaches the operating system before it returns. */
    public static final String DURABLE_COMMITS = "WRITE_DELAY=0";

    private H2Durability() {
    }

    /**
     * The URL with {@value #DURABLE_COMMITS} appended when it names an embedded H2 file database
     * ({@code jdbc:h2:file:}, {@code jdbc:h2:nio:}, {@code jdbc:h2:split:} or a plain path) and
     * does not set {@code WRITE_DELAY} itself; any other URL unchanged: in-memory
     * ({@code mem:}), read-only ({@code zip:}) and server-mode ({@code tcp:}, {@code ssl:})
     * databases, whose durability the H2 server's own settings decide, and every non-H2 URL.
     */
    public static String withDurableCommits(String url) {
        if (url == null || !url.regionMatches(true, 0, "jdbc:h2:", 0, "jdbc:h2:".length())) {
            return url;
        }
        String rest = url.substring("jdbc:h2:".length());
        int semicolon = rest.indexOf(';');
        String name = (semicolon < 0 ? rest : rest.substring(0, semicolon)).toLowerCase(Locale.ROOT);
        if (name.startsWith("mem:") || name.startsWith("tcp:") || name.startsWith("ssl:") || name.startsWith("zip:")) {
            return url;
        }
        if (semicolon >= 0) {
            for (String setting : rest.substring(semicolon + 1).split(";")) {
                int eq = setting.indexOf('=');
                String key = (eq < 0 ? setting : setting.substring(0, eq)).strip();
                if (key.equalsIgnoreCase("WRITE_DELAY")) {
                    return url;
                }
            }
        }
        return url.endsWith(";") ? url + DURABLE_COMMITS : url + ";" + DURABLE_COMMITS;
    }

    /**
     * Logs a warning when {@code ds} is a persistent H2 database whose commits are written late
     * ({@code WRITE_DELAY} above 0: chosen in the URL, or a host's own data source), because then
     * a send that returned can be lost when the process dies. Does nothing on other databases.
     */
    public static void warnIfDelayed(DataSource ds, String description) {
        try (Connection c = ds.getConnection()) {
            if (!"H2".equalsIgnoreCase(c.getMetaData().getDatabaseProductName())) {
                return;
            }
            try (Statement s = c.createStatement();
                 ResultSet path = s.executeQuery("SELECT DATABASE_PATH()")) {
                if (!path.next() || path.getString(1) == null) {
                    return; // in memory: nothing survives the process anyway
                }
            }
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS"
                         + " WHERE SETTING_NAME = 'WRITE_DELAY'")) {
                if (rs.next() && Integer.parseInt(rs.getString(1).trim()) > 0) {
                    log.warn("{} writes commits up to {} ms late (H2 WRITE_DELAY): a send that returned can be lost"
                            + " if the process dies within that time; set WRITE_DELAY=0 for durable sends",
                            description, rs.getString(1).trim());
                }
            }
        } catch (SQLException | RuntimeException e) {
            log.debug("could not read H2's WRITE_DELAY of {}", description, e);
        }
    }
}
