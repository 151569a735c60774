package dev.notify.javalin.internal;

import dev.notify.javalin.Principal;
import io.javalin.http.Context;

/** The user a request authenticated as, kept on the request for the access log. */
public final class RequestUser {
    private static final String ATTRIBUTE = "dev.notify.user";

    private RequestUser() {
    }

    static void set(Context ctx, Principal principal) {
        ctx.attribute(ATTRIBUTE, principal.userId());
    }

    /** The authenticated user id, or null when the request did not authenticate. */
    public static String get(Context ctx) {
        return ctx.attribute(ATTRIBUTE);
    }
}
