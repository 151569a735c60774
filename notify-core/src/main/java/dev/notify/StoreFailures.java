package dev.notify;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Locale;
import java.util.Set;

/**
 * Turns a database failure into a {@link NotifyException} whose code says whether retrying can
 * help: {@value #UNAVAILABLE} when it can (no connection, pool or statement timeout, serialization
 * failure, deadlock, lock timeout, server shutting down), {@value #FAILED} otherwise. The message
 * keeps the database's own words for the server's log; the HTTP layer never shows it to clients.
 */
public final class StoreFailures {
    /** Code of a failure a retry can cure. */
    public static final String UNAVAILABLE = "store_unavailable";
    /** Code of a failure a retry cannot cure. */
    public static final String FAILED = "store_error";

    /**
     * SQLSTATE values that mean "try again": class 08 (connection exception), 40 (transaction
     * rollback: serialization failure, deadlock), 53 (insufficient resources, e.g. too many
     * connections), 57 (operator intervention: statement timeout, shutdown), PostgreSQL's 55P03
     * (lock not available), and HYT00/HYT01 (timeouts; H2's lock timeout).
     */
    private static final Set<String> RETRYABLE_CLASSES = Set.of("08", "40", "53", "57");
    private static final Set<String> RETRYABLE_STATES = Set.of("55P03", "HYT00", "HYT01");

    private StoreFailures() {
    }

    /**
     * @param what what was being done, e.g. {@code "insert"}, for the log
     * @param e    the failure, with the database's exception somewhere in its causes
     * @return code {@value #UNAVAILABLE} or {@value #FAILED}
     */
    public static NotifyException of(String what, Throwable e) {
        return new NotifyException(retryable(e) ? UNAVAILABLE : FAILED, what + " failed: " + rootMessage(e), e);
    }

    /** Whether anything in {@code e}'s cause chain is a database failure that a retry can cure. */
    public static boolean retryable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NotifyException n && UNAVAILABLE.equals(n.code())) {
                return true;
            }
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState().toUpperCase(Locale.ROOT);
                if (RETRYABLE_STATES.contains(state)
                        || state.length() >= 2 && RETRYABLE_CLASSES.contains(state.substring(0, 2))) {
                    return true;
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** Whether {@code e} is a store failure: one of the two codes, or a database exception in its causes. */
    public static boolean isStoreFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NotifyException n && (UNAVAILABLE.equals(n.code()) || FAILED.equals(n.code()))) {
                return true;
            }
            if (t instanceof SQLException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
