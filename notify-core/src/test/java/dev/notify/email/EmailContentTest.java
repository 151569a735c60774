package dev.notify.email;

import static org.assertj.core.api.Assertions.assertThat;

import dev.notify.Notification;
import dev.notify.Priority;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmailContentTest {
    private static Notification notification(String title, String message, String link) {
        return new Notification(1, "alice", 1, "order", title, message, Map.of(), link, Priority.NORMAL,
                Instant.parse("2026-03-01T10:00:00Z"), null);
    }

    @Test
    void linksAreAbsoluteOrResolvedAgainstTheBaseOrLeftOut() {
        assertThat(EmailContent.resolveLink("https://shop.example/o/1", null)).isEqualTo("https://shop.example/o/1");
        assertThat(EmailContent.resolveLink("HTTP://shop.example/o/1", "https://app")).isEqualTo("HTTP://shop.example/o/1");
        assertThat(EmailContent.resolveLink("/orders/1", "https://app.example.com/")).isEqualTo("https://app.example.com/orders/1");
        assertThat(EmailContent.resolveLink("orders/1", "https://app.example.com")).isEqualTo("https://app.example.com/orders/1");
        assertThat(EmailContent.resolveLink("/orders/1", null)).isNull();
        assertThat(EmailContent.resolveLink(null, "https://app.example.com")).isNull();
        // A script URL is never made a link of its own: with a base it is only a path under it.
        assertThat(EmailContent.resolveLink("javascript:alert(1)", "https://app.example.com"))
                .isEqualTo("https://app.example.com/javascript:alert(1)");
        assertThat(EmailContent.resolveLink("javascript:alert(1)", null)).isNull();
    }

    @Test
    void everyFieldIsEscapedInHtmlAndTheSubjectIsOneLine() {
        EmailContent c = EmailContent.render(notification("Hi <b>\"you\"</b>\r\nBcc: evil@example.com",
                "a & b < c > d 'e'", "https://x.example/?q=\"><script>"), "https://x.example/?q=\"><script>",
                null);
        assertThat(c.subject()).isEqualTo("Hi <b>\"you\"</b> Bcc: evil@example.com");
        assertThat(c.html()).doesNotContain("<b>").doesNotContain("<script>")
                .contains("<a href=\"https://x.example/?q&#x3D;&quot;&gt;&lt;script&gt;\">Open</a>")
                .contains("a &amp; b &lt; c &gt; d &#39;e&#39;")
                .contains("Hi &lt;b&gt;&quot;you&quot;&lt;/b&gt;");
        assertThat(c.text()).doesNotContain("unsubscribe");
        assertThat(c.html()).doesNotContain("unsubscribe");
    }
}
