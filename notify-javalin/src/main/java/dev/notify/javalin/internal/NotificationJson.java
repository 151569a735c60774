package dev.notify.javalin.internal;

import dev.notify.Notification;
import dev.notify.StreamEvent;
import dev.notify.json.Json;
import java.util.function.Function;

/**
 * A streamed notification as JSON text ({@link Json#notificationView}), built from its send's
 * {@link StreamEvent.Shared} encoding: the fields one send's notifications have in common are
 * encoded once per send, and only the id, recipient and sequence per stream. SSE and WebSocket
 * frames both embed it.
 */
final class NotificationJson {
    private NotificationJson() {
    }

    /** The same text as {@code Json.write(Json.notificationView(event.notification()))}. */
    static String of(StreamEvent event) {
        Notification n = event.notification();
        String common = event.shared().encoded(SHARED_FIELDS, n);
        return new StringBuilder(48 + common.length() + n.recipient().length())
                .append("{\"id\":").append(n.id())
                .append(",\"recipient\":").append(Json.write(n.recipient()))
                .append(",\"seq\":").append(n.seq()).append(',')
                .append(common).toString();
    }

    /**
     * The fields of {@link Json#notificationView} after {@code seq}, as JSON members followed by the
     * object's closing brace.
     */
    static final Function<Notification, String> SHARED_FIELDS = n -> {
        var view = Json.notificationView(n);
        view.remove("id");
        view.remove("recipient");
        view.remove("seq");
        return Json.write(view).substring(1);
    };
}
