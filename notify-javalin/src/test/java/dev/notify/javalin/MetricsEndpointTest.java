package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.notify.Recipient;
import dev.notify.SendRequest;
import dev.notify.json.Json;
import dev.notify.outbox.Delivery;
import dev.notify.outbox.DeliveryChannel;
import dev.notify.outbox.DeliveryOutcome;
import dev.notify.outbox.DeliveryTarget;
import dev.notify.outbox.OutboxSettings;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {
    /** Delivers, asks for a retry or fails for good, as the notification's title says. */
    static final class ScriptedChannel implements DeliveryChannel {
        @Override
        public String name() {
            return "email";
        }

        @Override
        public List<String> destinations(DeliveryTarget target) {
            return target.profile().map(Recipient::email).stream().toList();
        }

        @Override
        public List<DeliveryOutcome> deliver(List<Delivery> batch) {
            return batch.stream().map(d -> switch (d.notification().title()) {
                case "flaky" -> DeliveryOutcome.retry("421 try again later");
                case "bad" -> DeliveryOutcome.failed("550 mailbox unavailable");
                default -> DeliveryOutcome.delivered();
            }).toList();
        }
    }

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private TestServer server;

    @BeforeEach
    void start() {
        server = new TestServer(b -> b.channel(new ScriptedChannel()).meterRegistry(registry)
                        .outbox(OutboxSettings.ofDefaults().withWorkers(0)),
                c -> c.prometheus = registry);
        for (String user : List.of("alice", "bob", "carol")) {
            server.notify.recipients().put(new Recipient(user, user + "@example.com", null, null, null));
        }
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private PrometheusScrape scrape() {
        HttpResponse<byte[]> r = server.sendBytes(server.request("/metrics", server.token("ops", "admin"))
                .header("Accept", "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;"
                        + " encoding=delimited").GET().build());
        assertThat(r.statusCode()).isEqualTo(200);
        return PrometheusScrape.fromProtobuf(r.body());
    }

    @Test
    void countersMoveByWhatWasSentAndDelivered() {
        PrometheusScrape before = scrape();
        // Four sends through the API: one to two recipients, three to one; one of each outcome.
        server.create("alice", "fine");
        HttpResponse<String> two = server.post("/api/v1/notifications", server.token("svc", "publish"),
                Json.write(Map.of("recipients", List.of("alice", "bob"), "type", "t", "title", "fine")));
        assertThat(two.statusCode()).isEqualTo(201);
        server.notify.send(SendRequest.to("carol").type("t").title("flaky").build());
        server.notify.send(SendRequest.to("carol").type("t").title("bad").build());
        server.notify.outbox().deliverDue();

        PrometheusScrape after = scrape();
        assertThat(after.counter("notify_sends_total") - before.counter("notify_sends_total")).isEqualTo(4);
        assertThat(after.counter("notify_notifications_total") - before.counter("notify_notifications_total"))
                .isEqualTo(5);
        assertThat(after.counter("notify_deliveries_total", "channel", "email", "outcome", "delivered")).isEqualTo(3);
        assertThat(after.counter("notify_deliveries_total", "channel", "email", "outcome", "retry")).isEqualTo(1);
        assertThat(after.counter("notify_deliveries_total", "channel", "email", "outcome", "dead")).isEqualTo(1);
        // The outbox gauges read a snapshot taken at most once a second.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() -> {
            PrometheusScrape now = scrape();
            assertThat(now.gauge("notify_outbox_dead_rows", "channel", "email")).isEqualTo(1);
            assertThat(now.gauge("notify_outbox_pending_rows", "channel", "email")).isEqualTo(1);
        });
        assertThat(after.count("notify_send_duration_seconds") - before.count("notify_send_duration_seconds")).isEqualTo(4);
        assertThat(after.count("notify_channel_duration_seconds", "channel", "email")).isEqualTo(1);
        assertThat(after.count("notify_store_query_seconds")).isGreaterThan(before.count("notify_store_query_seconds"));
        assertThat(after.has("jvm_memory_used_bytes") || after.has("notify_heartbeat_lag_seconds")).isTrue();
    }

    @Test
    void textFormatParsesAndAgreesWithTheProtobufScrape() {
        server.create("alice", "fine");
        server.notify.outbox().deliverDue();
        HttpResponse<String> r = server.get("/metrics", server.token("ops", "admin"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
        Map<String, Double> samples = PrometheusScrape.parseText(r.body());
        assertThat(samples.get("notify_sends_total")).isEqualTo(1.0);
        assertThat(samples.get("notify_deliveries_total{channel=\"email\",outcome=\"delivered\"}")).isEqualTo(1.0);
        assertThat(samples).containsKey("notify_outbox_oldest_age_seconds");
        assertThat(samples).containsKey("notify_heartbeat_lag_seconds_count");
    }

    @Test
    void metricsNeedTheAdminScope() {
        assertThat(server.get("/metrics", null).statusCode()).isEqualTo(401);
        assertThat(server.get("/metrics", server.token("svc", "publish")).statusCode()).isEqualTo(403);
        assertThat(server.get("/metrics", server.token("alice")).statusCode()).isEqualTo(403);
    }
}
