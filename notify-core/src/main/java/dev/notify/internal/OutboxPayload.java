package dev.notify.internal;

import dev.notify.Notification;
import dev.notify.json.Json;
import dev.notify.template.Rendered;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What an outbox row carries in its {@code payload} column, written by {@link #toJson()} and read
 * by {@link #parse}: nothing else reads or writes that column.
 *
 * <p>Format version 2 (written since this class exists), one JSON object:
 * <pre>{@code
 * {"v": 2,
 *  "notification": {"id": 7, "recipient": "alice", "seq": 3, "type": "low_stock", "title": "...", "message": "...",
 *                   "data": {...}, "link": null, "priority": "normal", "created_at": "...", "read_at": null},
 *  "part": {"title": "Reorder paper", "body": "...", "html": "<p>...</p>"},      // absent: literal text
 *  "category": "inventory", "required": false, "escalation": false,
 *  "digest": {"category": "inventory", "frequency": "daily", "period_end": "..."}} // digest rows only
 * }</pre>
 * Version 1 rows (no {@code "v"}) hold the notification's fields at the top level and, when
 * rendered from a template, an {@code email} ({@code subject, text, html}) and a {@code push}
 * ({@code title, body}) object for every channel; they are still read, each channel taking the
 * object named after it.
 *
 * @param notification the notification as stored (for a digest row: the first item, type {@code digest})
 * @param part         the text rendered for the row's channel, or null for literal text
 * @param category     the template category, or null
 * @param required     the template bypasses opt-outs
 * @param escalation   drop the row if the notification is read before it is due
 * @param digest       for a digest row, which digest; else null
 */
public record OutboxPayload(Notification notification, Rendered.Part part, String category, boolean required,
                            boolean escalation, OutboxStore.Digest digest) {
    /** The format version {@link #toJson()} writes. */
    public static final int VERSION = 2;

    public OutboxPayload {
        Objects.requireNonNull(notification, "notification");
    }

    /** A digest row's payload: its first notification, shown as type {@code digest}. */
    public static OutboxPayload digest(Notification first, OutboxStore.Digest digest) {
        Notification n = new Notification(first.id(), first.recipient(), first.seq(), "digest", first.title(),
                first.message(), first.data(), first.link(), first.priority(), first.createdAt(), first.readAt());
        return new OutboxPayload(n, null, digest.category(), false, false, digest);
    }

    /** What the outbox re-checks when the row comes due. */
    public OutboxStore.Rules rules() {
        return new OutboxStore.Rules(category, required, escalation, digest);
    }

    /** The payload as stored, in the current format version. */
    public String toJson() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("v", VERSION);
        Map<String, Object> n = Json.notificationView(notification);
        n.remove("read");
        v.put("notification", n);
        if (part != null) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("title", part.title());
            p.put("body", part.body());
            p.put("html", part.html());
            v.put("part", p);
        }
        v.put("category", category);
        v.put("required", required);
        v.put("escalation", escalation);
        if (digest != null) {
            v.put("digest", Map.of("category", digest.category(), "frequency", digest.frequency(),
                    "period_end", digest.periodEnd().toString()));
        }
        return Json.write(v);
    }

    /**
     * Reads a stored payload of any format version.
     *
     * @param channel the row's channel: a version-1 row's text for it is the object of that name
     * @throws IllegalStateException if the payload is not a JSON object or has a version newer than
     *                               {@link #VERSION} (written by a newer release)
     */
    @SuppressWarnings("unchecked")
    public static OutboxPayload parse(String json, String channel) {
        Map<String, Object> v = Json.readObject(json);
        Object version = v.get("v");
        if (version == null) {
            return parseVersion1(v, channel);
        }
        if (!(version instanceof Number number) || number.intValue() != VERSION) {
            throw new IllegalStateException("outbox payload format version " + version + " is not known to this"
                    + " release (it reads 1 to " + VERSION + ")");
        }
        Rendered.Part part = null;
        if (v.get("part") instanceof Map<?, ?> p) {
            part = new Rendered.Part((String) p.get("title"), (String) p.get("body"), (String) p.get("html"));
        }
        return new OutboxPayload(OutboxStore.notificationFrom((Map<String, Object>) v.get("notification")), part,
                (String) v.get("category"), Boolean.TRUE.equals(v.get("required")),
                Boolean.TRUE.equals(v.get("escalation")), digest(v.get("digest")));
    }

    private static OutboxPayload parseVersion1(Map<String, Object> v, String channel) {
        Rendered.Part part = null;
        if (v.get(channel) instanceof Map<?, ?> p) {
            part = "email".equals(channel)
                    ? new Rendered.Part((String) p.get("subject"), (String) p.get("text"), (String) p.get("html"))
                    : new Rendered.Part((String) p.get("title"), (String) p.get("body"), null);
        }
        OutboxStore.Digest digest = digest(v.get("digest"));
        return new OutboxPayload(OutboxStore.notificationFrom(v), part,
                digest != null ? digest.category() : (String) v.get("category"), Boolean.TRUE.equals(v.get("required")),
                Boolean.TRUE.equals(v.get("escalation")), digest);
    }

    private static OutboxStore.Digest digest(Object value) {
        if (value instanceof Map<?, ?> g) {
            return new OutboxStore.Digest((String) g.get("category"), (String) g.get("frequency"),
                    Instant.parse((String) g.get("period_end")));
        }
        return null;
    }
}
