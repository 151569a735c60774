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
import javax.net.ssl.SSLContext;

/**
 * (5) Email through the outbox to a loopback SMTP sink that, by default, requires STARTTLS and AUTH
 * as a real submission server does ({@code --tls=false}: plain, no AUTH). N notifications are sent
 * (each one outbox row), then {@code outbox().deliverDue()} delivers them in four ways: the pool of
 * {@code --pool} reused connections (the default), one reused connection, a new connection per
 * message over the pool's concurrency, and a new connection per message one at a time (what
 * Django's {@code send_mail} does). The per-message modes send {@code --per-message} messages
 * (default N, at most 2,000): a rate, not a total, is compared.
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
        int perMessageN = args.integer("per-message", Math.min(n, 2000));
        int pool = args.integer("pool", SmtpSettings.DEFAULT_POOL_SIZE);
        boolean tls = Boolean.parseBoolean(args.get("tls", "true"));
        SSLContext previous = SSLContext.getDefault();
        SSLContext context = tls ? PushBench.sslContext(PushBench.selfSignedKeyStore()) : null;
        if (tls) {
            SSLContext.setDefault(context); // angus-mail's STARTTLS uses the default context: trust the sink
        }
        try (SmtpSink sink = new SmtpSink(0, context)) {
            SmtpSettings.Builder smtp = SmtpSettings.builder().host("127.0.0.1").port(sink.port())
                    .from("Notify Bench <noreply@notify.test>").connectTimeout(Duration.ofSeconds(5))
                    .readTimeout(Duration.ofSeconds(10)).writeTimeout(Duration.ofSeconds(10));
            if (tls) {
                smtp.startTls(true).credentials("bench@notify.test", "bench-password");
            }
            SmtpSettings pooled = smtp.poolSize(pool).build();
            SmtpSettings single = smtp.poolSize(1).build();
            if (!args.flag("no-warmup")) {
                once("warm-up", pooled, sink, false, Math.min(n, 500));
                once("warm-up", single, sink, true, Math.min(n, 100));
            }
            Result[] results = {
                once("pool of " + pool + ", reused", pooled, sink, false, n),
                once("one connection, reused", single, sink, false, n),
                once("new connection per message, " + pool + " at once", pooled, sink, true, perMessageN),
                once("new connection per message, one at a time", single, sink, true, perMessageN),
            };
            Table t = new Table("Email through the outbox: " + n + " messages (" + perMessageN + " per-message) to a"
                    + " loopback SMTP sink" + (tls ? " with STARTTLS and AUTH" : ", plain") + ", H2, deliverDue() on"
                    + " one thread, batches of " + OutboxSettings.DEFAULT_BATCH_SIZE,
                    "connection", "delivered", "accepted by sink", "SMTP connections", "send() (enqueue) ms",
                    "deliver ms", "messages/s");
            for (Result r : results) {
                t.row(r.mode(), r.delivered(), r.accepted(), r.connections(), r.enqueueNanos() / 1_000_000,
                        r.deliverNanos() / 1_000_000, String.format(Locale.ROOT, "%.0f", r.perSecond()));
            }
            t.row("ratio pool / per message at the same concurrency", "", "", "", "", "",
                    String.format(Locale.ROOT, "%.1fx", results[0].perSecond() / results[2].perSecond()));
            t.row("ratio pool / per message one at a time", "", "", "", "", "",
                    String.format(Locale.ROOT, "%.1fx", results[0].perSecond() / results[3].perSecond()));
            t.row("ratio pool / one reused connection", "", "", "", "", "",
                    String.format(Locale.ROOT, "%.1fx", results[0].perSecond() / results[1].perSecond()));
            t.print(out);
            return results;
        } finally {
            SSLContext.setDefault(previous);
        }
    }

    private static Result once(String mode, SmtpSettings smtp, SmtpSink sink, boolean perMessage, int n) {
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
            return new Result(mode, n, enqueue, deliver, delivered,
                    sink.messages.get() - acceptedBefore, sink.connections.get() - connectionsBefore);
        }
    }
}
