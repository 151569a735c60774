package dev.notify.bench;

import dev.notify.Notify;
import dev.notify.SendRequest;
import dev.notify.email.EmailChannel;
import dev.notify.email.SmtpSettings;
import dev.notify.outbox.OutboxEntry;
import dev.notify.outbox.OutboxStatus;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Outage recovery: an embedded notify with its default outbox settings (H2 file, default retry
 * policy and workers) sends {@code --emails} emails while its SMTP server is down, the server
 * stays down {@code --outage-seconds}, then comes back on the same port. Measures the time from
 * the server accepting connections again to the first and the last email delivered, what the
 * outage cost in attempts, and, as a baseline, the time the same number of emails takes with the
 * server up (sent first, to a server on the same port). Uses only the API that notify has had from its first outbox (builder, channel,
 * counts, list), so the same source measures older versions.
 */
final class OutageBench {
    private OutageBench() {
    }

    static void run(Args args, PrintStream out) throws Exception {
        int emails = args.integer("emails", 200);
        int outageSeconds = args.integer("outage-seconds", 120);
        int limitSeconds = args.integer("limit-seconds", 900);
        Path dir = Files.createTempDirectory("notify-bench-outage");
        int port;
        try (SmtpSink probe = new SmtpSink()) {
            port = probe.port();
        }
        SmtpSettings smtp = SmtpSettings.builder().host("127.0.0.1").port(port).from("bench@example.com").build();
        try (Notify notify = Notify.builder().dataDirectory(dir).channel(EmailChannel.builder(smtp).build()).build()) {
            // Baseline: the same number of emails with the server up, from send to the last delivered.
            double baseline;
            try (SmtpSink up = new SmtpSink(port)) {
                long start = System.nanoTime();
                for (int i = 0; i < emails; i++) {
                    notify.send(SendRequest.to("warm" + i).type("order").title("Order " + i + " shipped")
                            .email("warm" + i + "@example.com").build());
                }
                while (delivered(notify) < emails) {
                    LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
                }
                baseline = (System.nanoTime() - start) / 1e9;
            }
            long down = System.nanoTime();
            for (int i = 0; i < emails; i++) {
                notify.send(SendRequest.to("user" + i).type("order").title("Order " + i + " shipped")
                        .email("user" + i + "@example.com").build());
            }
            out.printf(Locale.ROOT, "%d emails queued with SMTP (127.0.0.1:%d) down; waiting %d s%n", emails, port,
                    outageSeconds);
            LockSupport.parkNanos(Duration.ofSeconds(outageSeconds).toNanos() - (System.nanoTime() - down));
            List<OutboxEntry> before = rows(notify).stream().filter(r -> r.status() != OutboxStatus.DELIVERED).toList();
            int attemptsDuringOutage = before.stream().mapToInt(OutboxEntry::attempts).sum();
            try (SmtpSink sink = new SmtpSink(port)) {
                long back = System.nanoTime();
                long deadline = back + Duration.ofSeconds(limitSeconds).toNanos();
                long delivered;
                double first = Double.NaN;
                while ((delivered = delivered(notify) - emails) < emails && System.nanoTime() < deadline) {
                    if (Double.isNaN(first) && delivered > 0) {
                        first = (System.nanoTime() - back) / 1e9;
                    }
                    LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
                }
                double seconds = (System.nanoTime() - back) / 1e9;
                List<OutboxEntry> after = rows(notify).stream().filter(r -> r.recipient().startsWith("user")).toList();
                long dead = after.stream().filter(r -> r.status() == OutboxStatus.DEAD).count();
                int maxAttempts = after.stream().mapToInt(OutboxEntry::attempts).max().orElse(0);
                Table t = new Table("Outage recovery: " + emails + " emails queued during a " + outageSeconds
                        + "-s SMTP outage, default outbox settings, H2 file",
                        "delivered", "SMTP back -> first delivered (s)", "SMTP back -> last delivered (s)",
                        "same emails, server up (s)", "attempts spent during the outage", "most attempts of a row",
                        "dead", "messages received", "SMTP connections");
                t.row(delivered, String.format(Locale.ROOT, "%.1f", first), String.format(Locale.ROOT, "%.1f", seconds),
                        String.format(Locale.ROOT, "%.1f", baseline), attemptsDuringOutage, maxAttempts, dead,
                        sink.messages.get(), sink.connections.get());
                t.print(out);
            }
        } finally {
            TargetServer.deleteTree(dir);
        }
    }

    private static long delivered(Notify notify) {
        Map<OutboxStatus, Long> counts = notify.outbox().counts().getOrDefault(EmailChannel.NAME, Map.of());
        return counts.getOrDefault(OutboxStatus.DELIVERED, 0L);
    }

    private static List<OutboxEntry> rows(Notify notify) {
        java.util.ArrayList<OutboxEntry> all = new java.util.ArrayList<>();
        long before = 0;
        for (List<OutboxEntry> page; !(page = notify.outbox().list(null, null, before, 100)).isEmpty(); ) {
            all.addAll(page);
            before = page.get(page.size() - 1).id();
        }
        return all;
    }
}
