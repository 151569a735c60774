package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.notify.email.TcpProxy;
import dev.notify.outbox.Delivery;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.outbox.DeliveryOutcome;
import dev.notify.outbox.DeliveryTarget;
import dev.notify.outbox.OutboxSettings;
import dev.notify.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Notify#health}: the database answers, the PostgreSQL listener is up, the outbox moves. */
class HealthTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    private static Health.Check check(Health h, String name) {
        return h.checks().stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
    }

    /**
     * H2, closed: the database is shut down with its file moved away, so it cannot be reopened;
     * then the file comes back.
     */
    @Test
    void readinessFailsWhileTheH2DatabaseIsClosedAndRecoversAfter(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("health.mv.db");
        java.nio.file.Path away = dir.resolve("away.mv.db");
        String url = "jdbc:h2:file:" + dir.resolve("health").toAbsolutePath() + ";IFEXISTS=TRUE";
        try (java.sql.Connection create = java.sql.DriverManager.getConnection("jdbc:h2:file:"
                + dir.resolve("health").toAbsolutePath())) {
            create.createStatement().execute("SELECT 1"); // creates the file
        }
        try (Notify notify = Notify.builder().jdbcUrl(url).connectionTimeout(TIMEOUT).build()) {
            assertThat(notify.health(TIMEOUT).ready()).isTrue();

            // Moved first (the open database keeps writing to it), then closed: nothing can reopen it.
            java.nio.file.Files.move(file, away);
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(url)) {
                c.createStatement().execute("SHUTDOWN");
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Health down = notify.health(TIMEOUT);
                assertThat(down.ready()).isFalse();
                assertThat(check(down, "database").ok()).isFalse();
                assertThat(check(down, "database").detail()).isNotBlank();
            });

            java.nio.file.Files.move(away, file);
            await().atMost(Duration.ofSeconds(60)).until(() -> notify.health(TIMEOUT).ready());
            notify.send(SendRequest.to("alice").type("t").title("back").build());
            assertThat(notify.inbox("alice").unreadCount()).isEqualTo(1);
        }
    }

    /**
     * PostgreSQL, reached through a proxy: cutting the proxy (every open connection dropped, new
     * ones refused) is the database going away, reopening it is the database coming back.
     */
    @Test
    void readinessFailsWhilePostgresIsUnreachableAndRecoversAfter() throws Exception {
        TestDatabases.TestDatabase db = TestDatabases.create(TestDatabases.Kind.POSTGRES);
        java.net.URI target = java.net.URI.create(db.jdbcUrl().substring("jdbc:".length()));
        TcpProxy proxy = new TcpProxy(target.getHost(), target.getPort());
        String url = db.jdbcUrl().replace(target.getHost() + ":" + target.getPort(), "127.0.0.1:" + proxy.port());
        try (Notify notify = Notify.builder().jdbcUrl(url).connectionTimeout(TIMEOUT).build()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> notify.health(TIMEOUT).ready());
            Health up = notify.health(TIMEOUT);
            assertThat(check(up, "database").ok()).isTrue();
            assertThat(check(up, "event_bus").ok()).isTrue();

            proxy.refuse(true);
            proxy.dropAll();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                Health down = notify.health(TIMEOUT);
                assertThat(down.ready()).isFalse();
                assertThat(check(down, "database").ok()).isFalse();
                assertThat(check(down, "event_bus").ok()).isFalse();
            });

            proxy.refuse(false);
            await().atMost(Duration.ofSeconds(60)).until(() -> notify.health(TIMEOUT).ready());
            notify.send(SendRequest.to("alice").type("t").title("back").build());
            assertThat(notify.inbox("alice").unreadCount()).isEqualTo(1);
        } finally {
            proxy.close();
            db.close();
        }
    }

    @Test
    void anOutboxRowWaitingPastTheBoundMakesTheNodeUnready() {
        TestClock clock = new TestClock(Instant.parse("2026-03-01T09:00:00Z"));
        DeliveryChannel channel = new DeliveryChannel() {
            @Override
            public String name() {
                return "email";
            }

            @Override
            public List<String> destinations(DeliveryTarget target) {
                return List.of(target.recipient() + "@example.com");
            }

            @Override
            public List<DeliveryOutcome> deliver(List<Delivery> batch) {
                return batch.stream().map(d -> DeliveryOutcome.delivered()).toList();
            }
        };
        try (TestDatabases.TestDatabase db = TestDatabases.create(TestDatabases.Kind.H2);
             Notify notify = db.notifyBuilder().clock(clock).channel(channel)
                     .outbox(OutboxSettings.ofDefaults().withWorkers(0)).outboxStuckAfter(Duration.ofMinutes(5))
                     .build()) {
            notify.send(SendRequest.to("alice").type("t").title("hello").build());
            assertThat(notify.health(TIMEOUT).ready()).isTrue();

            clock.advance(Duration.ofMinutes(6));
            Health stuck = notify.health(TIMEOUT);
            assertThat(stuck.ready()).isFalse();
            assertThat(check(stuck, "outbox").ok()).isFalse();
            assertThat(check(stuck, "outbox").detail()).contains("360 s", "more than 300 s");
            assertThat(check(stuck, "database").ok()).isTrue();

            notify.outbox().deliverDue();
            assertThat(notify.health(TIMEOUT).ready()).isTrue();
        }
    }
}
