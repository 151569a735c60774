package dev.notify.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs {@link EmailExample} as a user would and reads what it printed about the email that arrived. */
class EmailExampleTest {

    @Test
    void theNotificationArrivesByEmailWithSubjectRecipientTextAndOneClickUnsubscribe() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        EmailExample.run(out); // waits for the email itself, at most EmailExample.ARRIVAL_TIMEOUT

        String printed = bytes.toString(StandardCharsets.UTF_8);
        List<String> lines = printed.lines().toList();
        assertThat(lines).as("printed:%n%s", printed).startsWith(
                "From: Example Shop <noreply@shop.example.com>",
                "To: alice@example.com",
                "Subject: Your order #1042 has shipped");
        assertThat(lines).filteredOn(l -> l.startsWith("List-Unsubscribe: ")).singleElement().asString()
                .matches("List-Unsubscribe: <https://shop\\.example\\.com/api/v1/notifications/unsubscribe"
                        + "\\?token=[A-Za-z0-9_.%-]+>");
        assertThat(lines).contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
        assertThat(lines.subList(lines.indexOf("Text:") + 1, lines.size())).as("printed:%n%s", printed).startsWith(
                "  Your order #1042 has shipped",
                "",
                "  It left the warehouse this morning and arrives on Thursday.",
                "",
                "  Open: https://shop.example.com/orders/1042");
    }
}
