package dev.notify.email;

import static dev.notify.email.EmailFixture.START;
import static org.assertj.core.api.Assertions.assertThat;

import dev.notify.Recipient;
import dev.notify.SendRequest;
import dev.notify.outbox.OutboxEntry;
import dev.notify.outbox.OutboxSettings;
import dev.notify.outbox.OutboxStatus;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How SMTP replies and connection failures become outbox outcomes, against a scripted SMTP peer
 * ({@link FakeSmtpServer}) for the replies GreenMail does not give.
 */
class EmailFailureTest {
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

    private void start() {
        start(EmailFixture.smtp("127.0.0.1", smtp.port()).build());
    }

    private void start(SmtpSettings settings) {
        fx.start(fx.channel(settings).build());
    }

    private void sendTo(String... addresses) {
        for (String address : addresses) {
            String user = address.substring(0, address.indexOf('@'));
            fx.notify.send(SendRequest.to(user).type("order").title("Order for " + user).email(address).build());
        }
    }

    private OutboxEntry row(String recipient) {
        return fx.rows().stream().filter(r -> r.recipient().equals(recipient)).findFirst().orElseThrow();
    }

    @Test
    void rejectedRecipientIsDeadAtOnceWithTheServersReplyAndAdminRetryDeliversIt() {
        smtp.rcptReply = address -> address.startsWith("gone@")
                ? "550 5.1.1 <gone@example.com>: Recipient address rejected: mailbox unavailable"
                : FakeSmtpServer.OK;
        start();
        sendTo("gone@example.com", "bob@example.com");

        assertThat(fx.notify.outbox().deliverDue()).isEqualTo(2);
        OutboxEntry dead = row("gone");
        assertThat(dead.status()).isEqualTo(OutboxStatus.DEAD);
        assertThat(dead.attempts()).as("no retries for a permanent failure").isEqualTo(1);
        assertThat(dead.lastError())
                .isEqualTo("550 5.1.1 <gone@example.com>: Recipient address rejected: mailbox unavailable");
        assertThat(row("bob").status()).as("the batch goes on after a rejected recipient")
                .isEqualTo(OutboxStatus.DELIVERED);
        assertThat(fx.notify.outbox().list(OutboxStatus.DEAD, "email", 0, 10)).extracting(OutboxEntry::id)
                .containsExactly(dead.id());
        fx.clock.advance(Duration.ofDays(1));
        assertThat(fx.notify.outbox().deliverDue()).as("dead rows stay dead").isZero();

        // The mailbox is fixed; an admin retries the row.
        smtp.rcptReply = address -> FakeSmtpServer.OK;
        assertThat(fx.notify.outbox().retry(dead.id()).status()).isEqualTo(OutboxStatus.PENDING);
        assertThat(fx.notify.outbox().deliverDue()).isEqualTo(1);
        assertThat(row("gone").status()).isEqualTo(OutboxStatus.DELIVERED);
        assertThat(smtp.messages).hasSize(2);
        assertThat(smtp.connections()).as("one connection, kept between the batches").isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"550 5.1.1 mailbox unavailable", "553 5.1.3 bad destination mailbox address",
            "501 5.1.3 bad recipient address syntax"})
    void permanentRecipientRepliesAreDeadAtOnce(String reply) {
        smtp.rcptReply = address -> reply;
        start();
        sendTo("alice@example.com");
        fx.notify.outbox().deliverDue();
        assertThat(fx.only().status()).isEqualTo(OutboxStatus.DEAD);
        assertThat(fx.only().lastError()).isEqualTo(reply);
    }

    @ParameterizedTest
    @ValueSource(strings = {"450 4.2.1 mailbox busy", "451 4.7.1 greylisted, try again later",
            "452 4.2.2 mailbox full"})
    void temporaryRecipientRepliesAreRetriedAfterTheBackoff(String reply) {
        smtp.rcptReply = address -> reply;
        start();
        sendTo("alice@example.com", "bob@example.com");

        assertThat(fx.notify.outbox().deliverDue()).isEqualTo(2);
        assertThat(fx.rows()).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(OutboxStatus.RETRYING);
            assertThat(r.lastError()).isEqualTo(reply);
            assertThat(r.dueAt()).isEqualTo(START.plusSeconds(10));
        });
        smtp.rcptReply = address -> FakeSmtpServer.OK;
        fx.clock.advance(Duration.ofSeconds(10));
        assertThat(fx.notify.outbox().deliverDue()).isEqualTo(2);
        assertThat(fx.rows()).extracting(OutboxEntry::status).containsOnly(OutboxStatus.DELIVERED);
        assertThat(smtp.messages).hasSize(2);
        assertThat(smtp.connections()).isEqualTo(1);
    }

    @Test
    void aMessageRefusedAfterItsDataIsDeadOrRetriedByTheReplyCode() {
        smtp.dataReply = "554 5.7.1 message rejected as spam";
        start();
        sendTo("alice@example.com");
        fx.notify.outbox().deliverDue();
        assertThat(fx.only().status()).isEqualTo(OutboxStatus.DEAD);
        assertThat(fx.only().lastError()).isEqualTo("554 5.7.1 message rejected as spam");

        smtp.dataReply = "451 4.3.0 local error, try later";
        sendTo("bob@example.com");
        fx.notify.outbox().deliverDue();
        assertThat(row("bob").status()).isEqualTo(OutboxStatus.RETRYING);
        assertThat(row("bob").lastError()).isEqualTo("451 4.3.0 local error, try later");
    }

    @Test
    void aServerRefusingConnectionsCostsOneAttemptPerBatchNotOnePerMessage() {
        smtp.greeting = "421 4.3.2 Service not available, closing transmission channel";
        start();
        sendTo("a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com");

        assertThat(fx.notify.outbox().deliverDue()).isEqualTo(5);
        assertThat(smtp.connections()).isEqualTo(1);
        assertThat(fx.rows()).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(OutboxStatus.RETRYING);
            assertThat(r.lastError()).contains("cannot connect to SMTP server").contains("421 4.3.2");
        });
        assertThat(fx.rows()).extracting(OutboxEntry::attempts).as("one attempt for the batch")
                .containsExactlyInAnyOrder(1, 0, 0, 0, 0);

        smtp.greeting = "220 fake.test ESMTP";
        fx.clock.advance(OutboxSettings.DEFAULT_PROBE_INTERVAL.plusMillis(1));
        // One row probes the server; its success makes the four others waiting for it due at once.
        assertThat(fx.notify.outbox().deliverDue()).isEqualTo(5 + 4);
        assertThat(fx.rows()).extracting(OutboxEntry::status).containsOnly(OutboxStatus.DELIVERED);
        assertThat(smtp.messages).hasSize(5);
        assertThat(smtp.connections()).isEqualTo(2);
    }

    @Test
    void aConnectionTheServerClosesMidBatchIsReopenedAndNoMessageIsLostOrDoubled() {
        smtp.closeAfterMessages = 3; // as a server with a per-connection message limit
        start();
        sendTo("u1@example.com", "u2@example.com", "u3@example.com", "u4@example.com", "u5@example.com",
                "u6@example.com", "u7@example.com");

        assertThat(fx.notify.outbox().deliverDue()).isEqualTo(7);
        assertThat(fx.rows()).extracting(OutboxEntry::status).containsOnly(OutboxStatus.DELIVERED);
        assertThat(smtp.messages).hasSize(7);
        assertThat(smtp.messages.stream().map(m -> m.lines().filter(l -> l.startsWith("To: ")).findFirst()
                .orElseThrow())).doesNotHaveDuplicates();
        assertThat(smtp.connections()).isEqualTo(3);
    }

    @Test
    void rejectedCredentialsAreRetriedAndLoggedOnceNotPerMessage() {
        smtp.authReply = "535 5.7.8 Username and Password not accepted";
        start(EmailFixture.smtp("127.0.0.1", smtp.port()).credentials("me@gmail.example", "wrong-app-password")
                .build());
        sendTo("a@example.com", "b@example.com", "c@example.com");

        String log = captureStderr(() -> {
            assertThat(fx.notify.outbox().deliverDue()).isEqualTo(3);
            fx.clock.advance(Duration.ofSeconds(10));
            assertThat(fx.notify.outbox().deliverDue()).isEqualTo(3);
        });

        assertThat(smtp.connections()).as("one attempt per batch").isEqualTo(2);
        assertThat(fx.rows()).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(OutboxStatus.RETRYING);
            assertThat(r.lastError()).contains("authentication failed").contains("535 5.7.8")
                    .doesNotContain("wrong-app-password");
        });
        assertThat(Pattern.compile("misconfigured").matcher(log).results().count()).as(log).isEqualTo(1);
        assertThat(log).contains("EMAIL_HOST_PASSWORD").doesNotContain("wrong-app-password");
    }

    @Test
    void anAddressTheServerCouldNeverAcceptIsDeadWithoutAskingIt() {
        fx.start(fx.channel(EmailFixture.smtp("127.0.0.1", smtp.port()).build()).build(),
                b -> b.recipientDirectory(id -> Optional.of(Recipient.withEmail(id, "not an address"))));
        fx.notify.send(SendRequest.to("alice").title("Hello").build());
        fx.notify.outbox().deliverDue();
        assertThat(fx.only().status()).isEqualTo(OutboxStatus.DEAD);
        assertThat(fx.only().lastError()).startsWith("invalid email address 'not an address'");
        assertThat(smtp.connections()).isZero();
    }

    /** Runs {@code action} with System.err (where slf4j-simple logs) copied, and returns the copy. */
    private static String captureStderr(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        PrintStream tee = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                original.write(b);
                copy.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                original.write(b, off, len);
                copy.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
        System.setErr(tee);
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return copy.toString(StandardCharsets.UTF_8);
    }
}
