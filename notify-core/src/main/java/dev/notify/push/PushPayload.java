package dev.notify.push;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.notify.Notification;
import dev.notify.json.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The plaintext of a push message: a small UTF-8 JSON object that a service worker turns into
 * {@code showNotification(title, {body, icon, data: {link, id, type}})}:
 * <pre>{"title": "...", "body": "...", "link": "/orders/7", "id": 42, "type": "order_shipped", "icon": "..."}</pre>
 * {@code link} and {@code icon} are left out when absent.
 *
 * <p>It must fit a push message: push services accept at least 4096 bytes of encrypted body
 * (RFC 8030 section 7.2), and aes128gcm (RFC 8188, RFC 8291 section 4) adds an 86-byte header
 * (16 salt, 4 record size, 1 key id length, 65 key id), a 16-byte tag and a 1-byte padding
 * delimiter, leaving {@value #MAX_PLAINTEXT_BYTES} bytes. A longer notification is shortened,
 * never refused: the body first, then the title, each cut at a code point and ended with an
 * ellipsis; then the icon and the link are dropped and the type cut, which real notifications
 * never need.
 */
final class PushPayload {
    /** Largest push message body a push service must accept (RFC 8030 section 7.2). */
    static final int MAX_MESSAGE_BYTES = 4096;
    /** Bytes aes128gcm adds to a single-record message: header 86, tag 16, padding delimiter 1. */
    static final int ENCRYPTION_OVERHEAD = 86 + 16 + 1;
    /** Largest plaintext that still fits {@link #MAX_MESSAGE_BYTES} once encrypted. */
    static final int MAX_PLAINTEXT_BYTES = MAX_MESSAGE_BYTES - ENCRYPTION_OVERHEAD;

    static final String ELLIPSIS = "\u2026";

    private PushPayload() {
    }

    /**
     * The payload of a notification, at most {@code maxBytes} long.
     *
     * @param icon     icon URL to include, or null
     * @param maxBytes the budget in bytes of UTF-8 JSON
     */
    static byte[] of(Notification n, String icon, int maxBytes) {
        Fields f = new Fields(n.title(), n.message(), n.link(), n.id(), n.type(), icon);
        byte[] json = f.encode();
        if (json.length <= maxBytes) {
            return json;
        }
        if (!f.body.isEmpty()) {
            String body = f.body;
            String cut = longestFitting(body, maxBytes, s -> f.withBody(s));
            if (cut != null) {
                return f.withBody(cut).encode();
            }
            f.body = "";
        }
        String title = f.title;
        String cut = longestFitting(title, maxBytes, s -> f.withTitle(s));
        if (cut != null) {
            return f.withTitle(cut).encode();
        }
        f.title = ELLIPSIS;
        f.icon = null;
        if (f.encode().length <= maxBytes) {
            return f.encode();
        }
        f.link = null;
        if (f.encode().length <= maxBytes) {
            return f.encode();
        }
        String type = f.type;
        String typeCut = longestFitting(type, maxBytes, s -> f.withType(s));
        f.type = typeCut != null ? typeCut : "";
        return f.encode();
    }

    /**
     * The longest prefix of {@code text} (in code points, trailing space trimmed) plus an
     * ellipsis whose payload fits, or null if not even the ellipsis alone fits. Binary search: the
     * JSON grows with the prefix.
     */
    private static String longestFitting(String text, int maxBytes, java.util.function.Function<String, Fields> with) {
        int points = text.codePointCount(0, text.length());
        int lo = 0;
        int hi = points - 1;
        String best = null;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            String candidate = prefix(text, mid) + ELLIPSIS;
            if (with.apply(candidate).encode().length <= maxBytes) {
                best = candidate;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return best;
    }

    private static String prefix(String text, int codePoints) {
        return text.substring(0, text.offsetByCodePoints(0, codePoints)).stripTrailing();
    }

    private static final class Fields {
        String title;
        String body;
        String link;
        final long id;
        String type;
        String icon;

        Fields(String title, String body, String link, long id, String type, String icon) {
            this.title = title;
            this.body = body == null ? "" : body;
            this.link = link;
            this.id = id;
            this.type = type;
            this.icon = icon;
        }

        Fields withBody(String b) {
            return new Fields(title, b, link, id, type, icon);
        }

        Fields withTitle(String t) {
            return new Fields(t, body, link, id, type, icon);
        }

        Fields withType(String t) {
            return new Fields(title, body, link, id, t, icon);
        }

        byte[] encode() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("title", title);
            map.put("body", body);
            if (link != null) {
                map.put("link", link);
            }
            map.put("id", id);
            map.put("type", type);
            if (icon != null) {
                map.put("icon", icon);
            }
            try {
                return Json.MAPPER.writeValueAsBytes(map);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot serialise a push payload", e);
            }
        }
    }
}
