package dev.notify.email;

import static dev.notify.email.EmailFixture.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.notify.Notification;
import dev.notify.Recipient;
import dev.notify.SendRequest;
import dev.notify.internal.OutboxStore;
import dev.notify.outbox.Delivery;
import dev.notify.outbox.DeliveryOutcome;
import dev.notify.outbox.OutboxEntry;
import dev.notify.outbox.OutboxSettings;
import dev.notify.outbox.OutboxStatus;
import jakarta.mail.BodyPart;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The email channel against a real SMTP server (GreenMail), through the real outbox. */
class EmailChannelTest {
    private static final Pattern TOKEN = Pattern.compile("^<https://app\\.example\\.com/api/v1/notifications/"
            + "unsubscribe\\?token=([^>]+)>$");

    @RegisterExtension
    static final GreenMailExtension greenMail = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    private final EmailFixture fx = new EmailFixture();

    @AfterEach
    void tearDown() {
        fx.close();
    }

    private static String host() {
        return greenMail.getSmtp().getBindTo();
    }

    private static int port() {
        return greenMail.getSmtp().getPort();
    }

    private EmailChannel channelTo(int port) {
        return fx.channel(EmailFixture.smtp(host(), port).build()).build();
    }

    private Notification send(String recipient, String type, String title) {
        return fx.notify.send(SendRequest.to(recipient).type(type).title(title).build()).first();
    }

    @Test
    void aTemplatedNotificationIsMailedWithTheTemplatesSubjectTextAndHtml() throws Exception {
        var templates = dev.notify.template.TemplateRegistry.builder()
                .template(dev.notify.template.Template.builder("low_stock_alert")
                        .locale(java.util.Locale.ENGLISH, dev.notify.template.Template.Parts.of("Low stock: {{item}}", "")
                                .withEmail("Reorder {{item}}", "Only {{n}} left of {{item}}.",
                                        "<html><body><p>Only <b>{{n}}</b> left of {{item}}.</p></body></html>"))
                        .build())
                .build();
        fx.start(channelTo(port()), b -> b.templates(templates));
        fx.notify.recipients().put(Recipient.withEmail("alice", "alice@example.com"));
        fx.notify.send(SendRequest.to("alice").template("low_stock_alert",
                java.util.Map.of("item", "<Paper>", "n", 3)).link("/inventory/7").build());

        assertThat(fx.notify.outbox().deliverDue()).isEqualTo(1);
        MimeMessage m = greenMail.getReceivedMessages()[0];
        assertThat(m.getSubject()).isEqualTo("Reorder <Paper>");
        MimeMultipart parts = (MimeMultipart) m.getContent();
        String text = ((String) parts.getBodyPart(0).getContent()).replace("\r\n", "\n");
        String html = ((String) parts.getBodyPart(1).getContent()).replace("\r\n", "\n");
        assertThat(text).startsWith("Only 3 left of <Paper>.\n\nOpen: https://app.example.com/inventory/7")
                .contains("unsubscribe: https://app.example.com/api/v1/notifications/unsubscribe?token=");
        assertThat(html).startsWith("<html><body><p>Only <b>3</b> left of &lt;Paper&gt;.</p>")
                .contains("<a href=\"https://app.example.com/inventory/7\">Open</a>")
                .endsWith("</body></html>");
    }

    @Test
    void emailToAProfileAddressArrivesOnceWithTextHtmlAndHeaders() throws Exception {
        fx.start(channelTo(port()));
        fx.notify.recipients().put(Recipient.withEmail("alice", "alice@example.com"));
        Notification n = fx.notify.send(SendRequest.to("alice").type("order_shipped")
                .title("<script>alert('x')</script> & \"order\" shipped")
                .message("Your order #42 is on its way.\nTrack it <here>.")
                .link("/orders/42?tab=tracking&x=1")
                .build()).first();

        assertThat(fx.notify.outbox().deliverDue()).isEqualTo(1);
        OutboxEntry row = fx.only();
        assertThat(row.status()).isEqualTo(OutboxStatus.DELIVERED);
        assertThat(row.destination()).isEqualTo("alice@example.com");
        assertThat(fx.notify.outbox().deliverDue()).as("nothing left to send").isZero();

        MimeMessage[] received = greenMail.getReceivedMessages();
        assertThat(received).hasSize(1);
        MimeMessage m = received[0];
        assertThat(m.getSubject()).isEqualTo("<script>alert('x')</script> & \"order\" shipped");
        assertThat(m.getFrom()).containsExactly(new InternetAddress("Notify Test <noreply@notify.test>"));
        assertThat(m.getAllRecipients()).containsExactly(new InternetAddress("alice@example.com"));
        assertThat(m.getMessageID()).isEqualTo("<notify.outbox." + row.id() + "." + n.createdAt().toEpochMilli()
                + "@notify.test>").isEqualTo(EmailChannel.messageId(row.id(), n.createdAt(), "notify.test"));
        assertThat(m.getSentDate()).isEqualTo(java.util.Date.from(START));
        assertThat(m.getHeader("Auto-Submitted", null)).isEqualTo("auto-generated");
        assertThat(m.getHeader("List-Unsubscribe-Post", null)).isEqualTo("List-Unsubscribe=One-Click");

        assertThat(m.getContentType()).startsWith("multipart/alternative");
        MimeMultipart parts = (MimeMultipart) m.getContent();
        assertThat(parts.getCount()).isEqualTo(2);
        BodyPart text = parts.getBodyPart(0);
        BodyPart html = parts.getBodyPart(1);
        assertThat(text.isMimeType("text/plain")).isTrue();
        assertThat(text.getContentType()).containsIgnoringCase("charset=UTF-8");
        assertThat(html.isMimeType("text/html")).isTrue();
        assertThat(html.getContentType()).containsIgnoringCase("charset=UTF-8");

        String textBody = ((String) text.getContent()).replace("\r\n", "\n"); // CRLF on the wire
        assertThat(textBody).contains("<script>alert('x')</script> & \"order\" shipped")
                .contains("Your order #42 is on its way.\nTrack it <here>.")
                .contains("https://app.example.com/orders/42?tab=tracking&x=1");
        String htmlBody = ((String) html.getContent()).replace("\r\n", "\n");
        assertThat(htmlBody).doesNotContain("<script>").doesNotContain("<here>")
                .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;order&quot; shipped")
                .contains("Track it &lt;here&gt;.")
                .contains("href=\"https://app.example.com/orders/42?tab&#x3D;tracking&amp;x&#x3D;1\"");

        // The unsubscribe link names alice, email, order_shipped, and is visible in both bodies.
        String listUnsubscribe = m.getHeader("List-Unsubscribe", null);
        Matcher token = TOKEN.matcher(listUnsubscribe);
        assertThat(token.matches()).as(listUnsubscribe).isTrue();
        String url = listUnsubscribe.substring(1, listUnsubscribe.length() - 1);
        UnsubscribeTokens.Target target = fx.tokens.verify(URLDecoder.decode(token.group(1), StandardCharsets.UTF_8));
        assertThat(target).isEqualTo(new UnsubscribeTokens.Target("alice", "email", "order_shipped"));
        assertThat(textBody).contains(url);
        assertThat(htmlBody).contains("href=\"" + EmailContent.escape(url) + "\"");
    }

    @Test
    void anAddressInTheRequestWinsOverTheProfileAndNoAddressMeansNoEmail() throws Exception {
        fx.start(channelTo(port()));
        fx.notify.recipients().put(Recipient.withEmail("alice", "alice@example.com"));
        fx.notify.send(SendRequest.to("alice").title("To the work address").email("alice@work.example").build());
        fx.notify.send(SendRequest.to("bob").title("Bob has no address on file").build());
        fx.notify.send(SendRequest.to("carol").title("Carol's given address").email("carol@example.com").build());

        assertThat(fx.rows()).extracting(OutboxEntry::recipient, OutboxEntry::destination)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("alice", "alice@work.example"),
                        org.assertj.core.groups.Tuple.tuple("carol", "carol@example.com"));
        assertThat(fx.notify.outbox().deliverDue()).isEqualTo(2);
        assertThat(Arrays.stream(greenMail.getReceivedMessages()).map(EmailChannelTest::to))
                .containsExactlyInAnyOrder("alice@work.example", "carol@example.com");
    }

    @Test
    void optingOutWithTheUnsubscribeTokenStopsLaterEmailsOfThatTypeOnly() throws Exception {
        fx.start(channelTo(port()));
        fx.notify.recipients().put(Recipient.withEmail("alice", "alice@example.com"));
        send("alice", "digest", "Your weekly digest");
        fx.notify.outbox().deliverDue();
        MimeMessage first = greenMail.getReceivedMessages()[0];
        Matcher token = TOKEN.matcher(first.getHeader("List-Unsubscribe", null));
        assertThat(token.matches()).isTrue();

        // What the one-click endpoint does with the token.
        UnsubscribeTokens.Target t = fx.tokens.verify(URLDecoder.decode(token.group(1), StandardCharsets.UTF_8));
        fx.notify.preferences().optOut(t.recipient(), t.channel(), t.type());

        send("alice", "digest", "Another digest");
        send("alice", "security", "New sign-in");
        assertThat(fx.rows()).extracting(OutboxEntry::status).containsExactlyInAnyOrder(OutboxStatus.DELIVERED,
                OutboxStatus.PENDING);
        assertThat(fx.notify.outbox().deliverDue()).isEqualTo(1);
        assertThat(greenMail.getReceivedMessages()).extracting(MimeMessage::getSubject)
                .containsExactly("Your weekly digest", "New sign-in");
        assertThat(fx.notify.inbox("alice").unreadCount()).as("the in-app inbox still gets everything").isEqualTo(3);
    }

    @Test
    void smtpDownWhenSentIsDeliveredAfterTheBackoffExactlyOnce() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort(); // nothing listens here once the probe is closed
        }
        fx.start(fx.channel(EmailFixture.smtp("127.0.0.1", port).build()).build());
        fx.notify.send(SendRequest.to("alice").type("order").title("Order shipped").email("alice@example.com").build());

        assertThat(fx.notify.outbox().deliverDue()).isEqualTo(1);
        OutboxEntry waiting = fx.only();
        assertThat(waiting.status()).isEqualTo(OutboxStatus.RETRYING);
        assertThat(waiting.lastError()).contains("cannot connect to SMTP server 127.0.0.1:" + port);
        assertThat(waiting.dueAt()).isEqualTo(START.plusSeconds(10));

        GreenMail later = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        later.start();
        try {
            fx.clock.advance(Duration.ofSeconds(9));
            assertThat(fx.notify.outbox().deliverDue()).as("not due yet").isZero();
            fx.clock.advance(Duration.ofSeconds(1));
            assertThat(fx.notify.outbox().deliverDue()).isEqualTo(1);
            OutboxEntry delivered = fx.only();
            assertThat(delivered.status()).isEqualTo(OutboxStatus.DELIVERED);
            assertThat(delivered.attempts()).isEqualTo(2);
            fx.clock.advance(Duration.ofMinutes(10));
            assertThat(fx.notify.outbox().deliverDue()).isZero();
            assertThat(later.getReceivedMessages()).hasSize(1);
        } finally {
            later.stop();
        }
    }

    @Test
    void twoHundredEmailsGoOutOverAHandfulOfConnections() throws Exception {
        try (TcpProxy proxy = new TcpProxy(host(), port())) {
            fx.start(channelTo(proxy.port()));
            for (int i = 0; i < 200; i++) {
                fx.notify.send(SendRequest.to("user" + i).type("order").title("Order " + i)
                        .email("user" + i + "@example.com").build());
            }
            assertThat(fx.notify.outbox().deliverDue()).isEqualTo(200);
            assertThat(greenMail.waitForIncomingEmail(10_000, 200)).isTrue();

            assertThat(greenMail.getReceivedMessages()).hasSize(200);
            assertThat(fx.notify.outbox().counts().get("email")).containsExactly(
                    java.util.Map.entry(OutboxStatus.DELIVERED, 200L));
            // 200 rows are 4 batches of 50; the connection is kept between them.
            assertThat(proxy.accepted()).isBetween(1, 5);
            assertThat(fx.channel.connectionsOpened()).isEqualTo(proxy.accepted());
        }
    }

    @Test
    void concurrentWorkersEmailEveryRowOnceOverAtMostOneConnectionEach() throws Exception {
        try (TcpProxy proxy = new TcpProxy(host(), port())) {
            fx.start(channelTo(proxy.port()), b -> b.outbox(OutboxSettings.ofDefaults().withWorkers(3)
                    .withBatchSize(20).withPollInterval(Duration.ofMillis(200)).withRetry(EmailFixture.FOUR_TRIES)));
            for (int i = 0; i < 120; i++) {
                fx.notify.send(SendRequest.to("user" + i).type("order").title("Order " + i)
                        .email("user" + i + "@example.com").build());
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> fx.notify.outbox().counts().getOrDefault("email",
                    java.util.Map.of()).getOrDefault(OutboxStatus.DELIVERED, 0L) == 120L);
            assertThat(greenMail.waitForIncomingEmail(10_000, 120)).isTrue();
            assertThat(Arrays.stream(greenMail.getReceivedMessages()).map(EmailChannelTest::messageId))
                    .hasSize(120).doesNotHaveDuplicates();
            assertThat(proxy.accepted()).as("one connection per concurrent worker at most").isBetween(1, 3);
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheKeepAliveAndADroppedOneIsReplaced() throws Exception {
        try (TcpProxy proxy = new TcpProxy(host(), port())) {
            fx.start(fx.channel(EmailFixture.smtp(host(), proxy.port()).build())
                    .keepAlive(Duration.ofMillis(300)).build());
            fx.notify.send(SendRequest.to("alice").type("order").title("One").email("alice@example.com").build());
            fx.notify.outbox().deliverDue();
            assertThat(proxy.accepted()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.openConnections() == 0);
            assertThat(fx.channel.idleConnections()).isZero();

            fx.notify.send(SendRequest.to("alice").type("order").title("Two").email("alice@example.com").build());
            fx.notify.outbox().deliverDue();
            assertThat(proxy.accepted()).isEqualTo(2);
            assertThat(greenMail.getReceivedMessages()).extracting(MimeMessage::getSubject)
                    .containsExactly("One", "Two");
        }
    }

    @Test
    void aConnectionTheServerDroppedBetweenBatchesIsReplaced() throws Exception {
        try (TcpProxy proxy = new TcpProxy(host(), port())) {
            fx.start(channelTo(proxy.port()));
            fx.notify.send(SendRequest.to("alice").type("order").title("One").email("alice@example.com").build());
            fx.notify.outbox().deliverDue();
            proxy.dropAll(); // as a server's idle timeout would
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.openConnections() == 0);

            fx.notify.send(SendRequest.to("alice").type("order").title("Two").email("alice@example.com").build());
            assertThat(fx.notify.outbox().deliverDue()).isEqualTo(1);
            assertThat(fx.rows()).extracting(OutboxEntry::status).containsOnly(OutboxStatus.DELIVERED);
            assertThat(proxy.accepted()).isEqualTo(2);
            assertThat(greenMail.getReceivedMessages()).extracting(MimeMessage::getSubject)
                    .containsExactly("One", "Two");
        }
    }

    @Test
    void emailsOfACrashedWorkerGoOutAfterTheLeaseExpiresAndNoneTwice() throws Exception {
        fx.start(channelTo(port()));
        for (int i = 0; i < 10; i++) {
            fx.notify.send(SendRequest.to("user" + i).type("order").title("Order " + i)
                    .email("user" + i + "@example.com").build());
        }
        OutboxStore store = new OutboxStore(Jdbi.create(fx.jdbcUrl));
        // A worker claims all ten, emails three and records them, then dies.
        Duration lease = OutboxSettings.DEFAULT_LEASE;
        List<Delivery> claimed = store.claim("crashed", Set.of("email"), 10, fx.clock.instant(), lease);
        assertThat(claimed).hasSize(10);
        for (Delivery d : claimed.subList(0, 3)) {
            assertThat(fx.channel.deliver(List.of(d))).containsExactly(DeliveryOutcome.delivered());
            assertThat(store.delivered(d.outboxId(), "crashed", fx.clock.instant())).isTrue();
        }
        assertThat(fx.notify.outbox().deliverDue()).as("leased rows are not claimable").isZero();

        fx.clock.advance(lease);
        assertThat(fx.notify.outbox().deliverDue()).isEqualTo(7);
        MimeMessage[] received = greenMail.getReceivedMessages();
        assertThat(received).hasSize(10);
        assertThat(Arrays.stream(received).map(EmailChannelTest::to))
                .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, 10)
                        .mapToObj(i -> "user" + i + "@example.com").toList());
        assertThat(Arrays.stream(received).map(EmailChannelTest::messageId)).doesNotHaveDuplicates();
        assertThat(fx.notify.outbox().counts().get("email")).containsEntry(OutboxStatus.DELIVERED, 10L);
    }

    @Test
    void anEmailSentByAWorkerThatDiedBeforeRecordingItIsResentWithTheSameMessageId() throws Exception {
        fx.start(channelTo(port()));
        fx.notify.send(SendRequest.to("alice").type("order").title("Order 1").email("alice@example.com").build());
        OutboxStore store = new OutboxStore(Jdbi.create(fx.jdbcUrl));
        List<Delivery> claimed = store.claim("crashed", Set.of("email"), 10, fx.clock.instant(),
                OutboxSettings.DEFAULT_LEASE);
        fx.channel.deliver(claimed); // sent, but the worker dies before recording it

        fx.clock.advance(OutboxSettings.DEFAULT_LEASE);
        assertThat(fx.notify.outbox().deliverDue()).isEqualTo(1);
        MimeMessage[] received = greenMail.getReceivedMessages();
        assertThat(received).hasSize(2);
        // At least once: the copy is recognisable, so mail clients can fold the two.
        assertThat(messageId(received[0])).isEqualTo(messageId(received[1]))
                .startsWith("<notify.outbox." + fx.only().id() + ".");
    }

    private static String to(MimeMessage m) {
        try {
            return ((InternetAddress) m.getAllRecipients()[0]).getAddress();
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String messageId(MimeMessage m) {
        try {
            return m.getMessageID();
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }
}
