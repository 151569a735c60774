package dev.notify.bench;

import dev.notify.Notify;
import dev.notify.SendRequest;
import dev.notify.email.EmailChannel;
import dev.notify.email.EmailProbe;
import dev.notify.email.SmtpSettings;
import dev.notify.outbox.OutboxSettings;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;

/**
 * (5) Email through the outbox to a loopback SMTP sink: N notifications are sent (each one
 * outbox row), then {@code outbox().deliverDue()} delivers them, once with the channel's reused
 * connection and once with a connection per message (what Django's {@code send_mail} does).
 */
final class EmailBench {
    record Result(String mode, int messages, long enqueueNanos, long deliverNanos, int delivered, int accepted,
                  int connections) {
        double perSecond() {
            return delivered / (deliverNanos / 1e9);
        }
    }

    private EmailBench() {
    }

    static Result[] run(Args args, PrintStream out) throws Exception {
        int n = args.integer("messages", 10_000);
        try (SmtpSink sink = new SmtpSink()) {
            SmtpSettings smtp = SmtpSettings.builder().host("127.0.0.1").port(sink.port())
                    .from("Notify Bench <noreply@notify.test>").connectTimeout(Duration.ofSeconds(5))
                    .readTimeout(Duration.ofSeconds(10)).writeTimeout(Duration.ofSeconds(10)).build();
            if (!args.flag("no-warmup")) {
                once(smtp, sink, false, Math.min(n, 500));
                once(smtp, sink, true, Math.min(n, 200));
            }
            Result reused = once(smtp, sink, false, n);
            Result perMessage = once(smtp, sink, true, n);
            Table t = new Table("Email through the outbox: " + n + " messages to a loopback SMTP sink, H2, "
                    + "deliverDue() on one thread, batches of " + OutboxSettings.DEFAULT_BATCH_SIZE,
                    "connection", "delivered", "accepted by sink", "SMTP connections", "send() (enqueue) ms",
                    "deliver ms", "messages/s");
            for (Result r : new Result[] {reused, perMessage}) {
                t.row(r.mode(), r.delivered(), r.accepted(), r.connections(), r.enqueueNanos() / 1_000_000,
                        r.deliverNanos() / 1_000_000, String.format(Locale.ROOT, "%.0f", r.perSecond()));
            }
            t.row("ratio", "", "", "", "", "", String.format(Locale.ROOT, "%.1fx",
                    reused.perSecond() / perMessage.perSecond()));
            t.print(out);
            return new Result[] {reused, perMessage};
        }
    }

    private static Result once(SmtpSettings smtp, SmtpSink sink, boolean perMessage, int n) {
        int acceptedBefore = sink.messages.get();
        int connectionsBefore = sink.connections.get();
        EmailChannel channel = EmailProbe.connectionPerMessage(EmailChannel.builder(smtp), perMessage).build();
        String url = "jdbc:h2:mem:email_" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1";
        try (Notify notify = Notify.builder().jdbcUrl(url).channel(channel)
                .outbox(OutboxSettings.ofDefaults().withWorkers(0)).build()) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                String user = "user" + (i % 100);
                notify.send(SendRequest.to(user).type("order").title("Order " + i)
                        .message("Your order " + i + " has shipped and arrives on Thursday.")
                        .email(user + "@example.com").build());
            }
            long enqueue = System.nanoTime() - t0;
            long t1 = System.nanoTime();
            int delivered = notify.outbox().deliverDue(); // runs batches until nothing is due
            long deliver = System.nanoTime() - t1;
            return new Result(perMessage ? "one per message" : "reused", n, enqueue, deliver, delivered,
                    sink.messages.get() - acceptedBefore, sink.connections.get() - connectionsBefore);
        }
    }
}
