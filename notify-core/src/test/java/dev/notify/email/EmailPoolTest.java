package dev.notify.email;

import static org.assertj.core.api.Assertions.assertThat;

import dev.notify.SendRequest;
import dev.notify.outbox.OutboxEntry;
import dev.notify.outbox.OutboxStatus;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pool of SMTP connections: a batch shared by several connections at once, each ended after
 * its message limit, and the provider's rate limit kept, against a scripted SMTP peer.
 */
class EmailPoolTest {
    private final EmailFixture fx = new EmailFixture();
    private FakeSmtpServer smtp;

    @BeforeEach
    void setUp() throws Exception {
        smtp = new FakeSmtpServer();
    }

    @AfterEach
    void tearDown() throws Exception {
        fx.close();
        smtp.close();
    }

    private void send(int n) {
        for (int i = 0; i < n; i++) {
            fx.notify.send(SendRequest.to("user" + i).type("order").title("Order " + i)
                    .email("user" + i + "@example.com").build());
        }
    }

    private Map<OutboxStatus, Long> counts() {
        return fx.notify.outbox().counts().get("email");
    }

    private long distinctRecipients() {
        return smtp.messages.stream().map(m -> m.lines().filter(l -> l.startsWith("To: ")).findFirst().orElseThrow())
                .distinct().count();
    }

    @Test
    void aBatchGoesOutOverSeveralConnectionsAtOnceAndEachMessageOnce() {
        smtp.dataDelayMillis = 20; // each message waits for the server, as over a network
        fx.start(fx.channel(EmailFixture.smtp("127.0.0.1", smtp.port()).poolSize(4).build()).build());
        send(100);

        assertThat(fx.notify.outbox().deliverDue()).isEqualTo(100);

        assertThat(counts()).containsExactly(Map.entry(OutboxStatus.DELIVERED, 100L));
        assertThat(smtp.messages).hasSize(100);
        assertThat(distinctRecipients()).isEqualTo(100);
        assertThat(smtp.peakInData.get()).as("messages in flight at once").isBetween(2, 4);
        assertThat(smtp.connections()).as("the pool's connections, kept between batches").isBetween(2, 4);
    }

    @Test
    void aConnectionIsEndedWithQuitAfterItsMessageLimitAndAnotherOpened() {
        fx.start(fx.channel(EmailFixture.smtp("127.0.0.1", smtp.port()).maxMessagesPerConnection(10).build()).build());
        send(35);

        assertThat(fx.notify.outbox().deliverDue()).isEqualTo(35);

        assertThat(counts()).containsExactly(Map.entry(OutboxStatus.DELIVERED, 35L));
        assertThat(distinctRecipients()).isEqualTo(35);
        assertThat(smtp.connections()).as("10 + 10 + 10 + 5").isEqualTo(4);
        assertThat(smtp.quits.get()).as("the three full connections ended by us").isEqualTo(3);
    }

    @Test
    void aConnectionPerMessageIsEndedWithQuitAndNeverKeptIdle() {
        fx.start(fx.channel(EmailFixture.smtp("127.0.0.1", smtp.port()).poolSize(2).build())
                .connectionPerMessage(true).build());
        send(6);

        assertThat(fx.notify.outbox().deliverDue()).isEqualTo(6);

        assertThat(smtp.connections()).isEqualTo(6);
        assertThat(smtp.quits.get()).as("QUIT is answered before deliverDue returns").isEqualTo(6);
        assertThat(fx.channel.idleConnections()).isZero();
    }

    @Test
    void theProvidersRateLimitSpreadsABurstOut() {
        fx.start(fx.channel(EmailFixture.smtp("127.0.0.1", smtp.port()).poolSize(4).maxPerSecond(20).build())
                .build());
        send(40);

        long started = System.nanoTime();
        assertThat(fx.notify.outbox().deliverDue()).isEqualTo(40);
        long millis = (System.nanoTime() - started) / 1_000_000;

        // A bucket of 20 tokens starts full: 20 at once, the other 20 at 20 per second.
        assertThat(millis).as("40 messages at 20/s after a burst of 20").isGreaterThanOrEqualTo(900);
        assertThat(smtp.messages).hasSize(40);
    }

    @Test
    void aServerThatIsDownCostsAtMostOneAttemptPerConnectionOfThePool() {
        smtp.greeting = "421 4.3.2 Service not available, closing transmission channel";
        fx.start(fx.channel(EmailFixture.smtp("127.0.0.1", smtp.port()).poolSize(4).build()).build());
        send(40);

        assertThat(fx.notify.outbox().deliverDue()).isEqualTo(40);

        assertThat(smtp.connections()).isBetween(1, 4);
        assertThat(fx.rows()).extracting(OutboxEntry::status).containsOnly(OutboxStatus.RETRYING);
        assertThat(fx.rows().stream().mapToInt(OutboxEntry::attempts).sum()).as("attempts spent")
                .isBetween(1, 4);
    }
}
