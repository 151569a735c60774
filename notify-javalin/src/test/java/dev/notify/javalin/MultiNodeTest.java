package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.notify.json.Json;
import dev.notify.server.NotifyServer;
import dev.notify.server.ServerConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three standalone servers on their own ports sharing one PostgreSQL schema, as behind a load
 * balancer: each configured only through environment variables, so {@code NOTIFY_DB_URL} alone
 * selects the PostgreSQL event bus.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MultiNodeTest {
    private static final String SECRET = "multi-node-secret-multi-node-secret-0123";
    /** Bound for waits on the server; generous, so that a loaded machine does not fail a test. */
    private static final Duration BOUND = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    private PgTestSchema schema;
    private final List<NotifyServer> nodes = new ArrayList<>();
    private final List<SseTestClient> clients = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private String publisherToken;

    @BeforeEach
    void startThreeNodes() {
        schema = PgTestSchema.create();
        for (String name : List.of("a", "b", "c")) {
            Map<String, String> env = Map.of(
                    "NOTIFY_PORT", "0",
                    "NOTIFY_HOST", "127.0.0.1",
                    "NOTIFY_DATA_DIR", dataDir.resolve(name).toString(),
                    // The application name tells this node's connections apart in pg_stat_activity.
                    "NOTIFY_DB_URL", schema.jdbcUrl("ApplicationName=" + applicationName(name)),
                    "NOTIFY_DB_POOL_SIZE", "4",
                    "NOTIFY_JWT_SECRET", SECRET);
            nodes.add(NotifyServer.start(ServerConfig.fromEnvironment(env), new PrintStream(OutputStream.nullOutputStream())));
        }
        publisherToken = nodes.get(0).authenticator().issue("publisher", Set.of("publish"), Duration.ofHours(1));
    }

    @AfterEach
    void stop() {
        clients.forEach(SseTestClient::close);
        nodes.forEach(NotifyServer::close);
        if (schema != null) {
            schema.close();
        }
    }

    private String applicationName(String node) {
        return schema.name + "-" + node;
    }

    private NotifyServer node(int i) {
        return nodes.get(i % nodes.size());
    }

    private String token(String user) {
        return nodes.get(0).authenticator().issue(user, Set.of(), Duration.ofHours(1));
    }

    /** Opens an SSE stream on a node and waits until it is registered. */
    private SseTestClient stream(NotifyServer node, String user, String lastEventId) {
        SseTestClient client = SseTestClient.open(http, "http://127.0.0.1:" + node.port()
                + "/api/v1/notifications/sse/stream", token(user), lastEventId);
        clients.add(client);
        client.next("connection_established", BOUND);
        return client;
    }

    /** Creates a notification through a node's HTTP API, as a publisher; returns its title. */
    private String create(NotifyServer node, String recipient, String title) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port()
                        + "/api/v1/notifications"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + publisherToken)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("recipient", recipient,
                        "type", "task_assigned", "title", title))))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
            return title;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<Long> ids(List<SseTestClient.Event> events) {
        return events.stream().map(e -> Long.parseLong(e.id())).toList();
    }

    private static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    @Test
    void aTicketIssuedByOneNodeOpensAStreamOnAnotherOnceOnly() throws Exception {
        HttpResponse<String> issued = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node(0).port()
                        + "/api/v1/notifications/sse/ticket"))
                .header("Authorization", "Bearer " + token("alice"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
        String ticket = (String) Json.readObject(issued.body()).get("ticket");

        SseTestClient alice = SseTestClient.open(http, "http://127.0.0.1:" + node(1).port()
                + "/api/v1/notifications/sse/stream?ticket=" + ticket, null, null);
        clients.add(alice);
        assertThat(alice.next("connection_established", BOUND).json()).containsEntry("user_id", "alice");

        HttpResponse<String> again = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node(2).port()
                + "/api/v1/notifications/sse/stream?ticket=" + ticket)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).isEqualTo(401);
        assertThat(again.body()).contains("already used");
    }

    @Test
    void clientOnOneNodeReceivesNotificationsCreatedOnTheOtherNodes() {
        SseTestClient alice = stream(node(0), "alice", null);

        for (int i = 1; i <= 2; i++) {
            String title = create(node(i), "alice", "from node " + i);
            SseTestClient.Event event = alice.next("notification", BOUND);

            assertThat(event.id()).isEqualTo(Integer.toString(i));
            assertThat(event.json()).containsEntry("title", title).containsEntry("type", "task_assigned");
        }
    }

    @Test
    void clientHoppingBetweenNodesWithLastEventIdMissesNothingAndSeesNothingTwice() throws Exception {
        int total = 150;
        List<SseTestClient.Event> seen = new ArrayList<>();
        SseTestClient client = stream(node(0), "alice", null);
        ExecutorService sender = Executors.newSingleThreadExecutor();
        try {
            // Sends keep coming from all three nodes while the client hops.
            Future<?> sending = sender.submit(() -> {
                for (int i = 0; i < total; i++) {
                    create(node(i), "alice", "n" + i);
                }
            });
            int hop = 0;
            while (seen.size() < total) {
                // Read a few, then leave, keeping whatever had arrived, as a browser would.
                int want = Math.min(total - seen.size(), 7 + hop % 5);
                seen.addAll(client.next("notification", want, BOUND));
                client.close();
                client.ended.get(5, TimeUnit.SECONDS);
                seen.addAll(client.drain("notification"));
                hop++;
                String lastEventId = seen.isEmpty() ? "0" : seen.get(seen.size() - 1).id();
                client = stream(node(hop), "alice", lastEventId);
            }
            sending.get(30, TimeUnit.SECONDS);
            assertThat(hop).isGreaterThan(10);
        } finally {
            sender.shutdownNow();
        }

        assertThat(ids(seen)).containsExactlyElementsOf(range(1, total));
        assertThat(seen).extracting(e -> e.json().get("title")).doesNotHaveDuplicates();
        // Nothing more is pending for the client on its last node either.
        create(node(0), "alice", "last");
        assertThat(client.next("notification", BOUND).id()).isEqualTo(Integer.toString(total + 1));
    }

    @Test
    void thousandConcurrentSendsFromThreeNodesReachAConnectedClientCompleteAndInOrder() throws Exception {
        int total = 1000;
        SseTestClient alice = stream(node(0), "alice", null);
        ExecutorService publishers = Executors.newFixedThreadPool(24);
        try {
            List<Future<?>> sends = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                int n = i;
                sends.add(publishers.submit(() -> create(node(n), "alice", "n" + n)));
            }
            for (Future<?> f : sends) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            publishers.shutdownNow();
        }

        List<SseTestClient.Event> received = alice.next("notification", total, BOUND);
        assertThat(ids(received)).containsExactlyElementsOf(range(1, total));
        assertThat(received).extracting(e -> e.json().get("title")).doesNotHaveDuplicates();
        assertThat(alice.drain("notification")).isEmpty();
    }

    @Test
    void nodeWhoseListeningConnectionIsKilledRecoversAndItsClientsMissNothing() throws Exception {
        SseTestClient alice = stream(node(0), "alice", null);
        create(node(1), "alice", "before");
        assertThat(alice.next("notification", BOUND).id()).isEqualTo("1");

        try (Connection db = schema.connect()) {
            int pid = listenerPid(db, "a").orElseThrow(() -> new AssertionError("node a has no listener"));
            terminate(db, pid);
            await().atMost(BOUND).pollInterval(Duration.ofMillis(10)).until(() -> !isAlive(db, pid));

            create(node(1), "alice", "while a is deaf 1");
            create(node(2), "alice", "while a is deaf 2");
            Timestamp sentBy = now(db);

            // Node a listens again on a new connection, opened after those sends committed...
            int newPid = await().atMost(BOUND).pollInterval(Duration.ofMillis(20))
                    .until(() -> listenerPid(db, "a"), Optional::isPresent).orElseThrow();
            assertThat(newPid).isNotEqualTo(pid);
            assertThat(backendStart(db, newPid)).as("new listener started after the sends").isAfter(sentBy);
        }
        // ...so only its catch-up from the store can bring them, and nothing else is sent meanwhile.
        List<SseTestClient.Event> missed = alice.next("notification", 2, BOUND);
        assertThat(ids(missed)).containsExactly(2L, 3L);
        assertThat(missed).extracting(e -> e.json().get("title"))
                .containsExactly("while a is deaf 1", "while a is deaf 2");

        create(node(2), "alice", "after");
        assertThat(alice.next("notification", BOUND).id()).isEqualTo("4");
        assertThat(alice.drain("notification")).isEmpty();
    }

    private Optional<Integer> listenerPid(Connection db, String node) throws SQLException {
        try (PreparedStatement s = db.prepareStatement(
                "SELECT pid FROM pg_stat_activity WHERE application_name LIKE ? ORDER BY backend_start DESC")) {
            s.setString(1, applicationName(node) + " listener %");
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(rs.getInt(1)) : Optional.empty();
            }
        }
    }

    private static void terminate(Connection db, int pid) throws SQLException {
        try (PreparedStatement s = db.prepareStatement("SELECT pg_terminate_backend(?)")) {
            s.setInt(1, pid);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next() && rs.getBoolean(1)).as("pg_terminate_backend(" + pid + ")").isTrue();
            }
        }
    }

    private static boolean isAlive(Connection db, int pid) throws SQLException {
        try (PreparedStatement s = db.prepareStatement("SELECT 1 FROM pg_stat_activity WHERE pid = ?")) {
            s.setInt(1, pid);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static Timestamp now(Connection db) throws SQLException {
        try (PreparedStatement s = db.prepareStatement("SELECT clock_timestamp()"); ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getTimestamp(1);
        }
    }

    private static Timestamp backendStart(Connection db, int pid) throws SQLException {
        try (PreparedStatement s = db.prepareStatement("SELECT backend_start FROM pg_stat_activity WHERE pid = ?")) {
            s.setInt(1, pid);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getTimestamp(1);
            }
        }
    }
}
