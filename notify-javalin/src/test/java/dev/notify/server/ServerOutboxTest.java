package dev.notify.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.notify.outbox.OutboxSettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerOutboxTest {

    @Test
    void defaultsLeaveTheNodeIdToTheDataDirectory() {
        OutboxSettings s = ServerOutbox.fromEnvironment(Map.of());
        assertThat(s.nodeId()).isNull();
        assertThat(s.lease()).isEqualTo(OutboxSettings.DEFAULT_LEASE).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.probeInterval()).isEqualTo(OutboxSettings.DEFAULT_PROBE_INTERVAL).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void nodeIdLeaseAndProbeComeFromTheEnvironment() {
        OutboxSettings s = ServerOutbox.fromEnvironment(Map.of("NOTIFY_NODE_ID", " eu-1.a ",
                "NOTIFY_OUTBOX_LEASE_SECONDS", "15", "NOTIFY_OUTBOX_PROBE_SECONDS", "5"));
        assertThat(s.nodeId()).isEqualTo("eu-1.a");
        assertThat(s.lease()).isEqualTo(Duration.ofSeconds(15));
        assertThat(s.probeInterval()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void badValuesNameTheVariable() {
        assertThatThrownBy(() -> ServerOutbox.fromEnvironment(Map.of("NOTIFY_NODE_ID", "node/1")))
                .hasMessageContaining("NOTIFY_NODE_ID").hasMessageContaining("node/1");
        assertThatThrownBy(() -> ServerOutbox.fromEnvironment(Map.of("NOTIFY_OUTBOX_LEASE_SECONDS", "0")))
                .hasMessageContaining("NOTIFY_OUTBOX_LEASE_SECONDS must be >= 1 but was 0");
        assertThatThrownBy(() -> ServerOutbox.fromEnvironment(Map.of("NOTIFY_OUTBOX_PROBE_SECONDS", "soon")))
                .hasMessageContaining("NOTIFY_OUTBOX_PROBE_SECONDS must be a whole number");
    }
}
