package dev.notify.javalin.internal;

import dev.notify.Notify;
import dev.notify.NotifyException;
import dev.notify.javalin.ApiException;
import dev.notify.javalin.AuthenticationException;
import dev.notify.javalin.Principal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Stream tickets for {@code ?ticket=} on {@code sse/stream} and the WebSocket, over
 * {@link dev.notify.StreamTickets}: a ticket carries the {@link Principal} (user and scopes) of the
 * token that asked for it, lives {@link #ttl()}, works once, and works on any node sharing the
 * database. Expiry is judged by the plugin's clock.
 */
public final class StreamTickets {
    private final Notify notify;
    private final Clock clock;
    private final Duration ttl;

    public StreamTickets(Notify notify, Clock clock, Duration ttl) {
        this.notify = notify;
        this.clock = clock;
        this.ttl = ttl;
    }

    Duration ttl() {
        return ttl;
    }

    /**
     * Issues a ticket for the caller.
     *
     * @throws ApiException 429 {@code too_many_tickets} if {@value dev.notify.StreamTickets#MAX_OUTSTANDING}
     *                      are outstanding
     */
    String issue(Principal principal) {
        Instant now = clock.instant();
        try {
            return notify.streamTickets().issue(principal.userId(), principal.scopes(), now, now.plus(ttl));
        } catch (NotifyException e) {
            if ("too_many_tickets".equals(e.code())) {
                throw new ApiException(429, e.code(), e.getMessage() + " (tickets live " + ttl.toSeconds() + " s)");
            }
            throw e;
        }
    }

    /**
     * Takes a ticket: the first call with an unexpired ticket returns its principal, every later
     * call (on any node) fails.
     *
     * @throws AuthenticationException if the ticket is unknown, used or expired
     */
    Principal redeem(String ticket) {
        var taken = notify.streamTickets().redeem(ticket).orElseThrow(() -> new AuthenticationException(
                "ticket unknown or already used; get a new one from POST .../sse/ticket"));
        if (!taken.validAt(clock.instant())) {
            throw new AuthenticationException("ticket expired; tickets are valid for " + ttl.toSeconds()
                    + " s, get a new one from POST .../sse/ticket");
        }
        return new Principal(taken.recipient(), taken.scopes());
    }
}
