package dev.notify.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.notify.Notify;
import dev.notify.SendRequest;
import dev.notify.outbox.OutboxEntry;
import dev.notify.outbox.OutboxSettings;
import dev.notify.outbox.OutboxStatus;
import jakarta.mail.internet.MimeMessage;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An SMTP server that goes down and comes back, with outbox workers running: the mail queued
 * meanwhile waits for the server without spending attempts, and goes out as soon as a probe
 * finds it answering, not after the retry backoff (a minute and more by default).
 */
class SmtpOutageTest {
    private static final int BEFORE = 10;
    private static final int DURING = 100;

    private final List<GreenMail> servers = new ArrayList<>();
    private Notify notify;

    @AfterEach
    void tearDown() {
        if (notify != null) {
            notify.close();
        }
        servers.forEach(GreenMail::stop);
    }

    private GreenMail smtpServer(int port) {
        GreenMail server = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        servers.add(server);
        server.start();
        return server;
    }

    private void send(int from, int count) {
        for (int i = from; i < from + count; i++) {
            notify.send(SendRequest.to("user" + i).type("order").title("Order " + i + " shipped")
                    .email("user" + i + "@example.com").build());
        }
    }

    private List<OutboxEntry> rows() {
        List<OutboxEntry> all = new ArrayList<>();
        long before = 0;
        for (List<OutboxEntry> page; !(page = notify.outbox().list(null, null, before, 100)).isEmpty(); ) {
            all.addAll(page);
            before = page.get(page.size() - 1).id();
        }
        return all;
    }

    @Test
    void mailQueuedDuringAnOutageGoesOutAsSoonAsTheServerAnswersAgain() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        GreenMail first = smtpServer(port);
        EmailChannel channel = EmailChannel.builder(EmailFixture.smtp("127.0.0.1", port)
                .connectTimeout(Duration.ofMillis(500)).build()).build();
        // Default retry policy (first retry after about a minute); probes every 300 ms.
        notify = Notify.builder().jdbcUrl("jdbc:h2:mem:outage_" + UUID.randomUUID().toString().replace("-", "")
                        + ";DB_CLOSE_DELAY=-1")
                .channel(channel)
                .outbox(OutboxSettings.ofDefaults().withWorkers(2).withBatchSize(20)
                        .withPollInterval(Duration.ofMillis(100)).withBreaker(3, Duration.ofMillis(300)))
                .build();
        send(0, BEFORE);
        await().atMost(Duration.ofSeconds(30)).until(() -> first.getReceivedMessages().length == BEFORE);

        first.stop();
        send(BEFORE, DURING);
        // Every queued row has met the outage, or waits behind the open breaker.
        await().atMost(Duration.ofSeconds(30)).until(() -> notify.outbox().counts().get(EmailChannel.NAME)
                .getOrDefault(OutboxStatus.PENDING, 0L) == 0);
        assertThat(rows()).filteredOn(r -> r.status() != OutboxStatus.DELIVERED).hasSize(DURING)
                .allSatisfy(r -> {
                    assertThat(r.status()).isEqualTo(OutboxStatus.RETRYING);
                    assertThat(r.lastError()).contains("127.0.0.1:" + port);
                });

        GreenMail second = smtpServer(port);
        // Well inside the default first retry (about a minute): only a release on recovery gets here.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(notify.outbox().counts().get(EmailChannel.NAME))
                        .isEqualTo(Map.of(OutboxStatus.DELIVERED, (long) (BEFORE + DURING))));

        assertThat(second.getReceivedMessages()).hasSize(DURING);
        Set<String> ids = new HashSet<>();
        for (MimeMessage m : second.getReceivedMessages()) {
            assertThat(ids.add(m.getMessageID())).as("sent once: %s", m.getMessageID()).isTrue();
        }
        // The outage cost each row at most the one attempt of the batch that met it first.
        assertThat(rows()).allSatisfy(r -> assertThat(r.attempts()).isLessThanOrEqualTo(2));
    }
}
