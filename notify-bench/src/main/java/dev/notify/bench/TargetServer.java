package dev.notify.bench;

import dev.notify.javalin.JwtAuthenticator;
import dev.notify.server.NotifyServer;
import dev.notify.server.ServerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.time.Duration;

/**
 * The notify server a load benchmark talks to: started in this JVM (smoke mode, quick runs) or
 * already running elsewhere ({@code --url=http://127.0.0.1:PORT}, started with the
 * {@code server} command, so its CPU and memory can be read apart from the load generator's).
 */
final class TargetServer implements AutoCloseable {
    static final String DEFAULT_SECRET = "notify-bench-secret-notify-bench-secret-0123456789";

    final InetSocketAddress address;
    final JwtAuthenticator tokens;
    final boolean inProcess;
    private final NotifyServer server;
    private Path dataDirectory;

    private TargetServer(InetSocketAddress address, String secret, NotifyServer server) {
        this.address = address;
        this.tokens = JwtAuthenticator.hs256(secret);
        this.server = server;
        this.inProcess = server != null;
    }

    static TargetServer from(Args args) throws IOException {
        String secret = args.get("secret", DEFAULT_SECRET);
        String url = args.get("url", null);
        if (url != null) {
            java.net.URI uri = java.net.URI.create(url);
            return new TargetServer(new InetSocketAddress(uri.getHost(), uri.getPort()), secret, null);
        }
        Started started = start(args, 0, new PrintStream(OutputStream.nullOutputStream()));
        TargetServer target = new TargetServer(new InetSocketAddress("127.0.0.1", started.server().port()), secret,
                started.server());
        target.dataDirectory = started.dataDirectory();
        return target;
    }

    /** A server already running at {@code url} (e.g. a side-by-side peer), tokens signed with {@code --secret}. */
    static TargetServer at(String url, Args args) {
        java.net.URI uri = java.net.URI.create(url);
        return new TargetServer(new InetSocketAddress(uri.getHost(), uri.getPort()), args.get("secret", DEFAULT_SECRET),
                null);
    }

    /** A server started by {@link #start} and the temporary directory its H2 files are in. */
    record Started(NotifyServer server, Path dataDirectory) {
    }

    /**
     * Starts the standalone server in this JVM with the benchmark's settings on top of this
     * process's environment (the server reads its operational settings, such as
     * {@code NOTIFY_GROUP_COMMIT} or {@code NOTIFY_WARMUP_SECONDS}, from there).
     */
    static Started start(Args args, int port, PrintStream out) throws IOException {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(settings(args, port));
        ServerConfig config = ServerConfig.fromEnvironment(env);
        return new Started(NotifyServer.start(config, env, out), config.dataDirectory());
    }

    private static Map<String, String> settings(Args args, int port) throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("NOTIFY_PORT", Integer.toString(port));
        env.put("NOTIFY_HOST", "127.0.0.1");
        Path dir = Files.createTempDirectory("notify-bench");
        env.put("NOTIFY_DATA_DIR", dir.toString());
        env.put("NOTIFY_JWT_SECRET", args.get("secret", DEFAULT_SECRET));
        env.put("NOTIFY_HEARTBEAT_SECONDS", args.get("heartbeat", "30"));
        env.put("NOTIFY_WS_PING_SECONDS", args.get("heartbeat", "30"));
        env.put("NOTIFY_DB_POOL_SIZE", args.get("pool", "10"));
        // A log line per request would measure the console, not the server.
        env.put("NOTIFY_ACCESS_LOG", "off");
        // One publisher token sends every notification of a run: the per-publisher send limit
        // (1,000/s by default) would answer 429 above it and the run would measure the limiter
        // (whose cost `ops` measures), not the send path.
        env.put("NOTIFY_LIMIT_SENDS_PER_SECOND", args.get("send-limit", "0"));
        // The server's cap on open streams defaults to three quarters of its open-file limit; a
        // run that holds more streams than that (idle: 19,000 under ulimit -n 20000) raises it.
        String maxStreams = args.get("max-streams", null);
        if (maxStreams != null) {
            env.put("NOTIFY_MAX_STREAMS", maxStreams);
        }
        String db = args.get("db", "h2");
        if (db.equals("pg")) {
            env.put("NOTIFY_DB_URL", args.get("pg-url", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres"));
            env.put("NOTIFY_EVENT_BUS", "local");
        } else if (!db.equals("h2")) {
            env.put("NOTIFY_DB_URL", db);
        }
        return env;
    }

    String userToken(String user) {
        return tokens.issue(user, Set.of(), Duration.ofHours(6));
    }

    String publisherToken() {
        return tokens.issue("bench-publisher", Set.of("publish"), Duration.ofHours(6));
    }

    String baseUrl() {
        return "http://" + address.getHostString() + ":" + address.getPort();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        // The in-process server's H2 files: smoke runs in every build, so leave nothing in /tmp.
        deleteTree(dataDirectory);
    }

    static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
