package dev.notify.server;

import dev.notify.Health;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Warms the JIT before a server reports ready: a private server (same code, its own embedded H2
 * file database in a temporary directory, written as the default one is, port 0 on loopback, no
 * email or push) is driven over HTTP for a few seconds with the requests a live server serves most
 * (sends to users holding SSE and WebSocket streams, streams reconnecting with
 * {@code Last-Event-ID} and replaying what they missed, inbox pages, unread counts, mark read),
 * then closed. A file database, not an in-memory one, because H2 writes and reads its pages only
 * for files, and on the default database that is a large part of every send. The code the real server runs is then compiled,
 * so a node that starts under load (a rolling restart, with every client reconnecting at once)
 * does not answer its first seconds at interpreter speed. While it runs, {@code /health/ready}
 * reports the check {@code warmup} as failing, so a load balancer keeps traffic away.
 *
 * <p>Nothing of the warm-up reaches the real database, streams or channels.
 */
final class Warmup implements Supplier<Health.Check> {
    /** How long to warm up, in whole seconds; {@code 0} (the default) starts serving cold. */
    static final String WARMUP_SECONDS = "NOTIFY_WARMUP_SECONDS";

    private static final int STREAM_USERS = 64;
    private static final int IN_FLIGHT = 16;

    private final Duration length;
    private volatile String state = "warming up";
    private volatile boolean done;
    private final Thread thread;

    private Warmup(Duration length) {
        this.length = length;
        this.thread = new Thread(this::run, "notify-warmup");
        thread.setDaemon(true);
    }

    private PrintStream out;

    /**
     * The warm-up {@code env} asks for, not started yet, or null when {@value #WARMUP_SECONDS} is
     * unset or 0.
     *
     * @throws StartupException if the setting is not a whole number of seconds from 0 to 600
     */
    static Warmup fromEnvironment(Map<String, String> env) {
        String raw = env.get(WARMUP_SECONDS);
        if (raw == null || raw.isBlank()) {
            return null;
        }
        int seconds;
        try {
            seconds = Integer.parseInt(raw.strip());
        } catch (NumberFormatException e) {
            seconds = -1;
        }
        if (seconds < 0 || seconds > 600) {
            throw new StartupException(WARMUP_SECONDS + " must be a whole number of seconds 0-600 but was '"
                    + raw + "'");
        }
        if (seconds == 0) {
            return null;
        }
        return new Warmup(Duration.ofSeconds(seconds));
    }

    /** Starts the warm-up in the background; its outcome is printed to {@code out} when it ends. */
    void start(PrintStream out) {
        this.out = out;
        thread.start();
    }

    /** The readiness check: fails until the warm-up has finished (or given up). */
    @Override
    public Health.Check get() {
        return new Health.Check("warmup", done, state);
    }

    /** Stops the warm-up early (server shutdown). */
    void stop() {
        thread.interrupt();
    }

    private void run() {
        long start = System.nanoTime();
        Path dir = null;
        NotifyServer server = null;
        int sends = 0;
        try {
            dir = Files.createTempDirectory("notify-warmup");
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            Map<String, String> env = new HashMap<>();
            env.put("NOTIFY_HOST", "127.0.0.1");
            env.put("NOTIFY_PORT", "0");
            env.put("NOTIFY_DATA_DIR", dir.toString());
            env.put("NOTIFY_JWT_SECRET", HexFormat.of().formatHex(secret));
            env.put(NotifyServer.ACCESS_LOG, "off");
            env.put("NOTIFY_LIMIT_SENDS_PER_SECOND", "1000000");
            env.put("NOTIFY_LIMIT_STREAMS_PER_MINUTE", "1000000");
            server = NotifyServer.start(ServerConfig.fromEnvironment(env), env,
                    new PrintStream(OutputStream.nullOutputStream()));
            AtomicInteger resumed = new AtomicInteger();
            sends = drive(server, length.toNanos() - (System.nanoTime() - start), resumed);
            state = "warmed up: " + sends + " sends, " + resumed.get() + " streams resumed with Last-Event-ID in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms";
        } catch (InterruptedException e) {
            state = "warm-up stopped";
        } catch (Exception | LinkageError e) {
            // A failed warm-up only costs speed: serve cold rather than not at all.
            state = "warm-up failed (" + e + "); serving cold";
        } finally {
            if (server != null) {
                server.close();
            }
            deleteTree(dir);
            done = true;
        }
        out.println("  " + state);
        out.flush();
    }

    /** Sends to stream-holding users and reads their inboxes until {@code nanos} have passed. */
    private static int drive(NotifyServer server, long nanos, AtomicInteger resumed)
            throws InterruptedException, IOException {
        long deadline = System.nanoTime() + nanos;
        String base = "http://127.0.0.1:" + server.port();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        var tokens = server.authenticator();
        String publisher = "Bearer " + tokens.issue("warmup-publisher", Set.of("publish"), Duration.ofHours(1));
        List<CompletableFuture<HttpResponse<Stream<String>>>> streams = new ArrayList<>();
        List<WebSocket> sockets = new ArrayList<>();
        URI streamUri = URI.create(base + "/api/v1/notifications/sse/stream");
        for (int u = 0; u < STREAM_USERS; u++) {
            String token = tokens.issue("w" + u, Set.of(), Duration.ofHours(1));
            if (u % 4 == 0) {
                sockets.add(http.newWebSocketBuilder().buildAsync(
                        URI.create("ws://127.0.0.1:" + server.port() + "/ws/notifications?token=" + token),
                        new WebSocket.Listener() {
                            @Override
                            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                                ws.request(1);
                                return null;
                            }
                        }).orTimeout(10, TimeUnit.SECONDS).join());
            } else {
                streams.add(openStream(http, streamUri, token, null, resumed));
            }
        }
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        URI create = URI.create(base + "/api/v1/notifications");
        int sends = 0;
        while (System.nanoTime() < deadline) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            inFlight.acquire();
            int u = sends % STREAM_USERS;
            if (sends % 32 == 31) {
                // A client that lost its connection: its stream reopened with the last id it saw,
                // a few notifications back, so the server replays the rest before going live.
                int index = (sends / 32) % streams.size();
                int user = index + index / 3 + 1; // the users without a WebSocket: 1, 2, 3, 5, 6, 7, ...
                close(streams.get(index));
                long seen = Math.max(0, sends / STREAM_USERS - 4);
                String token = tokens.issue("w" + user, Set.of(), Duration.ofHours(1));
                streams.set(index, openStream(http, streamUri, token, Long.toString(seen), resumed));
            }
            HttpRequest req;
            if (sends % 8 == 7) {
                // The reads a page makes: the first page, the unread count, and mark-all-read.
                String user = "Bearer " + tokens.issue("w" + u, Set.of(), Duration.ofHours(1));
                String path = switch (sends % 3) {
                    case 0 -> "?limit=20";
                    case 1 -> "/unread-count";
                    default -> "/mark-all-read";
                };
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/api/v1/notifications" + path))
                        .header("Authorization", user);
                req = path.startsWith("/mark") ? b.POST(HttpRequest.BodyPublishers.noBody()).build() : b.build();
            } else {
                String body = "{\"recipient\":\"w" + u + "\",\"type\":\"warmup\",\"title\":\"Warm-up " + sends
                        + "\",\"message\":\"Compiling the send path before serving.\",\"data\":{\"n\":" + sends + "}}";
                req = HttpRequest.newBuilder(create).header("Authorization", publisher)
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
            }
            http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> inFlight.release());
            sends++;
        }
        inFlight.acquire(IN_FLIGHT);
        sockets.forEach(ws -> ws.abort());
        streams.forEach(Warmup::close);
        return sends;
    }

    /** An SSE stream, read until {@link #close closed}, resuming after {@code lastEventId} when given. */
    private static CompletableFuture<HttpResponse<Stream<String>>> openStream(
            HttpClient http, URI uri, String token, String lastEventId, AtomicInteger resumed) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token);
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        var response = http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofLines());
        response.thenAccept(r -> {
            if (lastEventId != null && r.statusCode() == 200) {
                resumed.incrementAndGet();
            }
            try (Stream<String> lines = r.body()) {
                lines.forEach(line -> { });
            } catch (RuntimeException e) {
                // closed by the warm-up
            }
        });
        return response;
    }

    /** Closes a stream's connection: at once if it is open, when it opens otherwise. */
    private static void close(CompletableFuture<HttpResponse<Stream<String>>> stream) {
        stream.cancel(true);
        stream.thenAccept(r -> r.body().close());
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temporary directory
        }
    }
}
