package dev.notify.email;

import dev.notify.Notify;
import dev.notify.outbox.OutboxEntry;
import dev.notify.outbox.OutboxSettings;
import dev.notify.outbox.RetryPolicy;
import dev.notify.testing.TestClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * One test's notify: a fresh H2 in-memory database, a clock the test moves, and an email channel;
 * outbox workers off, so the test delivers with {@code deliverDue()}.
 */
final class EmailFixture implements AutoCloseable {
    static final Instant START = Instant.parse("2026-03-01T10:00:00Z");
    /** No jitter, so due times are exact: waits of 10 s, 20 s, 40 s; 4 attempts in all. */
    static final RetryPolicy FOUR_TRIES = new RetryPolicy(4, Duration.ofSeconds(10), 2.0, Duration.ofMinutes(10), 0);
    static final String FROM = "Notify Test <noreply@notify.test>";
    static final String UNSUBSCRIBE_SECRET = "test-unsubscribe-secret-at-least-32-bytes";
    static final String UNSUBSCRIBE_URL = "https://app.example.com/api/v1/notifications/unsubscribe";

    final TestClock clock = new TestClock(START);
    final String jdbcUrl = "jdbc:h2:mem:email_" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1";
    final UnsubscribeTokens tokens = new UnsubscribeTokens(UNSUBSCRIBE_SECRET);
    Notify notify;
    EmailChannel channel;

    /** SMTP settings for a local test server: plain, short timeouts. */
    static SmtpSettings.Builder smtp(String host, int port) {
        // One connection, so that tests of failures and reuse can count connections exactly; the
        // pool of several is tested in EmailPoolTest.
        return SmtpSettings.builder().host(host).port(port).from(FROM)
                .connectTimeout(Duration.ofSeconds(2)).readTimeout(Duration.ofSeconds(10))
                .writeTimeout(Duration.ofSeconds(10)).poolSize(1);
    }

    /** A channel with link base and unsubscribe configured. */
    EmailChannel.Builder channel(SmtpSettings smtp) {
        return EmailChannel.builder(smtp).linkBaseUrl("https://app.example.com/")
                .unsubscribe(UNSUBSCRIBE_URL, tokens);
    }

    Notify start(EmailChannel channel) {
        return start(channel, UnaryOperator.identity());
    }

    Notify start(EmailChannel channel, UnaryOperator<Notify.Builder> customize) {
        this.channel = channel;
        this.notify = customize.apply(Notify.builder().jdbcUrl(jdbcUrl).clock(clock).channel(channel)
                .outbox(OutboxSettings.ofDefaults().withWorkers(0).withRetry(FOUR_TRIES))).build();
        return notify;
    }

    List<OutboxEntry> rows() {
        return notify.outbox().list(null, null, 0, 100);
    }

    OutboxEntry only() {
        List<OutboxEntry> rows = rows();
        if (rows.size() != 1) {
            throw new AssertionError("expected one outbox row but found " + rows);
        }
        return rows.get(0);
    }

    @Override
    public void close() {
        if (notify != null) {
            notify.close();
        }
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement s = c.createStatement()) {
            s.execute("SHUTDOWN");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
