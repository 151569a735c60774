package dev.notify.examples;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.notify.Notify;
import dev.notify.Recipient;
import dev.notify.SendRequest;
import dev.notify.email.EmailChannel;
import dev.notify.email.SmtpSettings;
import dev.notify.email.UnsubscribeTokens;
import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * One notification by email, end to end on this machine: a local SMTP server (GreenMail on a free
 * loopback port), notify on an in-memory H2 database with its {@link EmailChannel} pointed at that
 * server, a recipient profile with an address, one send, and the outbox's workers delivering it.
 * It then prints what arrived: {@code From}, {@code To}, {@code Subject}, the
 * {@code List-Unsubscribe} headers (RFC 8058) and the text part.
 *
 * <p>{@link #main} prints to standard output; {@link #run} is what tests call.
 */
public final class EmailExample {
    /** How long {@link #run} waits for the email to reach the SMTP server: 10 seconds. */
    public static final Duration ARRIVAL_TIMEOUT = Duration.ofSeconds(10);

    private EmailExample() {
    }

    /**
     * Runs the example and prints the email that arrived.
     *
     * @param args none
     * @throws IllegalStateException if no email arrives within {@link #ARRIVAL_TIMEOUT}
     */
    public static void main(String[] args) {
        run(System.out);
    }

    /**
     * Starts a local SMTP server, sends one notification to alice through notify's email channel,
     * waits at most {@link #ARRIVAL_TIMEOUT} for it to arrive, and prints it: lines
     * {@code From: }, {@code To: }, {@code Subject: }, {@code List-Unsubscribe: },
     * {@code List-Unsubscribe-Post: }, then {@code Text:} followed by the text part, each line indented by two spaces.
     * The SMTP server and the database are gone when it returns.
     *
     * @param out where the lines go
     * @throws IllegalStateException      if no email arrives within {@link #ARRIVAL_TIMEOUT}, or
     *                                    the message that arrived cannot be read
     * @throws dev.notify.NotifyException if the database cannot be created
     */
    public static void run(PrintStream out) {
        // Port 0: the operating system picks a free port; getSmtp().getPort() tells which.
        GreenMail mailServer = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        mailServer.start();
        try {
            String jdbcUrl = "jdbc:h2:mem:email-example-" + UUID.randomUUID();
            // README:email:start
            SmtpSettings smtp = SmtpSettings.builder()
                    .host("127.0.0.1").port(mailServer.getSmtp().getPort())
                    .from("Example Shop <noreply@shop.example.com>")
                    .build();
            EmailChannel email = EmailChannel.builder(smtp)
                    .linkBaseUrl("https://shop.example.com")
                    .unsubscribe("https://shop.example.com/api/v1/notifications/unsubscribe",
                            new UnsubscribeTokens(unsubscribeSecret()))
                    .build();
            try (Notify notify = Notify.builder().jdbcUrl(jdbcUrl).channel(email).build()) {
                notify.recipients().put(Recipient.withEmail("alice", "alice@example.com"));
                notify.send(SendRequest.to("alice").type("order_shipped")
                        .title("Your order #1042 has shipped")
                        .message("It left the warehouse this morning and arrives on Thursday.")
                        .link("/orders/1042").build());
                awaitDelivery(mailServer, notify); // the outbox's workers deliver it in the background
            }
            // README:email:end
            print(mailServer.getReceivedMessages()[0], out);
        } finally {
            mailServer.stop();
        }
    }

    /** Waits at most {@link #ARRIVAL_TIMEOUT} for one email; the failure message lists the outbox rows. */
    private static void awaitDelivery(GreenMail mailServer, Notify notify) {
        if (!mailServer.waitForIncomingEmail(ARRIVAL_TIMEOUT.toMillis(), 1)) {
            throw new IllegalStateException("no email arrived within " + ARRIVAL_TIMEOUT.toMillis() + " ms; outbox: "
                    + notify.outbox().list(null, null, 0, 10));
        }
    }

    /**
     * A fresh random secret for unsubscribe tokens. A real application keeps one secret (at least
     * 32 bytes) in its configuration, so that links in emails already sent keep working.
     */
    private static String unsubscribeSecret() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static void print(MimeMessage message, PrintStream out) {
        try {
            out.println("From: " + join(message.getFrom()));
            out.println("To: " + join(message.getRecipients(MimeMessage.RecipientType.TO)));
            out.println("Subject: " + message.getSubject());
            out.println("List-Unsubscribe: " + message.getHeader("List-Unsubscribe", ", "));
            out.println("List-Unsubscribe-Post: " + message.getHeader("List-Unsubscribe-Post", ", "));
            out.println("Text:");
            text(message).lines().forEach(line -> out.println(line.isEmpty() ? "" : "  " + line));
        } catch (MessagingException | IOException e) {
            throw new IllegalStateException("cannot read the email that arrived: " + e, e);
        }
    }

    private static String join(Address[] addresses) {
        return addresses == null ? "" : Arrays.stream(addresses).map(Address::toString).collect(Collectors.joining(", "));
    }

    /** The {@code text/plain} part of the {@code multipart/alternative} message. */
    private static String text(MimeMessage message) throws MessagingException, IOException {
        if (message.getContent() instanceof Multipart parts) {
            for (int i = 0; i < parts.getCount(); i++) {
                BodyPart part = parts.getBodyPart(i);
                if (part.isMimeType("text/plain")) {
                    return part.getContent().toString().replace("\r\n", "\n");
                }
            }
        }
        throw new IllegalStateException("the email has no text/plain part: " + message.getContentType());
    }
}
