package dev.notify.template;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A template rendered for one locale: the in-app text and the text of every channel the template
 * has a part for. Every string is non-null (possibly empty, e.g. a message-less template) except
 * a part's {@link Part#html()}, which is null when the part defines no HTML.
 *
 * @param template the template that was rendered (its type, category, {@code required} flag,
 *                 escalation delay)
 * @param locale   the locale actually rendered, after fallback
 * @param inApp    the stored notification's title and message (the {@value #IN_APP} part), also
 *                 used by the real-time streams
 * @param parts    the parts the template defines, keyed by channel name ({@code email},
 *                 {@code push}, {@code sms}...); {@link #part(String)} falls back to {@code inApp}
 */
public record Rendered(Template template, Locale locale, InApp inApp, Map<String, Part> parts) {
    /** The name of the in-app part, the fallback of every channel. */
    public static final String IN_APP = "in_app";

    public Rendered {
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(locale, "locale");
        Objects.requireNonNull(inApp, "inApp");
        parts = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(parts, "parts")));
    }

    /**
     * The text for one channel: the template's part for that channel, else the in-app title and
     * message (title made one line), without HTML.
     *
     * @param channel a channel name, e.g. {@code email}, {@code push}, {@code sms}
     */
    public Part part(String channel) {
        Part own = parts.get(channel);
        return own != null ? own : new Part(Part.oneLine(inApp.title()), inApp.message(), null);
    }

    /** The {@code email} part as subject, text and HTML (the text wrapped as HTML when the part has none). */
    public Email email() {
        Part p = part("email");
        return new Email(p.title(), p.body(), p.htmlBody());
    }

    /** The {@code push} part as title and body. */
    public Push push() {
        Part p = part("push");
        return new Push(p.title(), p.body());
    }

    /**
     * In-app text: plain, values inserted unescaped (clients must display it as text).
     *
     * @param title   the notification title
     * @param message the notification message
     */
    public record InApp(String title, String message) {
    }

    /**
     * One channel's text.
     *
     * @param title a one-line heading (CR/LF from values replaced by spaces): the email subject,
     *              the push title; channels without headings (SMS) ignore it
     * @param body  plain text, values unescaped: the email text body, the push body, the SMS text
     * @param html  an HTML body with values HTML-escaped, or null when the part defines none
     */
    public record Part(String title, String body, String html) {
        public Part {
            Objects.requireNonNull(title, "title");
            Objects.requireNonNull(body, "body");
        }

        /** {@link #html()}, or when it is null the body, HTML-escaped, in a minimal HTML document. */
        public String htmlBody() {
            return html != null ? html : wrap(body);
        }

        static String oneLine(String s) {
            return s.replaceAll("[\\r\\n]+", " ").strip();
        }

        /** The minimal HTML body for a part without HTML: the text, escaped; blank lines make paragraphs. */
        static String wrap(String text) {
            var html = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n");
            for (String paragraph : text.strip().split("\\r?\\n\\s*\\r?\\n")) {
                if (!paragraph.isBlank()) {
                    html.append("<p>").append(escape(paragraph.strip()).replaceAll("\\r?\\n", "<br>\n"))
                            .append("</p>\n");
                }
            }
            return html.append("</body></html>\n").toString();
        }

        private static String escape(String s) {
            var out = new StringBuilder(s.length() + 16);
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '&' -> out.append("&amp;");
                    case '<' -> out.append("&lt;");
                    case '>' -> out.append("&gt;");
                    case '"' -> out.append("&quot;");
                    case '\'' -> out.append("&#39;");
                    default -> out.append(c);
                }
            }
            return out.toString();
        }
    }

    /**
     * Email text.
     *
     * @param subject the subject, one line (CR/LF from values replaced by spaces)
     * @param text    the {@code text/plain} body, values unescaped
     * @param html    the {@code text/html} body, values HTML-escaped
     */
    public record Email(String subject, String text, String html) {
    }

    /**
     * Web Push text: plain, values inserted unescaped.
     *
     * @param title the notification title shown by the browser
     * @param body  the notification body
     */
    public record Push(String title, String body) {
    }
}
