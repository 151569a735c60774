package dev.notify.javalin.internal;

import dev.notify.Health;
import dev.notify.Notify;
import dev.notify.javalin.NotifyPluginConfig;
import dev.notify.javalin.Principal;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Endpoints for orchestrators and monitoring: {@code GET {healthPath}/live} (the process serves
 * requests), {@code GET {healthPath}/ready} (200 when every check of {@link Notify#health}
 * passes, else 503 naming the failed ones), and {@code GET {metricsPath}} (Prometheus text
 * format 0.0.4, or OpenMetrics when the scraper asks for it; scope {@code admin}).
 */
public final class OpsApi {
    /** How long the readiness check waits for the database. */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(2);

    private final NotifyPluginConfig config;
    private final Http http;

    public OpsApi(NotifyPluginConfig config) {
        this.config = config;
        this.http = new Http(config);
    }

    public void mount(RoutesConfig routes) {
        if (config.healthPath != null) {
            routes.get(config.healthPath + "/live", http.guarded(ctx -> live(ctx)));
            routes.get(config.healthPath + "/ready",
                    http.guarded(ctx -> ready(ctx, config.notify, config.readinessChecks)));
        }
        if (config.prometheus != null && config.metricsPath != null) {
            routes.get(config.metricsPath, http.guarded(ctx -> {
                http.requireScope(ctx, Principal.ADMIN);
                scrape(ctx, config.prometheus);
            }));
        }
    }

    static void live(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        Http.json(ctx, 200, Map.of("status", "live"));
    }

    /**
     * Answers 200 {@code {"status":"ready","checks":[...]}} or 503 with {@code "status":"unready"}:
     * the checks of {@link Notify#health} followed by {@code extra}.
     */
    public static void ready(Context ctx, Notify notify, List<java.util.function.Supplier<Health.Check>> extra) {
        List<Health.Check> all = new ArrayList<>(notify.health(READY_TIMEOUT).checks());
        extra.forEach(c -> all.add(c.get()));
        Health health = new Health(all);
        List<Map<String, Object>> checks = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (Health.Check c : health.checks()) {
            var v = new LinkedHashMap<String, Object>();
            v.put("name", c.name());
            v.put("ok", c.ok());
            v.put("detail", c.detail());
            checks.add(v);
            if (!c.ok()) {
                failed.add(c.name());
            }
        }
        var body = new LinkedHashMap<String, Object>();
        body.put("status", health.ready() ? "ready" : "unready");
        body.put("failed", failed);
        body.put("checks", checks);
        ctx.header("Cache-Control", "no-store");
        Http.json(ctx, health.ready() ? 200 : 503, body);
    }

    /**
     * Writes the registry's meters in the format the {@code Accept} header asks for: Prometheus
     * protobuf (delimited {@code MetricFamily} messages), OpenMetrics text 1.0, or else Prometheus
     * text 0.0.4.
     */
    public static void scrape(Context ctx, PrometheusMeterRegistry registry) throws java.io.IOException {
        String accept = ctx.header("Accept");
        String contentType;
        if (accept != null && accept.contains("application/vnd.google.protobuf")) {
            contentType = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";
        } else if (accept != null && accept.contains("application/openmetrics-text")) {
            contentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";
        } else {
            contentType = "text/plain; version=0.0.4; charset=utf-8";
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(16 * 1024);
        registry.scrape(out, contentType);
        ctx.status(200).contentType(contentType).result(out.toByteArray());
    }
}
