package dev.notify.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code NOTIFY_HTTP_MAX_THREADS} and {@code NOTIFY_WS_PING_SECONDS}. */
class ServerThreadsTest {
    @TempDir
    Path dataDir;

    @Test
    void defaultsAreSixtyFourThreadsAndFifteenSecondPings() {
        ServerConfig config = ServerConfig.fromEnvironment(Map.of());

        assertThat(config.httpMaxThreads()).isEqualTo(ServerConfig.DEFAULT_HTTP_MAX_THREADS).isEqualTo(64);
        assertThat(config.wsPing()).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void tooFewThreadsOrANonPositivePingIsRejectedNamingTheVariable() {
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("NOTIFY_HTTP_MAX_THREADS", "4")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NOTIFY_HTTP_MAX_THREADS must be >= 8 but was 4");
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("NOTIFY_WS_PING_SECONDS", "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NOTIFY_WS_PING_SECONDS must be > 0 but was 0");
    }

    @Test
    void manyMoreOpenStreamsThanPoolThreadsAreServedAndThePoolStaysWithinItsCap() throws Exception {
        int maxThreads = 8;
        int streams = 60;
        Map<String, String> env = Map.of("NOTIFY_PORT", "0", "NOTIFY_DATA_DIR", dataDir.toString(),
                "NOTIFY_HTTP_MAX_THREADS", Integer.toString(maxThreads));
        List<Socket> sockets = new ArrayList<>();
        try (NotifyServer server = NotifyServer.start(ServerConfig.fromEnvironment(env),
                new PrintStream(OutputStream.nullOutputStream()))) {
            for (int i = 0; i < streams; i++) {
                // One user each: a user may hold only a few streams.
                String token = server.authenticator().issue("user-" + i, java.util.Set.of(), Duration.ofHours(1));
                Socket s = new Socket("127.0.0.1", server.port());
                s.setSoTimeout(10_000);
                sockets.add(s);
                s.getOutputStream().write(("GET /api/v1/notifications/sse/stream HTTP/1.1\r\nHost: localhost\r\n"
                        + "Accept: text/event-stream\r\nAuthorization: Bearer " + token + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
            }
            // Every stream is registered and greeted although the pool has far fewer threads.
            await().atMost(Duration.ofSeconds(20)).until(() -> server.core().openStreamCount() == streams);
            for (Socket s : sockets) {
                assertThat(readUntil(s.getInputStream(), "connection_established")).isTrue();
            }
            long httpThreads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("notify-http")).count();
            assertThat(httpThreads).isBetween(1L, (long) maxThreads);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    /** Reads until {@code marker} has been seen; false if the stream ends first. */
    private static boolean readUntil(InputStream in, String marker) throws IOException {
        StringBuilder seen = new StringBuilder();
        int b;
        while ((b = in.read()) != -1) {
            seen.append((char) b);
            if (seen.indexOf(marker) >= 0) {
                return true;
            }
        }
        return false;
    }
}
