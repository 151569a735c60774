package dev.notify.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.notify.Notification;
import dev.notify.Priority;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PushPayloadTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void fitsOneEncryptedMessage() {
        assertThat(PushPayload.MAX_PLAINTEXT_BYTES).isEqualTo(3993);
        assertThat(PushPayload.MAX_PLAINTEXT_BYTES + PushPayload.ENCRYPTION_OVERHEAD).isEqualTo(4096);
    }

    @Test
    void shortNotificationIsSentWhole() throws Exception {
        Notification n = notification("Order #7 shipped", "On its way", "/orders/7");

        JsonNode p = JSON.readTree(PushPayload.of(n, "https://example.com/i.png", PushPayload.MAX_PLAINTEXT_BYTES));

        assertThat(p.toString()).isEqualTo("{\"title\":\"Order #7 shipped\",\"body\":\"On its way\",\"link\":\"/orders/7\","
                + "\"id\":42,\"type\":\"order_shipped\",\"icon\":\"https://example.com/i.png\"}");
        assertThat(JSON.readTree(PushPayload.of(notification("t", "", null), null, 100)).toString())
                .isEqualTo("{\"title\":\"t\",\"body\":\"\",\"id\":42,\"type\":\"order_shipped\"}");
    }

    @Test
    void longBodyIsCutAtACodePointWithAnEllipsis() throws Exception {
        String body = "\ud83c\udf49".repeat(2000); // 8000 bytes of 4-byte code points

        byte[] bytes = PushPayload.of(notification("Melons", body, "/m"), null, PushPayload.MAX_PLAINTEXT_BYTES);
        JsonNode p = JSON.readTree(bytes);

        assertThat(bytes.length).isLessThanOrEqualTo(PushPayload.MAX_PLAINTEXT_BYTES).isGreaterThan(3980);
        assertThat(p.get("title").asText()).isEqualTo("Melons");
        String cut = p.get("body").asText();
        assertThat(cut).endsWith(PushPayload.ELLIPSIS);
        assertThat(body).startsWith(cut.substring(0, cut.length() - 1));
        assertThat(new String(bytes, StandardCharsets.UTF_8)).doesNotContain("\ufffd");
    }

    @Test
    void escapedCharactersAreCountedAsSent() {
        String body = "\"\\\n\u0001".repeat(3000); // each grows when escaped in JSON

        byte[] bytes = PushPayload.of(notification("t", body, null), null, 1000);

        assertThat(bytes.length).isLessThanOrEqualTo(1000).isGreaterThan(990);
    }

    @Test
    void titleIsCutWhenTheBodyAloneCannotMakeItFit() throws Exception {
        JsonNode p = JSON.readTree(PushPayload.of(notification("T".repeat(255), "body", "/x"), null, 120));

        assertThat(p.get("body").asText()).isEmpty();
        assertThat(p.get("title").asText()).startsWith("TTT").endsWith(PushPayload.ELLIPSIS);
        assertThat(p.get("link").asText()).isEqualTo("/x");
    }

    @Test
    void neverFailsEvenWhenNothingButTheIdFits() throws Exception {
        byte[] bytes = PushPayload.of(notification("T".repeat(255), "B".repeat(10_000), "/" + "l".repeat(2000)),
                "https://example.com/" + "i".repeat(2000), 60);

        JsonNode p = JSON.readTree(bytes);
        assertThat(p.get("id").asLong()).isEqualTo(42);
        assertThat(p.has("icon")).isFalse();
        assertThat(p.has("link")).isFalse();
        assertThat(bytes.length).isLessThanOrEqualTo(60);
    }

    private static Notification notification(String title, String message, String link) {
        return new Notification(42, "alice", 1, "order_shipped", title, message, Map.of(), link, Priority.NORMAL,
                Instant.parse("2026-11-02T09:00:00Z"), null);
    }
}
