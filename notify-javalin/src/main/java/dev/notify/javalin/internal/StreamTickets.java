package dev.notify.javalin.internal;

import dev.notify.javalin.ApiException;
import dev.notify.javalin.AuthenticationException;
import dev.notify.javalin.Principal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Short-lived, single-use stream tickets: what a browser puts in {@code ?ticket=} for
 * EventSource and WebSocket (which cannot send an {@code Authorization} header) instead of its
 * long-lived token, so that a URL caught in a proxy log is worthless within seconds.
 *
 * <p>A ticket is 256 random bits; it carries the {@link Principal} (user and scopes) of the token
 * that asked for it. The store is in memory, so a ticket works only on the node that issued it:
 * behind a load balancer, route the ticket request and the stream to the same node, or let
 * clients send the token. Tickets are kept by their SHA-256 hash, never logged.
 */
public final class StreamTickets {
    /** Tickets outstanding at once, all users, before issuing answers 429. */
    static final int MAX_OUTSTANDING = 100_000;
    private static final int TICKET_BYTES = 32;

    private final Clock clock;
    private final Duration ttl;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Entry> byHash = new ConcurrentHashMap<>();
    private volatile Instant nextPurge = Instant.MIN;

    private record Entry(Principal principal, Instant expiresAt) {
    }

    public StreamTickets(Clock clock, Duration ttl) {
        this.clock = clock;
        this.ttl = ttl;
    }

    Duration ttl() {
        return ttl;
    }

    /**
     * Issues a ticket for the caller.
     *
     * @throws ApiException 429 {@code too_many_tickets} if {@value #MAX_OUTSTANDING} are outstanding
     */
    String issue(Principal principal) {
        Instant now = clock.instant();
        purgeExpired(now);
        if (byHash.size() >= MAX_OUTSTANDING) {
            throw new ApiException(429, "too_many_tickets", "more than " + MAX_OUTSTANDING
                    + " stream tickets are outstanding; retry in " + ttl.toSeconds() + " s");
        }
        byte[] bytes = new byte[TICKET_BYTES];
        random.nextBytes(bytes);
        String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        byHash.put(hash(ticket), new Entry(principal, now.plus(ttl)));
        return ticket;
    }

    /**
     * Takes a ticket: the first call with an unexpired ticket returns its principal, every later
     * call fails.
     *
     * @throws AuthenticationException if the ticket is unknown, used or expired
     */
    Principal redeem(String ticket) {
        Entry entry = ticket == null || ticket.isBlank() ? null : byHash.remove(hash(ticket.trim()));
        if (entry == null) {
            throw new AuthenticationException("ticket unknown or already used; get a new one from POST .../sse/ticket");
        }
        if (!clock.instant().isBefore(entry.expiresAt())) {
            throw new AuthenticationException("ticket expired; tickets are valid for " + ttl.toSeconds()
                    + " s, get a new one from POST .../sse/ticket");
        }
        return entry.principal();
    }

    /** Tickets issued and neither used nor purged (expired ones are purged about once a second). */
    int outstanding() {
        return byHash.size();
    }

    private void purgeExpired(Instant now) {
        // A full scan at most once a second: cheap at the sizes a 30 s lifetime allows.
        if (now.isBefore(nextPurge)) {
            return;
        }
        nextPurge = now.plusSeconds(1);
        byHash.values().removeIf(e -> !now.isBefore(e.expiresAt()));
    }

    private static String hash(String ticket) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(ticket.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
