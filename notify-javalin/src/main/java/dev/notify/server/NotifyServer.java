package dev.notify.server;

import dev.notify.EventBus;
import dev.notify.Notify;
import dev.notify.javalin.JwtAuthenticator;
import dev.notify.javalin.NotifyPlugin;
import dev.notify.outbox.OutboxSettings;
import dev.notify.javalin.internal.BuildVersion;
import dev.notify.template.TemplateRegistry;
import dev.notify.javalin.internal.OpsApi;
import io.javalin.Javalin;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jetty.JettyServerThreadPoolMetrics;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintStream;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The standalone server: a {@link Notify} on the configured database, served by Javalin with
 * {@link NotifyPlugin}. Start it from the CLI ({@link NotifyCli}) or, in tests, with
 * {@link #start(ServerConfig, PrintStream)}.
 */
public final class NotifyServer implements AutoCloseable {
    private final Notify notify;
    private final Javalin app;
    private final JwtAuthenticator authenticator;
    private final DataDirectoryLock lock;
    private final NotifyPlugin plugin;
    private final Javalin management;
    private final OpsSettings ops;
    private final PrometheusMeterRegistry registry;
    private final Warmup warmup;

    private NotifyServer(Notify notify, Javalin app, JwtAuthenticator authenticator, DataDirectoryLock lock,
                         NotifyPlugin plugin, Javalin management, OpsSettings ops, PrometheusMeterRegistry registry,
                         Warmup warmup) {
        this.notify = notify;
        this.app = app;
        this.authenticator = authenticator;
        this.lock = lock;
        this.plugin = plugin;
        this.management = management;
        this.ops = ops;
        this.registry = registry;
        this.warmup = warmup;
    }

    /** Entry point of the fat jar: see {@link NotifyCli}. */
    public static void main(String[] args) {
        // slf4j-simple reads its level once, when the first logger is made.
        String level = System.getenv("NOTIFY_LOG_LEVEL");
        if (level != null && !level.isBlank()) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level.strip().toLowerCase(java.util.Locale.ROOT));
        }
        System.exit(NotifyCli.run(args));
    }

    /**
     * Opens the database (migrating it), starts HTTP, and prints where it listens, which database
     * it uses and which channels are live.
     *
     * @param config the server's settings
     * @param out    where the start-up summary goes
     * @return the running server
     * @throws StartupException if the port is taken, another server uses the data directory, or the
     *         database cannot be opened
     */
    public static NotifyServer start(ServerConfig config, PrintStream out) {
        return start(config, System.getenv(), out);
    }

    /** The environment variable naming a directory of template files ({@code <name>.json}, one per template). */
    public static final String TEMPLATES_DIR = "NOTIFY_TEMPLATES_DIR";
    /**
     * The environment variable choosing group commit ({@link Notify.Builder#groupCommit}):
     * {@code auto} (the default: on for PostgreSQL, off for H2), {@code on} or {@code off}.
     */
    public static final String GROUP_COMMIT = "NOTIFY_GROUP_COMMIT";

    /**
     * {@link #GROUP_COMMIT} read from {@code env}: empty for {@code auto} or unset.
     *
     * @throws IllegalArgumentException naming the variable for any other value than auto, on or off
     */
    static Optional<Boolean> groupCommit(Map<String, String> env) {
        String value = ServerConfig.blankToNull(env.get(GROUP_COMMIT));
        return switch (value == null ? "auto" : value.strip()) {
            case "auto" -> Optional.empty();
            case "on" -> Optional.of(true);
            case "off" -> Optional.of(false);
            default -> throw new IllegalArgumentException(GROUP_COMMIT + " must be auto, on or off but was '" + value
                    + "'");
        };
    }

    /**
     * The environment variable setting how long an outbox worker's claim on a batch lasts, in whole
     * seconds (default {@link OutboxSettings#DEFAULT_LEASE}), read by {@link ServerOutbox}: rows claimed by
     * a process that died are delivered again once it has passed, or at once when a node with the same
     * node id starts again.
     */
    public static final String OUTBOX_LEASE_SECONDS = "NOTIFY_OUTBOX_LEASE_SECONDS";

    /**
     * The environment variable that switches the access log (one line per request: method, path
     * without query, status, duration, user) {@code on} (default) or {@code off}.
     */
    public static final String ACCESS_LOG = "NOTIFY_ACCESS_LOG";

    /**
     * As {@link #start(ServerConfig, PrintStream)}, reading the channels' settings
     * ({@code EMAIL_*}, {@code WEBPUSH_VAPID_*}, {@code FRONTEND_URL}, and
     * {@code NOTIFY_PUBLIC_URL}), {@value #TEMPLATES_DIR}, {@value #ACCESS_LOG} and the outbox settings
     * ({@link ServerOutbox}) from {@code env}.
     * The HTTP port is bound and, with the embedded database, the data directory locked before the
     * database is opened or migrated.
     *
     * @param config the server's settings
     * @param env    the environment variables to read the channels' settings from
     * @param out    where the start-up summary goes
     * @return the running server
     * @throws StartupException if the port is taken, another server uses the data directory, or the
     *         database cannot be opened; the message names the setting to change
     * @throws IllegalArgumentException if a channel setting is malformed; the message names the variable
     */
    public static NotifyServer start(ServerConfig config, Map<String, String> env, PrintStream out) {
        // The port and the data directory are claimed before the database is opened, so that a start
        // that cannot serve fails before it creates or migrates any table.
        ServerSocketChannel listener = StartupChecks.bind(config);
        DataDirectoryLock lock = null;
        Notify notify = null;
        try {
            if (config.dbUrl() == null) {
                // The embedded database lives in the data directory: one server per directory.
                lock = DataDirectoryLock.acquire(config.dataDirectory());
            }
            return start(config, env, out, listener, lock);
        } catch (RuntimeException | Error e) {
            StartupChecks.closeQuietly(listener);
            if (lock != null) {
                lock.close();
            }
            throw e;
        }
    }

    private static NotifyServer start(ServerConfig config, Map<String, String> env, PrintStream out,
                                      ServerSocketChannel listener, DataDirectoryLock lock) {
        OpsSettings ops = OpsSettings.fromEnvironment(env);
        // The warm-up runs on a private server of its own; until it ends, /health/ready says so.
        Warmup warmup = Warmup.fromEnvironment(env);
        PrometheusMeterRegistry registry = ops.metrics() ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : null;
        if (registry != null) {
            new JvmMemoryMetrics().bindTo(registry);
            new JvmGcMetrics().bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            new ClassLoaderMetrics().bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            new UptimeMetrics().bindTo(registry);
        }
        String jwtSecret = config.resolveJwtSecret();
        JwtAuthenticator authenticator = ServerAuth.fromEnvironment(env, jwtSecret);
        ServerChannels channels = ServerChannels.fromEnvironment(env, config, jwtSecret);
        boolean accessLog = StartupChecks.accessLog(env);
        Notify.Builder builder = Notify.builder().heartbeat(config.heartbeat()).dataDirectory(config.dataDirectory())
                .poolSize(config.dbPoolSize()).connectionTimeout(config.dbConnectionTimeout())
                .outbox(ServerOutbox.fromEnvironment(env))
                .maxStreamsPerRecipient(config.streams().maxStreamsPerUser())
                .maxOpenStreams(config.streams().effectiveMaxStreams())
                .maxStreamDuration(config.streams().maxStreamDuration());
        if (registry != null) {
            builder.meterRegistry(registry);
        }
        if (config.dbUrl() != null) {
            builder.jdbcUrl(config.dbUrl());
        }
        channels.email().ifPresent(builder::channel);
        channels.push().ifPresent(builder::channel);
        String templatesDir = ServerConfig.blankToNull(env.get(TEMPLATES_DIR));
        if (templatesDir != null) {
            templatesDir = templatesDir.strip();
            builder.templates(TemplateRegistry.builder().directory(Path.of(templatesDir)).build());
        }
        groupCommit(env).ifPresent(builder::groupCommit);
        boolean multiNode = config.eventBus().usesPostgres(config.dbUrl());
        builder.eventBus(multiNode ? EventBus.postgres() : EventBus.local());
        Notify notify = StartupChecks.openDatabase(builder, config);
        // Idle connections are timed out by Jetty only well after a missed heartbeat, so an open
        // SSE stream is never cut between two keep-alives.
        long idleTimeoutMs = config.streams().effectiveIdleTimeout(config.heartbeat()).toMillis();
        int maxConnections = config.streams().effectiveMaxConnections();
        List<java.util.function.Supplier<dev.notify.Health.Check>> readiness = warmup == null ? List.of() : List.of(warmup);
        NotifyPlugin plugin = new NotifyPlugin(p -> {
            p.notify = notify;
            p.readinessChecks = readiness;
            p.authenticator = authenticator;
            p.heartbeat = config.heartbeat();
            p.wsPing = config.wsPing();
            p.unsubscribeTokens = channels.unsubscribeTokens();
            p.corsOrigins = channels.corsOrigins();
            p.headerTimeout = config.streams().headerTimeout();
            p.streamRetryAfter = config.streams().streamRetryAfter();
            p.limits = ops.limits();
            p.prometheus = ops.managementPort() == null ? registry : null;
        });
        Javalin app;
        Javalin management = null;
        try {
            app = Javalin.create(javalin -> {
                javalin.startup.showJavalinBanner = false;
                // Capped: Javalin's default pool grows to 250 threads during a burst of connections
                // and keeps them for a minute; streams hold no thread once open.
                QueuedThreadPool threads = new QueuedThreadPool(config.httpMaxThreads(),
                        Math.min(8, config.httpMaxThreads()), 60_000);
                threads.setName("notify-http");
                if (registry != null) {
                    new JettyServerThreadPoolMetrics(threads, Tags.empty()).bindTo(registry);
                }
                javalin.jetty.threadPool = threads;
                if (maxConnections < Integer.MAX_VALUE) {
                    // Past this Jetty stops accepting (connections wait in the kernel's queue)
                    // rather than failing accept() with "Too many open files" in a loop.
                    javalin.jetty.modifyServer(server -> server.addBean(new NetworkConnectionLimit(maxConnections, server)));
                }
                javalin.jetty.addConnector((server, http) -> {
                    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
                    connector.setHost(config.host());
                    connector.setPort(config.port());
                    connector.setIdleTimeout(idleTimeoutMs);
                    try {
                        connector.open(listener);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    return connector;
                });
                RouteErrors.install(javalin);
                if (accessLog) {
                    javalin.requestLogger.http(new AccessLog());
                }
                javalin.registerPlugin(plugin);
            }).start();
            if (ops.managementPort() != null && registry != null) {
                management = startManagement(config.host(), ops.managementPort(), notify, registry, readiness);
            }
        } catch (RuntimeException e) {
            notify.close();
            throw e;
        }
        NotifyServer server = new NotifyServer(notify, app, authenticator, lock, plugin, management, ops, registry,
                warmup);
        String host = config.host() == null ? "localhost" : config.host();
        String base = "http://" + host + ":" + app.port();
        out.println("notify " + BuildVersion.get() + " listening on " + base);
        // The server leaves the page where the plugin puts it by default.
        String webPath = new dev.notify.javalin.NotifyPluginConfig().webPath;
        if (webPath != null) {
            out.println("  inbox:    " + base + webPath + " (the web inbox page; sign in with a token)");
        }
        out.println("  data dir: " + config.dataDirectory().toAbsolutePath().normalize());
        out.println("  database: " + notify.databaseDescription() + ", pool of " + config.dbPoolSize());
        out.println("  events:   " + (multiNode
                ? "PostgreSQL LISTEN/NOTIFY: streams every change made on any node sharing this database"
                : "in-process: a single node"));
        out.println("  channels: in-app live, sse and websocket live");
        out.println("            " + channels.emailStatus());
        out.println("            " + channels.pushStatus());
        int templateCount = notify.templates().names().size();
        out.println("  templates: " + (templateCount == 0 ? "none (set " + TEMPLATES_DIR + ")"
                : templateCount + " from " + templatesDir));
        out.println("  tokens:   signed with " + (config.jwtSecret() != null ? "NOTIFY_JWT_SECRET"
                : config.dataDirectory().resolve(ServerConfig.SECRET_FILE).toAbsolutePath() + " (generated)"));
        out.println("  accepted: " + ServerAuth.describe(env));
        out.println("  streams:  at most " + config.streams().maxStreamsPerUser() + " per user, "
                + config.streams().effectiveMaxStreams() + " in all; connections at most "
                + (maxConnections == Integer.MAX_VALUE ? "unlimited" : Integer.toString(maxConnections))
                + "; request headers within " + config.streams().headerTimeout().toSeconds() + " s");
        out.println("  get one:  " + StartupChecks.tokenCommand(config) + " --user alice");
        out.println("  access log: " + (accessLog ? "on (" + ACCESS_LOG + "=off to stop it)" : "off"));
        out.println("  metrics:  " + (registry == null ? "off (NOTIFY_METRICS=off)" : management != null
                ? "http://" + host + ":" + management.port() + "/metrics (management port, no token)"
                : "/metrics with an admin token") + "; health at /health/live and /health/ready");
        out.println("  limits:   " + ops.limits());
        out.println("  shutdown: SIGTERM/SIGINT drain within " + ops.shutdown().toSeconds() + " s");
        out.println("  warm-up:  " + (warmup == null ? "off (" + Warmup.WARMUP_SECONDS + "=10 warms the JIT before ready)"
                : "running; /health/ready answers 503 until it ends"));
        out.flush();
        if (warmup != null) {
            warmup.start(out);
        }
        return server;
    }

    /**
     * The management port's Javalin: {@code /metrics} without a token and the health endpoints,
     * for a port that only the monitoring network reaches.
     */
    private static Javalin startManagement(String host, int port, Notify notify, PrometheusMeterRegistry registry,
                                           List<java.util.function.Supplier<dev.notify.Health.Check>> readiness) {
        return Javalin.create(javalin -> {
            javalin.startup.showJavalinBanner = false;
            javalin.jetty.addConnector((server, http) -> {
                ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
                connector.setHost(host);
                connector.setPort(port);
                return connector;
            });
            javalin.routes.get("/metrics", ctx -> OpsApi.scrape(ctx, registry));
            javalin.routes.get("/health/live", ctx -> ctx.json(java.util.Map.of("status", "live")));
            javalin.routes.get("/health/ready", ctx -> OpsApi.ready(ctx, notify, readiness));
        }).start();
    }

    /** The management port, if {@code NOTIFY_MANAGEMENT_PORT} is set. */
    public java.util.OptionalInt managementPort() {
        return management == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(management.port());
    }

    /** The registry every meter of this server is on; empty with {@code NOTIFY_METRICS=off}. */
    public java.util.Optional<PrometheusMeterRegistry> meterRegistry() {
        return java.util.Optional.ofNullable(registry);
    }

    /**
     * What SIGTERM and SIGINT run: refuses new streams, sends open SSE streams a last event with a
     * {@code retry:} hint and WebSocket clients a 1001 close, lets the outbox workers finish the
     * batch a channel is delivering and release the rest of their claims (so another node delivers
     * them at once), then closes the database and stops HTTP. Bounded by
     * {@code NOTIFY_SHUTDOWN_SECONDS}: past it, what is still running is cut off (claimed rows
     * then wait for their lease to expire).
     *
     * @return true if everything stopped within the bound
     */
    public boolean shutdown() {
        long deadline = System.nanoTime() + ops.shutdown().toNanos();
        boolean drained = plugin.shutdown(ops.shutdown());
        close();
        return drained && System.nanoTime() <= deadline;
    }

    /** The bound HTTP port. */
    public int port() {
        return app.port();
    }

    /** The mounted HTTP routes as {@code "get /path/{param}"}, from Javalin's router. */
    java.util.List<String> httpRoutes() {
        return app.unsafe.internalRouter.allHttpHandlers().stream()
                .map(e -> e.endpoint)
                .filter(e -> e.method.isHttpMethod())
                .map(e -> e.method.name().toLowerCase(java.util.Locale.ROOT) + " " + e.path)
                .toList();
    }

    /** The running {@link Notify}. */
    public Notify core() {
        return notify;
    }

    /** Issues and verifies this server's tokens. */
    public JwtAuthenticator authenticator() {
        return authenticator;
    }

    /** Ends open streams and closes the database, then stops HTTP. */
    @Override
    public void close() {
        if (warmup != null) {
            warmup.stop();
        }
        // Closing notify first completes every open SSE response, so Jetty's stop does not wait on them.
        try {
            notify.close();
        } finally {
            try {
                app.stop();
                if (management != null) {
                    management.stop();
                }
                if (registry != null) {
                    registry.close();
                }
            } finally {
                if (lock != null) {
                    lock.close();
                }
            }
        }
    }
}
