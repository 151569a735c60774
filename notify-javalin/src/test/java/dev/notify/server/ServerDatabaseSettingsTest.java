package dev.notify.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.notify.Notify;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The database and event-bus settings of {@link ServerConfig}, read from the environment. */
class ServerDatabaseSettingsTest {
    private static final String PG = "jdbc:postgresql://db.internal:5432/notify?user=notify";

    @Test
    void defaultsArePoolOfTenThirtySecondTimeoutAndAutomaticBus() {
        ServerConfig config = ServerConfig.fromEnvironment(Map.of());

        assertThat(config.dbPoolSize()).isEqualTo(Notify.DEFAULT_POOL_SIZE);
        assertThat(config.dbConnectionTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.eventBus()).isEqualTo(ServerConfig.EventBusChoice.AUTO);
    }

    @Test
    void postgresUrlAloneSelectsTheListenNotifyBus() {
        assertThat(ServerConfig.fromEnvironment(Map.of("NOTIFY_DB_URL", PG)).eventBus().usesPostgres(PG)).isTrue();
        assertThat(ServerConfig.fromEnvironment(Map.of()).eventBus().usesPostgres(null)).isFalse();
        assertThat(ServerConfig.EventBusChoice.AUTO.usesPostgres("jdbc:h2:mem:x")).isFalse();
        ServerConfig single = ServerConfig.fromEnvironment(Map.of("NOTIFY_DB_URL", PG, "NOTIFY_EVENT_BUS", "local"));
        assertThat(single.eventBus().usesPostgres(PG)).isFalse();
    }

    @Test
    void poolSettingsAreRead() {
        ServerConfig config = ServerConfig.fromEnvironment(Map.of("NOTIFY_DB_URL", PG, "NOTIFY_DB_POOL_SIZE", "24",
                "NOTIFY_DB_CONNECTION_TIMEOUT_SECONDS", "5", "NOTIFY_EVENT_BUS", "Postgres"));

        assertThat(config.dbPoolSize()).isEqualTo(24);
        assertThat(config.dbConnectionTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.eventBus()).isEqualTo(ServerConfig.EventBusChoice.POSTGRES);
        assertThat(config.withPort(9000).dbPoolSize()).isEqualTo(24);
    }

    @Test
    void badValuesNameTheirVariable() {
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("NOTIFY_DB_POOL_SIZE", "0")))
                .hasMessageContaining("NOTIFY_DB_POOL_SIZE must be >= 1 but was 0");
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("NOTIFY_DB_POOL_SIZE", "ten")))
                .hasMessageContaining("NOTIFY_DB_POOL_SIZE must be a whole number but was 'ten'");
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("NOTIFY_DB_CONNECTION_TIMEOUT_SECONDS", "0")))
                .hasMessageContaining("(NOTIFY_DB_CONNECTION_TIMEOUT_SECONDS >= 1) but was 0 ms");
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("NOTIFY_EVENT_BUS", "redis")))
                .hasMessageContaining("NOTIFY_EVENT_BUS must be auto, local or postgres but was 'redis'");
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("NOTIFY_EVENT_BUS", "postgres")))
                .hasMessageContaining("NOTIFY_EVENT_BUS=postgres needs NOTIFY_DB_URL=jdbc:postgresql://");
    }
}
