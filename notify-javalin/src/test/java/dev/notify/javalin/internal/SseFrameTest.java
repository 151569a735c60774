package dev.notify.javalin.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.notify.Notification;
import dev.notify.Priority;
import dev.notify.StreamEvent;
import dev.notify.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A notification's SSE frame built from its send's shared encoding, against the frame encoded whole. */
class SseFrameTest {
    private static final Instant AT = Instant.parse("2026-03-29T01:30:00.123456Z");

    private static Notification notification(long id, String recipient, long seq) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("order", Map.of("id", 42, "lines", List.of("a", "b")));
        data.put("quote", "say \"hi\"\n\u2028ünïcode");
        return new Notification(id, recipient, seq, "order_shipped", "Your order \"42\" shipped", "Arrives </script>",
                data, null, Priority.HIGH, AT, null);
    }

    private static String whole(Notification n) {
        return SseSink.encode(Long.toString(n.seq()), "notification", Json.notificationView(n));
    }

    @Test
    void framesOfOneSendEqualTheirWholeEncodingAndShareOneEncodingOfTheCommonFields() {
        StreamEvent.Shared shared = new StreamEvent.Shared();
        Notification first = notification(1001, "alice", 7);
        Notification second = notification(1002, "bob \"the builder\" \\ ü", 1);
        StreamEvent a = StreamEvent.created(first, shared);
        StreamEvent b = StreamEvent.created(second, shared);

        assertThat(new String(SseSink.notificationFrame(a), StandardCharsets.UTF_8)).isEqualTo(whole(first));
        assertThat(new String(SseSink.notificationFrame(b), StandardCharsets.UTF_8)).isEqualTo(whole(second));
        String common = shared.encoded(NotificationJson.SHARED_FIELDS, first);
        assertThat(shared.<String>encoded(NotificationJson.SHARED_FIELDS, second)).isSameAs(common);
    }

    @Test
    void aNotificationOnItsOwnIsEncodedWholeWithItsReadTime() {
        Notification read = new Notification(5, "carol", 3, "t", "title", null, null, "https://example.com/x",
                Priority.NORMAL, AT, AT.plusSeconds(60));
        assertThat(new String(SseSink.notificationFrame(StreamEvent.created(read)), StandardCharsets.UTF_8))
                .isEqualTo(whole(read));
    }
}
