package dev.notify.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ApprovalExampleTest {
    @Test
    void theApprovalReachesTheHostOnceAndTheButtonsAreListed() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        ApprovalExample.run("jdbc:h2:mem:approval-example;DB_CLOSE_DELAY=-1",
                new PrintStream(buffer, true, StandardCharsets.UTF_8));
        assertThat(buffer.toString(StandardCharsets.UTF_8).lines()).containsExactly(
                "button: Approve", "button: Reject", "button: Open",
                "decided: alice {report=12}",
                "first: true",
                "first: false");
    }
}
