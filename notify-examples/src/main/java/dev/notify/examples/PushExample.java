package dev.notify.examples;

import dev.notify.Notify;
import dev.notify.Priority;
import dev.notify.SendRequest;
import dev.notify.push.PushChannel;
import dev.notify.push.PushSettings;
import dev.notify.push.PushSubscription;
import dev.notify.push.VapidKeys;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;

/**
 * One Web Push, end to end on this machine, checked as a push service and a browser would check
 * it. The example starts a push service on loopback ({@link LoopbackPushService}) and plays the
 * browser ({@link WebPushBrowser}): a fresh P-256 key pair and authentication secret, subscribed
 * with the channel's VAPID public key, the subscription JSON handed to notify's
 * {@link PushChannel#subscribe}. It then sends alice a notification; the outbox's workers deliver
 * it through notify's real {@link PushChannel}, the service verifies the VAPID JWT and decrypts
 * the body with the browser's private key, and the example prints what arrived.
 *
 * <p>The service speaks plain HTTP on 127.0.0.1, so the channel is configured with
 * {@link PushSettings.Builder#allowHttp allowHttp} and
 * {@link PushSettings.Builder#allowPrivateEndpoints allowPrivateEndpoints}. Real push services are
 * public {@code https} endpoints: leave both off in production, where they guard against
 * endpoints that point into the server's own network.
 *
 * <p>{@link #main} prints to standard output; {@link #run} is what tests call.
 */
public final class PushExample {
    /** How long {@link #run} waits for the message to reach the push service: 10 seconds. */
    public static final Duration ARRIVAL_TIMEOUT = Duration.ofSeconds(10);

    private PushExample() {
    }

    /**
     * Runs the example and prints what the push service received.
     *
     * @param args none
     * @throws IllegalStateException if no message arrives within {@link #ARRIVAL_TIMEOUT}, or the
     *                               push service found something wrong with it
     */
    public static void main(String[] args) {
        run(System.out);
    }

    /**
     * Sends one notification to alice's browser and prints what the push service received, one
     * line each: {@code push service: POST <path> (<n> bytes, aes128gcm)}, {@code TTL: <seconds>},
     * {@code Urgency: <word>}, {@code VAPID: verified ...} (or {@code VAPID: rejected ...}),
     * {@code payload: <decrypted JSON>}, then {@code answer: <status>}. The push service and the
     * database are gone when it returns.
     *
     * @param out where the lines go
     * @throws IllegalStateException      if no message arrives within {@link #ARRIVAL_TIMEOUT}, or
     *                                    the service found something wrong with it (after printing
     *                                    what it found: a {@code problem:} line per finding)
     * @throws UncheckedIOException       if the push service cannot bind a loopback port
     * @throws dev.notify.NotifyException if the database cannot be created
     */
    public static void run(PrintStream out) {
        Clock clock = Clock.systemUTC(); // notify's default clock too; the push service checks exp against it
        LoopbackPushService.Message message;
        String jdbcUrl = "jdbc:h2:mem:push-example-" + UUID.randomUUID();
        try (LoopbackPushService pushService = LoopbackPushService.start(clock)) {
            // README:push:start
            PushChannel push = new PushChannel(PushSettings.builder()
                    .keys(VapidKeys.generate())
                    .subject("mailto:ops@shop.example.com")
                    .ttl(Duration.ofHours(1))
                    .allowHttp(true).allowPrivateEndpoints(true) // only for the loopback push service
                    .build());
            try (Notify notify = Notify.builder().jdbcUrl(jdbcUrl).channel(push).build()) {
                // The browser subscribes with push.publicKey() and posts its subscription JSON to the app.
                WebPushBrowser browser = WebPushBrowser.generate();
                String endpoint = pushService.subscribe(browser, push.publicKey());
                push.subscribe("alice", PushSubscription.fromJson(browser.subscriptionJson(endpoint)), "PushExample");

                notify.send(SendRequest.to("alice").type("order_shipped")
                        .title("Your order #1042 has shipped")
                        .message("It arrives on Thursday.")
                        .link("/orders/1042").priority(Priority.HIGH).build());
                message = pushService.awaitMessage(ARRIVAL_TIMEOUT); // delivered by the outbox's workers
            }
            // README:push:end
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the loopback push service", e);
        }
        print(message, clock, out);
        if (!message.accepted()) {
            throw new IllegalStateException("the push service refused the message (" + message.status() + "): "
                    + String.join("; ", message.problems()));
        }
    }

    private static void print(LoopbackPushService.Message m, Clock clock, PrintStream out) {
        out.println("push service: POST " + m.path() + " (" + m.bodyBytes() + " bytes, " + m.contentEncoding() + ")");
        out.println("TTL: " + m.ttl());
        out.println("Urgency: " + m.urgency());
        if (m.vapidVerified()) {
            long minutes = Duration.between(clock.instant(), m.expires()).toMinutes();
            out.println("VAPID: verified (ES256 signature by the subscription's applicationServerKey; aud "
                    + m.audience() + "; exp in " + minutes + " min; sub " + m.subject() + ")");
        } else {
            out.println("VAPID: rejected");
        }
        out.println("payload: " + (m.payload() == null ? "(not decrypted)" : m.payload()));
        m.problems().forEach(p -> out.println("problem: " + p));
        out.println("answer: " + m.status());
    }
}
