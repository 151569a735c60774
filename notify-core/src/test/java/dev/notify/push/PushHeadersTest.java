package dev.notify.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.notify.Priority;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class PushHeadersTest {
    private static final Instant NOW = Instant.parse("2026-11-02T09:00:00Z");

    @Test
    void urgencyFollowsPriority() {
        assertThat(PushHeaders.urgency(Priority.LOW)).isEqualTo("low");
        assertThat(PushHeaders.urgency(Priority.NORMAL)).isEqualTo("normal");
        assertThat(PushHeaders.urgency(Priority.HIGH)).isEqualTo("high");
        assertThat(PushHeaders.urgency(Priority.URGENT)).isEqualTo("high");
    }

    @Test
    void validCollapseKeyIsTheTopic() {
        assertThat(PushHeaders.topic("order-7_status")).isEqualTo("order-7_status");
        assertThat(PushHeaders.topic("a".repeat(32))).isEqualTo("a".repeat(32));
    }

    @Test
    void otherCollapseKeysBecomeAStableValidTopic() {
        String topic = PushHeaders.topic("order 7: shipped/delivered");

        assertThat(topic).matches("[A-Za-z0-9_-]{32}");
        assertThat(PushHeaders.topic("order 7: shipped/delivered")).isEqualTo(topic);
        assertThat(PushHeaders.topic("order 8: shipped/delivered")).isNotEqualTo(topic);
        assertThat(PushHeaders.topic("a".repeat(33))).matches("[A-Za-z0-9_-]{32}");
    }

    @Test
    void noTopicWithoutAStringKey() {
        assertThat(PushHeaders.topic(null)).isNull();
        assertThat(PushHeaders.topic("")).isNull();
        assertThat(PushHeaders.topic(7)).isNull();
    }

    @Test
    void retryAfterReadsSecondsAndHttpDates() {
        assertThat(PushHeaders.retryAfter("120", NOW)).isEqualTo(Duration.ofSeconds(120));
        assertThat(PushHeaders.retryAfter(" 0 ", NOW)).isEqualTo(Duration.ZERO);
        assertThat(PushHeaders.retryAfter("Mon, 02 Nov 2026 09:05:00 GMT", NOW)).isEqualTo(Duration.ofMinutes(5));
        assertThat(PushHeaders.retryAfter("Mon, 02 Nov 2026 08:00:00 GMT", NOW)).isEqualTo(Duration.ZERO);
        assertThat(PushHeaders.retryAfter("soon", NOW)).isNull();
        assertThat(PushHeaders.retryAfter("-5", NOW)).isNull();
        assertThat(PushHeaders.retryAfter("99999999999999999999999", NOW)).isNull();
        assertThat(PushHeaders.retryAfter(null, NOW)).isNull();
    }

    @Test
    void excerptIsOneShortLine() {
        byte[] body = "{\n  \"error\": \"bad\"\r\n}\u0007".getBytes(StandardCharsets.UTF_8);

        assertThat(PushHeaders.excerpt(body, 200)).isEqualTo("{ \"error\": \"bad\" }");
        assertThat(PushHeaders.excerpt("x".repeat(500).getBytes(StandardCharsets.UTF_8), 200))
                .hasSize(201).endsWith("\u2026");
    }
}
