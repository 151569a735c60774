package dev.notify.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code NOTIFY_GROUP_COMMIT}: auto (the database decides), on or off; anything else is refused by name. */
class GroupCommitSettingTest {
    @Test
    void unsetOrAutoLeavesItToTheDatabaseAndOnOrOffChoose() {
        assertThat(NotifyServer.groupCommit(Map.of())).isEmpty();
        assertThat(NotifyServer.groupCommit(Map.of(NotifyServer.GROUP_COMMIT, " auto "))).isEmpty();
        assertThat(NotifyServer.groupCommit(Map.of(NotifyServer.GROUP_COMMIT, "on"))).contains(true);
        assertThat(NotifyServer.groupCommit(Map.of(NotifyServer.GROUP_COMMIT, "off"))).contains(false);
    }

    @Test
    void anyOtherValueIsRefusedNamingTheVariable() {
        assertThatThrownBy(() -> NotifyServer.groupCommit(Map.of(NotifyServer.GROUP_COMMIT, "yes")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("NOTIFY_GROUP_COMMIT must be auto, on or off but was 'yes'");
    }
}
