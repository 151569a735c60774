/**
 * The email channel: SMTP delivery with angus-mail, and one-click unsubscribe links (RFC 8058).
 *
 * <pre>{@code
 * SmtpSettings smtp = SmtpSettings.fromEnvironment(System.getenv()).orElseThrow(); // EMAIL_HOST, ...
 * EmailChannel email = EmailChannel.builder(smtp)
 *         .linkBaseUrl("https://app.example.com")
 *         .unsubscribe("https://app.example.com/unsubscribe", new UnsubscribeTokens(secret))
 *         .build();
 * try (Notify notify = Notify.builder().channel(email).build()) {
 *     notify.recipients().put(Recipient.withEmail("alice", "alice@example.com"));
 *     notify.send(SendRequest.to("alice").type("order_shipped").title("Your order shipped").build());
 * }
 * }</pre>
 *
 * {@link dev.notify.email.SmtpSettings} says how to reach the server,
 * {@link dev.notify.email.EmailChannel} delivers outbox rows over it, and
 * {@link dev.notify.email.UnsubscribeTokens} signs and verifies the unsubscribe links.
 */
package dev.notify.email;
