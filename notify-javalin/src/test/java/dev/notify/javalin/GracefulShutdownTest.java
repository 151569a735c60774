package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.notify.Notify;
import dev.notify.SendRequest;
import dev.notify.outbox.Delivery;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.outbox.DeliveryOutcome;
import dev.notify.outbox.DeliveryTarget;
import dev.notify.outbox.OutboxEntry;
import dev.notify.outbox.OutboxSettings;
import dev.notify.outbox.OutboxStatus;
import io.javalin.Javalin;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two nodes on one PostgreSQL schema. Node A holds 100 open streams and a claimed outbox batch
 * whose email part is in flight when it is told to shut down, exactly as its SIGTERM hook does
 * ({@link NotifyPlugin#shutdown}): the streams get their last event, A finishes the email it is
 * sending, gives back the push rows it had claimed, and stops well within the bound; node B
 * delivers those push rows at once although A's leases had ten minutes to run. Every row is
 * delivered exactly once.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GracefulShutdownTest {
    private static final String SECRET = "shutdown-secret-shutdown-secret-0123456";
    private static final int STREAMS = 100;
    private static final int SENDS = 20;
    private static final Duration BOUND = Duration.ofSeconds(10);

    /** Records who delivered what; optionally holds the first batch until released. */
    static final class Channel implements DeliveryChannel {
        final String name;
        final String node;
        final Map<Long, List<String>> deliveredBy;
        final CountDownLatch entered;
        final CountDownLatch release;
        final java.util.concurrent.atomic.AtomicReference<String> firstIn;

        Channel(String name, String node, Map<Long, List<String>> deliveredBy, CountDownLatch release,
                CountDownLatch entered, java.util.concurrent.atomic.AtomicReference<String> firstIn) {
            this.name = name;
            this.node = node;
            this.deliveredBy = deliveredBy;
            this.release = release;
            this.entered = entered;
            this.firstIn = firstIn;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public List<String> destinations(DeliveryTarget target) {
            return List.of(target.recipient() + "@" + name);
        }

        @Override
        public List<DeliveryOutcome> deliver(List<Delivery> batch) {
            firstIn.compareAndSet(null, name);
            entered.countDown();
            if (release != null) {
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            for (Delivery d : batch) {
                deliveredBy.computeIfAbsent(d.outboxId(), id -> new java.util.concurrent.CopyOnWriteArrayList<>())
                        .add(node);
            }
            return batch.stream().map(d -> DeliveryOutcome.delivered()).toList();
        }
    }

    private static Notify node(PgTestSchema schema, String app, Channel email, Channel push, OutboxSettings outbox) {
        return Notify.builder().jdbcUrl(schema.jdbcUrl("ApplicationName=" + app)).poolSize(4)
                .channel(email).channel(push).outbox(outbox).build();
    }

    @Test
    void aShutdownNodeEndsItsStreamsFinishesItsBatchAndHandsTheRestToTheOtherNode() throws Exception {
        Map<Long, List<String>> delivered = new ConcurrentHashMap<>();
        // Node A holds whichever channel of the batch it starts on first (the channels' order in a
        // batch is not fixed); the other channel's rows are the rest of the batch.
        CountDownLatch releaseEmail = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<String> held = new java.util.concurrent.atomic.AtomicReference<>();
        Channel emailA = new Channel("email", "a", delivered, releaseEmail, entered, held);
        Channel pushA = new Channel("push", "a", delivered, releaseEmail, entered, held);
        OutboxSettings longLease = OutboxSettings.ofDefaults().withWorkers(1).withBatchSize(100)
                .withLease(Duration.ofMinutes(10)).withPollInterval(Duration.ofMillis(200));
        List<SseTestClient> streams = new ArrayList<>();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        JwtAuthenticator jwt = JwtAuthenticator.hs256(SECRET);
        try (PgTestSchema schema = PgTestSchema.create()) {
            Notify a = node(schema, "shutdown_a", emailA, pushA, longLease);
            NotifyPlugin pluginA = new NotifyPlugin(c -> {
                c.notify = a;
                c.authenticator = jwt;
            });
            Javalin appA = Javalin.create(c -> {
                c.startup.showJavalinBanner = false;
                c.registerPlugin(pluginA);
            }).start(0);
            Notify b = null;
            try {
                String url = "http://localhost:" + appA.port() + "/api/v1/notifications/sse/stream";
                for (int i = 0; i < STREAMS; i++) {
                    SseTestClient s = SseTestClient.open(http, url, jwt.issue("user-" + i, Set.of(), Duration.ofHours(1)),
                            null);
                    streams.add(s);
                }
                for (SseTestClient s : streams) {
                    s.next("connection_established", Duration.ofSeconds(10));
                }
                // And one WebSocket, which must be closed with 1001 (going away).
                CompletableFuture<Integer> wsClosed = new CompletableFuture<>();
                CompletableFuture<Void> wsGreeted = new CompletableFuture<>();
                java.net.http.WebSocket ws = http.newWebSocketBuilder().buildAsync(java.net.URI.create("ws://localhost:"
                        + appA.port() + "/ws/notifications?token=" + jwt.issue("ws-user", Set.of(), Duration.ofHours(1))),
                        new java.net.http.WebSocket.Listener() {
                            @Override
                            public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket w,
                                                                                   CharSequence data, boolean last) {
                                wsGreeted.complete(null);
                                w.request(1);
                                return null;
                            }

                            @Override
                            public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket w, int code,
                                                                                    String reason) {
                                wsClosed.complete(code);
                                return null;
                            }
                        }).join();
                wsGreeted.get(10, TimeUnit.SECONDS);
                assertThat(a.openStreamCount()).isEqualTo(STREAMS + 1);

                // A claims everything in one batch: SENDS email rows and SENDS push rows; email goes first.
                // One transaction: the worker wakes once, after all of them are committed.
                a.useTransaction(tx -> {
                    for (int i = 0; i < SENDS; i++) {
                        tx.send(SendRequest.to("user-" + i).type("t").title("n" + i).build());
                    }
                });
                assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();

                // B starts now: everything is leased to A for ten minutes, so B finds nothing yet.
                java.util.concurrent.atomic.AtomicReference<String> unused = new java.util.concurrent.atomic.AtomicReference<>();
                Channel emailB = new Channel("email", "b", delivered, null, new CountDownLatch(1), unused);
                Channel pushB = new Channel("push", "b", delivered, null, new CountDownLatch(1), unused);
                b = node(schema, "shutdown_b", emailB, pushB, longLease);
                assertThat(b.outbox().deliverDue()).isZero();

                long started = System.nanoTime();
                CompletableFuture<Boolean> shutdown = CompletableFuture.supplyAsync(() -> pluginA.shutdown(BOUND));
                // Every stream gets the last event (after a retry hint) and ends.
                for (SseTestClient s : streams) {
                    SseTestClient.Event last = s.next("shutdown", Duration.ofSeconds(10));
                    assertThat(last.data()).contains("\"retry_ms\":3000");
                    s.ended.get(10, TimeUnit.SECONDS);
                    assertThat(s.retries).hasSize(2).containsOnly("3000"); // the greeting's and the last one
                }
                assertThat(wsClosed.get(10, TimeUnit.SECONDS)).isEqualTo(1001);
                assertThat(a.openStreamCount()).isZero();
                // New streams are refused while A drains.
                assertThat(http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                                .header("Authorization", "Bearer " + jwt.issue("late", Set.of(), Duration.ofHours(1)))
                                .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode())
                        .isEqualTo(503);

                // The email batch in flight finishes; the push rows go back.
                releaseEmail.countDown();
                assertThat(shutdown.get(BOUND.toSeconds() + 5, TimeUnit.SECONDS)).isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BOUND);
                a.close();
                appA.stop();

                Notify nodeB = b;
                await().atMost(Duration.ofSeconds(30)).until(() -> nodeB.outbox().counts().values().stream()
                        .allMatch(byStatus -> byStatus.keySet().equals(Set.of(OutboxStatus.DELIVERED))));
                List<OutboxEntry> rows = b.outbox().list(null, null, 0, 100);
                assertThat(rows).hasSize(2 * SENDS).allMatch(r -> r.status() == OutboxStatus.DELIVERED);
                assertThat(delivered).hasSize(2 * SENDS);
                assertThat(delivered.values()).allMatch(nodes -> nodes.size() == 1); // never twice
                AtomicInteger byA = new AtomicInteger();
                AtomicInteger byB = new AtomicInteger();
                rows.forEach(r -> {
                    String n = delivered.get(r.id()).get(0);
                    if (r.channel().equals(held.get())) {
                        assertThat(n).as("row " + r.id() + " of the batch in flight").isEqualTo("a");
                        byA.incrementAndGet();
                    } else {
                        assertThat(n).as("released row " + r.id()).isEqualTo("b");
                        assertThat(r.attempts()).as("a released row's attempt is not counted").isEqualTo(1);
                        byB.incrementAndGet();
                    }
                });
                assertThat(byA.get()).isEqualTo(SENDS);
                assertThat(byB.get()).isEqualTo(SENDS);
            } finally {
                releaseEmail.countDown();
                streams.forEach(SseTestClient::close);
                if (b != null) {
                    b.close();
                }
                a.close();
                appA.stop();
            }
        }
    }
}
