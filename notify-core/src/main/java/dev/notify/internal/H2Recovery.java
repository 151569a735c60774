package dev.notify.internal;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes the transactions that an embedded H2 file database recovered as committed but left
 * unfinished after a crash of the process.
 *
 * <p>H2 writes a commit marker into a transaction's undo log, then rewrites the transaction's rows
 * as committed, then clears the log. When the process dies in between (and a chunk written by
 * another commit meanwhile holds the marker), the next open finds the transaction committed and
 * is meant to finish it. H2 2.5.252 does not: {@code Transaction.commit()} skips both the rewrite
 * and the close for a transaction already in status committed, so the transaction stays open with
 * its rows still stamped as uncommitted. Readers do not see those rows (a committed transaction is
 * partly visible), and a write to one of them never gets its lock: an insert of the same unique
 * key retries until H2's lock timeout (SQLState {@code HYT00}) on every attempt, for as long as
 * the database stays open, and again after every later open.
 *
 * <p>This class finishes such a transaction the way H2 finishes a commit in a running process:
 * rewrite its rows as committed (which H2 2.4.240 still did on open, though it left the
 * transaction's slot taken), then close it. It reaches H2's transaction store through H2's
 * embedded session ({@code org.h2.jdbc.JdbcConnection}) and calls two of its non-public methods
 * (H2's jar is an automatic module, open to reflection on the class path and the module path
 * alike); where they are missing (another H2 version) it logs one warning and changes nothing. It
 * touches only transactions without an owning session (those H2 recovered at open), so a database
 * other sessions already use is safe to pass.
 */
public final class H2Recovery {
    private static final Logger log = LoggerFactory.getLogger(H2Recovery.class);

    private H2Recovery() {
    }

    /**
     * Finishes the committed transactions H2 recovered but left open, if {@code ds} is an
     * embedded H2 file database; does nothing on other databases (including H2 in memory or
     * through a server).
     *
     * @param ds          the data source; one connection is borrowed and returned
     * @param description how log lines name the database
     * @return how many transactions were finished (0 when there were none or they could not be)
     */
    public static int finishCommittedLeftovers(DataSource ds, String description) {
        try (Connection c = ds.getConnection()) {
            if (!"H2".equalsIgnoreCase(c.getMetaData().getDatabaseProductName())) {
                return 0;
            }
            try (Statement s = c.createStatement(); ResultSet path = s.executeQuery("SELECT DATABASE_PATH()")) {
                if (!path.next() || path.getString(1) == null) {
                    return 0; // in memory: no crash leaves anything behind
                }
            }
            return Embedded.finish(c, description);
        } catch (SQLException | ReflectiveOperationException | RuntimeException | LinkageError e) {
            Throwable cause = e instanceof java.lang.reflect.InvocationTargetException ite ? ite.getCause() : e;
            log.warn("could not check {} for transactions H2 left unfinished after a crash: {}", description,
                    String.valueOf(cause));
            return 0;
        }
    }

    /** The part that names H2's classes: loaded only once the database is known to be H2. */
    private static final class Embedded {
        static int finish(Connection c, String description) throws SQLException, ReflectiveOperationException {
            if (!c.isWrapperFor(org.h2.jdbc.JdbcConnection.class)) {
                return 0;
            }
            org.h2.engine.Session session = c.unwrap(org.h2.jdbc.JdbcConnection.class).getSession();
            if (!(session instanceof org.h2.engine.SessionLocal local)) {
                return 0; // through an H2 server: its own process recovers it
            }
            org.h2.mvstore.db.Store store = local.getDatabase().getStore();
            if (store == null) {
                return 0;
            }
            org.h2.mvstore.tx.TransactionStore ts = store.getTransactionStore();
            List<org.h2.mvstore.tx.Transaction> leftovers = new ArrayList<>();
            Field ownerId = org.h2.mvstore.tx.Transaction.class.getDeclaredField("ownerId");
            ownerId.setAccessible(true);
            for (org.h2.mvstore.tx.Transaction t : ts.getOpenTransactions()) {
                // Recovered transactions have no owning session (owner id 0); a session's own
                // transaction passes through this status only inside its commit.
                if (t.getStatus() == org.h2.mvstore.tx.Transaction.STATUS_COMMITTED && ownerId.getInt(t) == 0) {
                    leftovers.add(t);
                }
            }
            if (leftovers.isEmpty()) {
                return 0;
            }
            Method commit;
            Method end;
            try {
                commit = org.h2.mvstore.tx.TransactionStore.class.getDeclaredMethod("commit",
                        org.h2.mvstore.tx.Transaction.class, boolean.class);
                end = org.h2.mvstore.tx.TransactionStore.class.getDeclaredMethod("endTransaction",
                        org.h2.mvstore.tx.Transaction.class, boolean.class);
                commit.setAccessible(true);
                end.setAccessible(true);
            } catch (ReflectiveOperationException | RuntimeException e) {
                log.warn("{}: H2 left {} committed transaction(s) unfinished after a crash; their rows stay invisible"
                        + " and writes to them time out until they are finished, which this H2 version does not"
                        + " allow from here ({})", description, leftovers.size(), e.toString());
                return 0;
            }
            int finished = 0;
            synchronized (ts) {
                for (org.h2.mvstore.tx.Transaction t : leftovers) {
                    if (t.getStatus() != org.h2.mvstore.tx.Transaction.STATUS_COMMITTED
                            || ts.isTransactionClosed(t.getId())) {
                        continue; // finished meanwhile
                    }
                    // What H2's recovery does for it: rewrite its rows as committed (its undo log
                    // already holds the commit marker), then close it and free its slot.
                    commit.invoke(ts, t, true);
                    end.invoke(ts, t, true);
                    finished++;
                }
            }
            log.warn("{}: finished {} transaction(s) committed before a crash that H2 had left unfinished on open"
                    + " (their rows were invisible and locked)", description, finished);
            return finished;
        }
    }
}
