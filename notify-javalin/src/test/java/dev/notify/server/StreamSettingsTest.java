package dev.notify.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.notify.Notify;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamSettingsTest {

    @Test
    void defaultsFollowTheOpenFileLimit() {
        StreamSettings s = ServerConfig.fromEnvironment(Map.of()).streams();
        assertThat(s.maxStreamsPerUser()).isEqualTo(Notify.DEFAULT_MAX_STREAMS_PER_RECIPIENT);
        assertThat(s.effectiveMaxStreams()).isEqualTo(Notify.defaultMaxOpenStreams());
        assertThat(s.headerTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(s.maxStreamDuration()).isNull();
        assertThat(s.effectiveIdleTimeout(Duration.ofSeconds(30))).isEqualTo(Duration.ofSeconds(70));
        long limit = StreamSettings.openFileLimit();
        if (limit > 0) {
            // Connections: more than the streams (room for the API), fewer than the open-file limit.
            assertThat((long) s.effectiveMaxConnections()).isGreaterThan(s.effectiveMaxStreams()).isLessThan(limit);
        }
    }

    @Test
    void readsEveryVariable() {
        StreamSettings s = ServerConfig.fromEnvironment(Map.of("NOTIFY_MAX_STREAMS_PER_USER", "3",
                "NOTIFY_MAX_STREAMS", "500", "NOTIFY_MAX_CONNECTIONS", "700", "NOTIFY_HEADER_TIMEOUT_SECONDS", "5",
                "NOTIFY_IDLE_TIMEOUT_SECONDS", "90", "NOTIFY_MAX_STREAM_SECONDS", "3600",
                "NOTIFY_STREAM_RETRY_AFTER_SECONDS", "9")).streams();
        assertThat(s).isEqualTo(new StreamSettings(3, 500, 700, Duration.ofSeconds(5), Duration.ofSeconds(90),
                Duration.ofHours(1), Duration.ofSeconds(9)));
        assertThat(s.effectiveMaxStreams()).isEqualTo(500);
        assertThat(s.effectiveMaxConnections()).isEqualTo(700);
    }

    @Test
    void badValuesNameTheirVariable() {
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("NOTIFY_MAX_STREAMS_PER_USER", "0")))
                .hasMessageContaining("NOTIFY_MAX_STREAMS_PER_USER");
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("NOTIFY_HEADER_TIMEOUT_SECONDS", "0")))
                .hasMessageContaining("NOTIFY_HEADER_TIMEOUT_SECONDS");
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("NOTIFY_MAX_STREAMS", "-1")))
                .hasMessageContaining("NOTIFY_MAX_STREAMS");
        // An idle timeout within one heartbeat would cut open streams between two keep-alives.
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("NOTIFY_HEARTBEAT_SECONDS", "30",
                "NOTIFY_IDLE_TIMEOUT_SECONDS", "30")))
                .hasMessageContaining("NOTIFY_IDLE_TIMEOUT_SECONDS").hasMessageContaining("NOTIFY_HEARTBEAT_SECONDS");
    }
}
