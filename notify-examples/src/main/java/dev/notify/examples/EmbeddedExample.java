package dev.notify.examples;

import dev.notify.Inbox;
import dev.notify.Notification;
import dev.notify.Notify;
import dev.notify.Priority;
import dev.notify.SendRequest;
import dev.notify.StreamOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * notify embedded in a plain Java program, no web framework: a task is assigned to alice, her
 * open stream prints it as it arrives, then her inbox is listed, read and counted.
 *
 * <p>{@link #main} takes an optional JDBC URL ({@code jdbc:h2:mem:demo},
 * {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres}); {@link #run} is what tests call.
 */
public final class EmbeddedExample {
    /** Where {@link #main} keeps its H2 database when no JDBC URL is given. */
    public static final Path DATA_DIRECTORY = Path.of("notify-data-example");

    private EmbeddedExample() {
    }

    /** @param args optionally one JDBC URL; default an H2 file database in {@code ./notify-data-example} */
    public static void main(String[] args) {
        String jdbcUrl = args.length > 0 ? args[0]
                : "jdbc:h2:file:" + DATA_DIRECTORY.resolve("embedded").toAbsolutePath();
        run(jdbcUrl, System.out);
    }

    /**
     * Runs the example against a database and prints what happens: {@code stream:} lines from the
     * live stream, {@code inbox:} lines from the inbox listing, and {@code unread:} counts before
     * and after the new task is marked read.
     *
     * @param jdbcUrl an H2 or PostgreSQL JDBC URL; notify creates its tables there
     * @param out     where the lines go
     * @throws dev.notify.NotifyException if the database cannot be reached or migrated
     */
    public static void run(String jdbcUrl, PrintStream out) {
        // README:embed:start
        try (Notify notify = Notify.builder().jdbcUrl(jdbcUrl).build()) {
            PrintingSink stream = new PrintingSink(out);
            notify.openStream("alice", stream, StreamOptions.live());
            Notification task = notify.send(SendRequest.to("alice").type("task_assigned")
                    .title("New task assigned: Review the Q3 report")
                    .data(Map.of("task_id", 456)).priority(Priority.HIGH).build()).first();
            Inbox inbox = notify.inbox("alice");
            inbox.list().items().forEach(n -> out.println("inbox: " + n.title()));
            out.println("unread: " + inbox.unreadCount());
            inbox.markRead(task.id());
            out.println("unread: " + inbox.unreadCount());
            stream.awaitEvents(2, Duration.ofSeconds(30)); // the new task and its read, streamed asynchronously
        }
        // README:embed:end
    }
}
