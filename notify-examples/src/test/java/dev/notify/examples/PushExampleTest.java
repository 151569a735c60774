package dev.notify.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs {@link PushExample} as a user would and reads what the push service printed it received. */
class PushExampleTest {

    @Test
    void thePushServiceVerifiesTheVapidJwtAndTheBrowserDecryptsTheNotification() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        PushExample.run(out); // waits for the message itself, at most PushExample.ARRIVAL_TIMEOUT

        String printed = bytes.toString(StandardCharsets.UTF_8);
        List<String> lines = printed.lines().toList();
        assertThat(lines).as("printed:%n%s", printed)
                .noneMatch(l -> l.startsWith("problem: "))
                .contains("TTL: 3600", "Urgency: high", "answer: 201");
        assertThat(lines).filteredOn(l -> l.startsWith("push service: ")).singleElement().asString()
                .matches("push service: POST /push/[0-9a-f-]{36} \\(\\d+ bytes, aes128gcm\\)");
        assertThat(lines).filteredOn(l -> l.startsWith("VAPID: ")).singleElement().asString()
                .matches("VAPID: verified \\(ES256 signature by the subscription's applicationServerKey;"
                        + " aud http://127\\.0\\.0\\.1:\\d+; exp in \\d+ min; sub mailto:ops@shop\\.example\\.com\\)");

        String payloadLine = lines.stream().filter(l -> l.startsWith("payload: ")).findFirst().orElseThrow();
        JsonNode payload = new ObjectMapper().readTree(payloadLine.substring("payload: ".length()));
        assertThat(payload.path("title").asText()).isEqualTo("Your order #1042 has shipped");
        assertThat(payload.path("body").asText()).isEqualTo("It arrives on Thursday.");
        assertThat(payload.path("link").asText()).isEqualTo("/orders/1042");
        assertThat(payload.path("type").asText()).isEqualTo("order_shipped");
    }
}
