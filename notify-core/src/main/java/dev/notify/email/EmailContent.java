package dev.notify.email;

import com.samskivert.mustache.Escapers;
import dev.notify.Notification;
import java.util.regex.Pattern;

/**
 * The subject and the text and HTML bodies of one notification email. Every notification field
 * is HTML-escaped in the HTML body (jmustache's escaper: {@code & < > " ' ` =}), so a title such
 * as {@code <script>} shows as text.
 *
 * @param subject one line, the notification title with line breaks folded to spaces
 * @param text    the {@code text/plain} body
 * @param html    the {@code text/html} body
 */
record EmailContent(String subject, String text, String html) {
    private static final Pattern ABSOLUTE = Pattern.compile("(?i)^https?://");
    private static final Pattern LINE_BREAKS = Pattern.compile("\\s*[\\r\\n]+\\s*");

    /**
     * @param n              the notification
     * @param link           the absolute link to open, or null for none
     * @param unsubscribeUrl the one-click unsubscribe URL, or null for none
     */
    static EmailContent render(Notification n, String link, String unsubscribeUrl) {
        String subject = LINE_BREAKS.matcher(n.title()).replaceAll(" ").strip();
        String message = n.message().replace("\r\n", "\n").replace('\r', '\n').strip();

        StringBuilder text = new StringBuilder(n.title().strip()).append("\n\n");
        if (!message.isEmpty()) {
            text.append(message).append("\n\n");
        }
        if (link != null) {
            text.append("Open: ").append(link).append("\n\n");
        }
        if (unsubscribeUrl != null) {
            text.append("-- \nTo stop these emails (").append(n.type()).append("), unsubscribe: ")
                    .append(unsubscribeUrl).append('\n');
        }

        StringBuilder html = new StringBuilder(1024)
                .append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width\"><title>").append(escape(subject))
                .append("</title></head>\n<body style=\"font-family:sans-serif;line-height:1.5;color:#222\">\n")
                .append("<h1 style=\"font-size:20px\">").append(escape(n.title().strip())).append("</h1>\n");
        if (!message.isEmpty()) {
            html.append("<p>").append(escape(message).replace("\n", "<br>\n")).append("</p>\n");
        }
        if (link != null) {
            html.append("<p><a href=\"").append(escape(link)).append("\">Open</a></p>\n");
        }
        if (unsubscribeUrl != null) {
            html.append("<hr style=\"border:none;border-top:1px solid #ddd\">\n")
                    .append("<p style=\"font-size:12px;color:#666\">To stop these emails (").append(escape(n.type()))
                    .append("), <a href=\"").append(escape(unsubscribeUrl)).append("\">unsubscribe</a>.</p>\n");
        }
        html.append("</body></html>\n");
        return new EmailContent(subject, text.toString(), html.toString());
    }

    /**
     * The content of a notification sent from a template: its rendered subject, text and HTML,
     * with the link and unsubscribe footer added to both bodies (in the HTML before
     * {@code </body>} when there is one).
     */
    static EmailContent rendered(dev.notify.template.Rendered.Email email, Notification n, String link,
                                 String unsubscribeUrl) {
        String subject = LINE_BREAKS.matcher(email.subject()).replaceAll(" ").strip();
        StringBuilder text = new StringBuilder(email.text().strip()).append("\n\n");
        StringBuilder footer = new StringBuilder();
        if (link != null) {
            text.append("Open: ").append(link).append("\n\n");
            footer.append("<p><a href=\"").append(escape(link)).append("\">Open</a></p>\n");
        }
        if (unsubscribeUrl != null) {
            text.append("-- \nTo stop these emails (").append(n.type()).append("), unsubscribe: ")
                    .append(unsubscribeUrl).append('\n');
            footer.append("<hr style=\"border:none;border-top:1px solid #ddd\">\n")
                    .append("<p style=\"font-size:12px;color:#666\">To stop these emails (").append(escape(n.type()))
                    .append("), <a href=\"").append(escape(unsubscribeUrl)).append("\">unsubscribe</a>.</p>\n");
        }
        String html = email.html();
        int body = html.toLowerCase(java.util.Locale.ROOT).lastIndexOf("</body>");
        html = body >= 0 ? html.substring(0, body) + footer + html.substring(body) : html + "\n" + footer;
        return new EmailContent(subject, text.toString(), html);
    }

    /**
     * The link to put in an email: {@code link} itself when absolute ({@code http://} or
     * {@code https://}), else {@code link} appended to {@code baseUrl}, or null when there is no
     * link, or it is relative and there is no base to resolve it against.
     */
    static String resolveLink(String link, String baseUrl) {
        if (link == null || link.isBlank()) {
            return null;
        }
        String l = link.strip();
        if (ABSOLUTE.matcher(l).find()) {
            return l;
        }
        if (baseUrl == null) {
            return null;
        }
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        return base + (l.startsWith("/") ? l : "/" + l);
    }

    static boolean isAbsoluteHttpUrl(String url) {
        return url != null && ABSOLUTE.matcher(url).find() && url.length() > "https://".length()
                && url.chars().noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c));
    }

    static String escape(String s) {
        return Escapers.HTML.escape(s);
    }
}
