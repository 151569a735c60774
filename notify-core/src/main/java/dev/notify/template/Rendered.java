package dev.notify.template;

import java.util.Locale;
import java.util.Objects;

/**
 * A template rendered for one locale: the text of every channel. Every string is non-null
 * (possibly empty, e.g. a message-less template).
 *
 * @param template the template that was rendered (its type, category, {@code required} flag,
 *                 escalation delay)
 * @param locale   the locale actually rendered, after fallback
 * @param inApp    the stored notification's title and message, also used by the real-time streams
 * @param email    the email subject (one line), plain-text body and HTML body
 * @param push     the Web Push title and body
 */
public record Rendered(Template template, Locale locale, InApp inApp, Email email, Push push) {
    public Rendered {
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(locale, "locale");
        Objects.requireNonNull(inApp, "inApp");
        Objects.requireNonNull(email, "email");
        Objects.requireNonNull(push, "push");
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
