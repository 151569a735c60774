package dev.notify.push;

import dev.notify.Priority;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/** The Web Push request and response headers of RFC 8030 that need more than a constant. */
final class PushHeaders {
    /** RFC 8030 section 5.4: at most 32 characters of the URL-safe base64 alphabet. */
    static final int TOPIC_MAX = 32;
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9_-]{1," + TOPIC_MAX + "}");

    private PushHeaders() {
    }

    /**
     * The {@code Urgency} header (RFC 8030 section 5.3) for a priority: {@code low}, {@code normal},
     * {@code high}; urgent maps to {@code high}, the scale's top.
     */
    static String urgency(Priority priority) {
        return switch (priority) {
            case LOW -> "low";
            case NORMAL -> "normal";
            case HIGH, URGENT -> "high";
        };
    }

    /**
     * The {@code Topic} header (RFC 8030 section 5.4) for a notification's {@code collapse_key}: a
     * newer message with the same topic replaces an undelivered older one. A key that is already
     * a valid topic is used as is; any other string is replaced by the first 32 characters of the
     * base64url SHA-256 of it, so equal keys still collapse together.
     *
     * @param collapseKey the {@code data.collapse_key} value, of any type
     * @return the topic, or null when the key is absent, not a string, or empty
     */
    static String topic(Object collapseKey) {
        if (!(collapseKey instanceof String key) || key.isEmpty()) {
            return null;
        }
        if (TOPIC.matcher(key).matches()) {
            return key;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return EcKeys.base64Url(digest).substring(0, TOPIC_MAX);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * Reads a {@code Retry-After} header (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date.
     *
     * @return the wait from {@code now}, never negative; null when absent or unreadable
     */
    static Duration retryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        if (v.chars().allMatch(Character::isDigit)) {
            try {
                return Duration.ofSeconds(Long.parseLong(v));
            } catch (NumberFormatException e) {
                return null; // absurdly long
            }
        }
        try {
            Instant at = DateTimeFormatter.RFC_1123_DATE_TIME.parse(v, Instant::from);
            Duration wait = Duration.between(now, at);
            return wait.isNegative() ? Duration.ZERO : wait;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** A response body fit for a log line or an outbox row: control characters out, at most {@code max} characters. */
    static String excerpt(byte[] body, int max) {
        String text = new String(body, StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(Math.min(text.length(), max + 1));
        boolean space = false;
        for (int i = 0; i < text.length() && out.length() < max; i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                space = out.length() > 0;
                continue;
            }
            if (space) {
                out.append(' ');
                space = false;
            }
            out.append(c);
        }
        if (out.length() >= max && text.length() > max) {
            out.append(PushPayload.ELLIPSIS);
        }
        return out.toString();
    }
}
