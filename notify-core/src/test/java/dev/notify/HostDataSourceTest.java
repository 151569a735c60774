package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Notify inside a host application's own connection pool. */
@ParameterizedClass(name = "{0}")
@EnumSource(TestDatabases.Kind.class)
class HostDataSourceTest {
    @Parameter
    TestDatabases.Kind kind;

    @Test
    void worksWithAPoolWhoseConnectionsDefaultToAutoCommitOff() {
        try (TestDatabases.TestDatabase db = TestDatabases.create(kind)) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(db.jdbcUrl());
            config.setAutoCommit(false);
            try (HikariDataSource pool = new HikariDataSource(config);
                 Notify notify = Notify.builder().dataSource(pool).eventBus(EventBus.local()).build()) {
                Notification n = notify.send(SendRequest.to("alice").title("hello").build()).first();
                notify.inbox("alice").markRead(n.id());
                notify.preferences().optOut("alice", "email", "x");
                assertThat(notify.inbox("alice").get(n.id()).read()).isTrue();
                assertThat(notify.preferences().allows("alice", "email", "x")).isFalse();
            }
            // Everything was committed: a fresh instance on a fresh pool sees it.
            try (Notify again = Notify.builder().jdbcUrl(db.jdbcUrl()).eventBus(EventBus.local()).build()) {
                assertThat(again.inbox("alice").list().items()).hasSize(1);
                assertThat(again.preferences().allows("alice", "email", "x")).isFalse();
            }
        }
    }
}
