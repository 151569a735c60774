package dev.notify.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.notify.Notify;
import org.junit.jupiter.api.Test;

class FileDescriptorsTest {

    @Test
    void budgetKeepsAQuarterOfTheLimitAndAtLeastTheReserveFree() {
        assertThat(FileDescriptors.budget(1024, 256)).isEqualTo(768);
        assertThat(FileDescriptors.budget(4096, 256)).isEqualTo(3072);
        assertThat(FileDescriptors.budget(800, 256)).isEqualTo(544);
        assertThat(FileDescriptors.budget(100, 256)).isEqualTo(1);
        assertThat(FileDescriptors.budget(-1, 256)).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void defaultStreamCapFollowsThisProcesssLimit() {
        long limit = FileDescriptors.limit();
        assertThat(Notify.defaultMaxOpenStreams()).isEqualTo(FileDescriptors.budget(limit, 256));
        if (limit > 0) {
            assertThat(FileDescriptors.open()).isBetween(1L, limit);
            assertThat((long) Notify.defaultMaxOpenStreams()).isLessThan(limit);
        }
    }
}
