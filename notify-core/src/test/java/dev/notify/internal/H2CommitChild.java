package dev.notify.internal;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The process {@link H2RecoveryTest} kills: stores {@code rows} rows in one transaction of an H2
 * file database and commits it, while a second connection commits a one-row update in a loop, so
 * that chunks are written while the big commit is under way. Prints {@code COMMITTING} just
 * before the commit, {@code TICK} after each small commit from then on, and {@code COMMITTED}
 * when the commit returned.
 */
public final class H2CommitChild {
    private static volatile boolean committing;

    private H2CommitChild() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        int rows = Integer.parseInt(args[1]);
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(id BIGINT PRIMARY KEY, k VARCHAR(40) NOT NULL UNIQUE)");
            s.execute("CREATE TABLE ticks(id INT PRIMARY KEY, n BIGINT NOT NULL)");
            s.execute("INSERT INTO ticks VALUES (1, 0)");
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
                for (int i = 0; i < rows; i++) {
                    insert.setLong(1, i);
                    insert.setString(2, "k" + i);
                    insert.addBatch();
                    if (i % 1000 == 999) {
                        insert.executeBatch();
                    }
                }
                insert.executeBatch();
            }
            Thread ticker = new Thread(() -> tick(url), "ticker");
            ticker.setDaemon(true);
            ticker.start();
            System.out.println("COMMITTING");
            System.out.flush();
            committing = true;
            c.commit();
            System.out.println("COMMITTED");
            System.out.flush();
            ticker.join(); // until killed
        }
    }

    private static void tick(String url) {
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement s = c.prepareStatement("UPDATE ticks SET n = n + 1 WHERE id = 1")) {
            while (true) {
                s.executeUpdate();
                if (committing) {
                    System.out.println("TICK");
                    System.out.flush();
                }
            }
        } catch (SQLException e) {
            System.out.println("ERROR " + e);
        }
    }
}
