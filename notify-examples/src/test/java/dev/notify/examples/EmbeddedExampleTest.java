package dev.notify.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** Runs {@link EmbeddedExample} as a user would, against a fresh in-memory H2 database. */
class EmbeddedExampleTest {

    @Test
    void assignedTaskArrivesOnTheStreamAndIsReadFromTheInbox() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        String url = "jdbc:h2:mem:embedded-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";

        // On its own thread: on a 2-core machine the common pool has one thread, which notify's own
        // asynchronous work would then wait for behind the example.
        ExecutorService runner = Executors.newSingleThreadExecutor();
        CompletableFuture<Void> run = CompletableFuture.runAsync(() -> EmbeddedExample.run(url, out), runner);
        runner.shutdown();

        // The stream prints from notify's writer thread while the example goes on with the inbox.
        // Generous bounds: the example first creates and migrates its database, which a loaded
        // machine can make take many seconds.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(lines(bytes))
                .contains("stream: notification #1 task_assigned \"New task assigned: Review the Q3 report\""
                        + " (high) {task_id=456}"));
        await().atMost(Duration.ofSeconds(60)).until(run::isDone);
        run.join(); // rethrows what the example threw, if anything

        List<String> lines = lines(bytes);
        assertThat(lines).filteredOn(l -> l.startsWith("inbox: "))
                .containsExactly("inbox: New task assigned: Review the Q3 report");
        assertThat(lines).filteredOn(l -> l.startsWith("unread: "))
                .containsExactly("unread: 1", "unread: 0");
        assertThat(lines).filteredOn(l -> l.startsWith("stream: notification_read"))
                .hasSize(1);
        // Closing notify closes the stream, after everything was delivered.
        assertThat(lines).last().isEqualTo("stream: closed (server shutting down)");
    }

    private static List<String> lines(ByteArrayOutputStream bytes) {
        synchronized (bytes) {
            return bytes.toString(StandardCharsets.UTF_8).lines().toList();
        }
    }
}
