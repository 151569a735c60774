package dev.notify.server;

import dev.notify.javalin.JwtAuthenticator;
import dev.notify.javalin.Principal;
import dev.notify.json.Json;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The command line of the fat jar: {@code serve} (the default), {@code token} and {@code send}.
 * Settings come from the same {@code NOTIFY_*} environment variables as the server.
 */
@Command(name = "notify-server", mixinStandardHelpOptions = true, versionProvider = NotifyCli.Version.class,
        description = "Notifications as a service: inbox API, SSE stream.",
        subcommands = {NotifyCli.Serve.class, NotifyCli.Token.class, NotifyCli.Send.class, NotifyCli.Vapid.class})
public final class NotifyCli implements Callable<Integer> {
    /** The scopes the server checks; {@code token --scope} accepts only these. */
    static final List<String> KNOWN_SCOPES = List.of(Principal.PUBLISH, Principal.ADMIN);

    private final Map<String, String> env;

    NotifyCli(Map<String, String> env) {
        this.env = env;
    }

    /** Runs the command line with the process environment and returns its exit code. */
    public static int run(String... args) {
        return run(System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /**
     * Runs the command line with the given environment and output streams (for tests and
     * embedding), and returns its exit code.
     */
    public static int run(Map<String, String> env, PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new NotifyCli(env));
        cli.setOut(out);
        cli.setErr(err);
        // A mistake on the command line gets its message and a pointer to --help, not the whole usage.
        cli.setParameterExceptionHandler((e, ignoredArgs) -> {
            CommandLine failed = e.getCommandLine();
            failed.getErr().println(e.getMessage());
            failed.getErr().println("  see '" + failed.getCommandSpec().qualifiedName() + " --help'");
            failed.getErr().flush();
            return failed.getCommandSpec().exitCodeOnInvalidInput();
        });
        return cli.execute(args);
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--debug", description = "serve, printing the stack trace of a start-up failure")
    boolean debug;

    /** With no subcommand: serve. */
    @Override
    public Integer call() throws Exception {
        Serve serve = new Serve();
        serve.parent = this;
        serve.spec = spec;
        return serve.call();
    }

    ServerConfig config() {
        return ServerConfig.fromEnvironment(env);
    }

    /** Whether the stack traces of failures are wanted: {@code NOTIFY_LOG_LEVEL=debug} (or trace). */
    boolean debugLogging() {
        String level = ServerConfig.blankToNull(env.get("NOTIFY_LOG_LEVEL"));
        return level != null && (level.strip().equalsIgnoreCase("debug") || level.strip().equalsIgnoreCase("trace"));
    }

    /**
     * Reports a failure to start in one or two lines that name the setting to change; the stack
     * trace only with {@code --debug} or {@code NOTIFY_LOG_LEVEL=debug}.
     *
     * @return the exit code, 1
     */
    int startupFailed(PrintWriter err, RuntimeException e, boolean debug) {
        String message = e instanceof StartupException || e instanceof IllegalArgumentException
                ? e.getMessage()
                : e.getClass().getSimpleName() + ": " + StartupChecks.firstLine(StartupChecks.rootMessage(e));
        err.println("notify could not start: " + message);
        if (debug || debugLogging()) {
            e.printStackTrace(err);
        } else if (!(e instanceof StartupException || e instanceof IllegalArgumentException)) {
            err.println("  run with --debug (or NOTIFY_LOG_LEVEL=debug) for the stack trace");
        }
        err.flush();
        return 1;
    }

    /**
     * The server's settings with {@code --data-dir} applied, for the commands that sign tokens.
     *
     * @throws CommandLine.ParameterException if there is no {@code NOTIFY_JWT_SECRET} and no secret
     *         file in the data directory: a token signed with a new secret would be useless
     */
    ServerConfig signingConfig(CommandLine.Model.CommandSpec spec, java.nio.file.Path dataDir) {
        ServerConfig config = config();
        if (dataDir != null) {
            config = config.withDataDirectory(dataDir);
        }
        if (config.jwtSecret() == null) {
            java.nio.file.Path secret = config.dataDirectory().resolve(ServerConfig.SECRET_FILE);
            if (!java.nio.file.Files.isRegularFile(secret)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "no server secret found: looked for "
                        + secret.toAbsolutePath().normalize() + "\n  run this where the server runs, pass"
                        + " --data-dir <the server's data directory>, or set NOTIFY_JWT_SECRET as the server has it");
            }
        }
        return config;
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Run the server (NOTIFY_PORT, NOTIFY_DB_URL, NOTIFY_DATA_DIR, NOTIFY_JWT_SECRET).")
    static final class Serve implements Callable<Integer> {
        @CommandLine.ParentCommand
        NotifyCli parent;

        @Option(names = "--port", description = "HTTP port; overrides NOTIFY_PORT (default 8080)")
        Integer port;

        @Option(names = "--debug", description = "print the stack trace of a start-up failure"
                + " (as NOTIFY_LOG_LEVEL=debug does)")
        boolean debug;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            NotifyServer server;
            try {
                ServerConfig config = parent.config();
                if (port != null) {
                    config = config.withPort(port);
                }
                server = NotifyServer.start(config, parent.env, System.out);
            } catch (RuntimeException e) {
                return parent.startupFailed(spec.commandLine().getErr(), e, debug || parent.debug);
            }
            CountDownLatch stopped = new CountDownLatch(1);
            // SIGTERM and SIGINT run shutdown hooks: drain within NOTIFY_SHUTDOWN_SECONDS, then exit.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.shutdown();
                stopped.countDown();
            }, "notify-shutdown"));
            stopped.await();
            return 0;
        }
    }

    @Command(name = "token", mixinStandardHelpOptions = true,
            description = "Print a JWT signed with the server's secret (NOTIFY_JWT_SECRET or <data dir>/jwt-secret).")
    static final class Token implements Callable<Integer> {
        @CommandLine.ParentCommand
        NotifyCli parent;

        @Option(names = "--user", required = true, description = "user id, written to the user id claim (NOTIFY_JWT_USER_CLAIM, default 'sub')")
        String user;

        @Option(names = "--scope", split = ",", description = "scopes to grant: publish, admin (repeatable)")
        List<String> scopes = List.of();

        @Option(names = "--data-dir", description = "the server's data directory, which holds its secret;"
                + " overrides NOTIFY_DATA_DIR (default ./notify-data)")
        java.nio.file.Path dataDir;

        @Option(names = "--ttl", defaultValue = "1h", description = "validity, e.g. 30m, 1h or PT1H (default 1h), at most NOTIFY_JWT_MAX_LIFETIME (default 24h)")
        String ttl;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Duration validity = parseDuration(spec, ttl);
            for (String scope : scopes) {
                if (!KNOWN_SCOPES.contains(scope)) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "unknown scope '" + scope
                            + "': the server knows " + String.join(", ", KNOWN_SCOPES));
                }
            }
            // The lifetime first: a --ttl the server would refuse is worth saying before looking for the secret.
            Duration maxLifetime = ServerAuth.maxLifetime(parent.env);
            if (validity.compareTo(maxLifetime) > 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--ttl " + ttl
                        + " exceeds the longest token lifetime the server accepts, " + maxLifetime
                        + " (" + ServerAuth.MAX_LIFETIME + ")");
            }
            JwtAuthenticator authenticator = ServerAuth.fromEnvironment(parent.env,
                    parent.signingConfig(spec, dataDir).resolveJwtSecret());
            String token = authenticator.issue(user, new LinkedHashSet<>(scopes), validity);
            spec.commandLine().getOut().println(token);
            return 0;
        }
    }

    @Command(name = "send", mixinStandardHelpOptions = true,
            description = "Create a notification through a running server's API (a quick end-to-end test).")
    static final class Send implements Callable<Integer> {
        @CommandLine.ParentCommand
        NotifyCli parent;

        @Option(names = "--user", required = true, split = ",", description = "recipient user id(s)")
        List<String> users;

        @Option(names = "--title", required = true)
        String title;

        @Option(names = "--message", defaultValue = "")
        String message;

        @Option(names = "--type", defaultValue = "notification")
        String type;

        @Option(names = "--priority", defaultValue = "normal", description = "low, normal, high or urgent")
        String priority;

        @Option(names = "--link")
        String link;

        @Option(names = "--server", description = "base URL of the running server (default http://localhost:NOTIFY_PORT)")
        String server;

        @Option(names = "--data-dir", description = "the server's data directory, which holds its secret;"
                + " overrides NOTIFY_DATA_DIR (default ./notify-data)")
        java.nio.file.Path dataDir;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            ServerConfig config = parent.signingConfig(spec, dataDir);
            String base = server != null ? server : "http://localhost:" + config.port();
            String token = ServerAuth.fromEnvironment(parent.env, config.resolveJwtSecret())
                    .issue("notify-cli", java.util.Set.of(Principal.PUBLISH), Duration.ofMinutes(1));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("recipients", users);
            body.put("type", type);
            body.put("title", title);
            body.put("message", message);
            body.put("priority", priority);
            if (link != null) {
                body.put("link", link);
            }
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/api/v1/notifications"))
                    .timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Json.write(body)))
                    .build();
            HttpResponse<String> response;
            try {
                response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            } catch (java.net.ConnectException e) {
                spec.commandLine().getErr().println("no server at " + base + ": start one with 'serve' first");
                return 1;
            }
            PrintWriter out = response.statusCode() < 300 ? spec.commandLine().getOut() : spec.commandLine().getErr();
            out.println(response.body());
            return response.statusCode() < 300 ? 0 : 1;
        }
    }

    @Command(name = "vapid", mixinStandardHelpOptions = true,
            description = "Generate a VAPID key pair (RFC 8292) and print it as environment variables.")
    static final class Vapid implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            dev.notify.push.VapidKeys keys = dev.notify.push.VapidKeys.generate();
            PrintWriter out = spec.commandLine().getOut();
            out.println(dev.notify.push.VapidKeys.PUBLIC_KEY_ENV + "=" + keys.publicKeyBase64Url());
            out.println(dev.notify.push.VapidKeys.PRIVATE_KEY_ENV + "=" + keys.privateKeyBase64Url());
            out.println(dev.notify.push.VapidSubject.ENV + "=mailto:you@example.com");
            return 0;
        }
    }

    /** {@code --version}: the version the jar was built as. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"notify " + dev.notify.javalin.internal.BuildVersion.get()};
        }
    }

    /** Parses {@code 30s}, {@code 15m}, {@code 1h}, {@code 7d} or an ISO-8601 duration. */
    static Duration parseDuration(CommandLine.Model.CommandSpec spec, String text) {
        Duration d = ServerAuth.parseDuration(text);
        if (d == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--ttl must be a positive duration like 30m, 1h, 7d or PT1H but was '" + text + "'");
        }
        return d;
    }
}
