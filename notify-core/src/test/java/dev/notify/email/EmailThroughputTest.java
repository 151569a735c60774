package dev.notify.email;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.notify.Notification;
import dev.notify.Priority;
import dev.notify.SendRequest;
import dev.notify.outbox.Delivery;
import dev.notify.outbox.DeliveryOutcome;
import dev.notify.outbox.OutboxSettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Throughput to a local SMTP server (GreenMail): one reused connection per batch against a new
 * connection per message, and the whole path through the outbox. A measurement, not a check;
 * at smoke size (20 messages) in the test command; for figures:
 *
 * <pre>
 * mvn -q -B test -pl notify-core -Dtest=EmailThroughputTest -Dnotify.email.throughput=2000 \
 *     -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * Loopback numbers: they show the per-connection cost (TCP handshake, greeting, EHLO, QUIT) with
 * no network latency and no TLS; against a remote server with STARTTLS and AUTH the gap is
 * far wider.
 */
class EmailThroughputTest {
    private static final int BATCH = OutboxSettings.DEFAULT_BATCH_SIZE;

    @RegisterExtension
    static final GreenMailExtension greenMail = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    @Test
    void reusedConnectionVersusConnectionPerMessage() throws Exception {
        // The test command runs a smoke size; -Dnotify.email.throughput=2000 gives the figures.
        int n = Integer.getInteger("notify.email.throughput", 20);
        List<Delivery> deliveries = deliveries(n);
        SmtpSettings greenMailSmtp = EmailFixture.smtp(greenMail.getSmtp().getBindTo(), greenMail.getSmtp().getPort())
                .build();
        compare("GreenMail", greenMailSmtp, deliveries);
        greenMail.purgeEmailFromAllMailboxes();
        // GreenMail writes its multi-line EHLO reply in pieces, so Nagle and delayed ACKs add ~40 ms
        // to each new connection; the scripted peer answers in one write, as real servers do.
        try (FakeSmtpServer peer = new FakeSmtpServer()) {
            compare("a minimal SMTP peer (FakeSmtpServer)", EmailFixture.smtp("127.0.0.1", peer.port()).build(),
                    deliveries);
        }
    }

    private static void compare(String server, SmtpSettings smtp, List<Delivery> deliveries) {
        int n = deliveries.size();
        // Warm up both paths (class loading, JIT) before measuring.
        measure(smtp, false, deliveries.subList(0, Math.min(200, n)));
        measure(smtp, true, deliveries.subList(0, Math.min(200, n)));

        Result reused = measure(smtp, false, deliveries);
        Result perMessage = measure(smtp, true, deliveries);
        Result outbox = throughOutbox(smtp, n);

        System.out.printf(Locale.ROOT, "%nemail throughput, %d messages to %s on loopback, batches of %d:%n",
                n, server, BATCH);
        print("reused connection (EmailChannel)", reused);
        print("connection per message", perMessage);
        print("through the outbox (H2, deliverDue)", outbox);
        System.out.printf(Locale.ROOT, "  reuse is %.1fx faster than a connection per message%n%n",
                reused.perSecond() / perMessage.perSecond());
        assertThat(reused.connections()).isLessThanOrEqualTo(1);
        assertThat(perMessage.connections()).isEqualTo(n);
    }

    private record Result(int messages, long nanos, long connections) {
        double perSecond() {
            return messages / (nanos / 1e9);
        }
    }

    private static void print(String label, Result r) {
        System.out.printf(Locale.ROOT, "  %-38s %8.0f msgs/s  (%5d ms, %d connections)%n", label, r.perSecond(),
                r.nanos() / 1_000_000, r.connections());
    }

    private static Result measure(SmtpSettings smtp, boolean perMessage, List<Delivery> deliveries) {
        try (EmailChannel channel = EmailChannel.builder(smtp).connectionPerMessage(perMessage).build()) {
            long start = System.nanoTime();
            for (int i = 0; i < deliveries.size(); i += BATCH) {
                List<DeliveryOutcome> outcomes = channel.deliver(
                        deliveries.subList(i, Math.min(i + BATCH, deliveries.size())));
                assertThat(outcomes).containsOnly(DeliveryOutcome.delivered());
            }
            return new Result(deliveries.size(), System.nanoTime() - start, channel.connectionsOpened());
        }
    }

    private static Result throughOutbox(SmtpSettings smtp, int n) {
        try (EmailFixture fx = new EmailFixture()) {
            fx.start(EmailChannel.builder(smtp).build());
            for (int i = 0; i < n; i++) {
                fx.notify.send(SendRequest.to("user" + (i % 10)).type("order").title("Order " + i)
                        .message("Your order " + i + " has shipped.").email("user" + (i % 10) + "@example.com")
                        .build());
            }
            long start = System.nanoTime();
            int sent = fx.notify.outbox().deliverDue();
            long nanos = System.nanoTime() - start;
            assertThat(sent).isEqualTo(n);
            return new Result(n, nanos, fx.channel.connectionsOpened());
        }
    }

    private static List<Delivery> deliveries(int n) {
        List<Delivery> list = new ArrayList<>(n);
        Instant created = Instant.parse("2026-03-01T10:00:00Z");
        for (int i = 0; i < n; i++) {
            Notification notification = new Notification(i + 1, "user" + (i % 10), i + 1, "order", "Order " + i,
                    "Your order " + i + " has shipped.", Map.of(), "https://app.example.com/orders/" + i,
                    Priority.NORMAL, created, null);
            list.add(new Delivery(i + 1, EmailChannel.NAME, "user" + (i % 10) + "@example.com", notification, 1));
        }
        return list;
    }
}
