package dev.notify;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;

/**
 * Short-lived, single-use credentials for opening a stream: what a browser puts in
 * {@code ?ticket=} for EventSource and WebSocket, which cannot send an {@code Authorization}
 * header, instead of its long-lived token, so that a URL caught in a proxy log is worthless within
 * seconds.
 *
 * <p>A ticket is 256 random bits, URL-safe base64 without padding (43 characters). Only its
 * SHA-256 hash is stored, in the database every node shares, so a ticket issued by one node is
 * redeemed on any other (behind a load balancer the ticket request and the stream rarely meet on
 * the same node), and only once in all: two nodes redeeming the same ticket at the same moment
 * cannot both succeed, because redeeming deletes the row and only one delete can find it.
 */
public final class StreamTickets {
    /** Tickets outstanding at once, all users, before {@link #issue} refuses. */
    public static final int MAX_OUTSTANDING = 100_000;
    private static final int TICKET_BYTES = 32;

    /**
     * A redeemed ticket.
     *
     * @param recipient the user the ticket was issued to
     * @param scopes    the scopes it carries, as issued
     * @param expiresAt when it stopped (or stops) being valid; the caller compares it with its clock
     */
    public record Ticket(String recipient, Set<String> scopes, Instant expiresAt) {
        public Ticket {
            scopes = Set.copyOf(scopes);
        }

        /** Whether the ticket is still valid at {@code now} (its expiry is exclusive). */
        public boolean validAt(Instant now) {
            return now.isBefore(expiresAt);
        }
    }

    private final Jdbi jdbi;
    private final SecureRandom random = new SecureRandom();
    private volatile Instant nextPurge = Instant.MIN;

    StreamTickets(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * Issues a ticket. Expired tickets are deleted first, at most once a second.
     *
     * @param recipient the user the ticket opens streams for, 1 to {@value Limits#RECIPIENT_MAX} characters
     * @param scopes    scopes the stream acts with, each without spaces; may be empty
     * @param now       the caller's clock
     * @param expiresAt the first instant at which the ticket no longer works; after {@code now}
     * @return the ticket, 43 URL-safe characters
     * @throws InvalidRequestException if an argument is out of range
     * @throws NotifyException         code {@code too_many_tickets} when {@value #MAX_OUTSTANDING}
     *                                 unexpired tickets are outstanding; code
     *                                 {@code store_unavailable} if the database fails
     */
    public String issue(String recipient, Set<String> scopes, Instant now, Instant expiresAt) {
        InputRules.text("recipient", recipient);
        if (recipient == null || recipient.isBlank() || recipient.length() > Limits.RECIPIENT_MAX) {
            throw InvalidRequestException.field("recipient", "must be 1 to " + Limits.RECIPIENT_MAX + " characters");
        }
        Objects.requireNonNull(scopes, "scopes");
        if (!expiresAt.isAfter(now)) {
            throw InvalidRequestException.field("expires_at", "must be after now");
        }
        String joined = new TreeSet<>(scopes).stream().collect(Collectors.joining(" "));
        if (scopes.stream().anyMatch(s -> s.isEmpty() || s.contains(" ")) || joined.length() > 1000) {
            throw InvalidRequestException.field("scopes", "must be words without spaces, 1,000 characters in all");
        }
        byte[] bytes = new byte[TICKET_BYTES];
        random.nextBytes(bytes);
        String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        try {
            jdbi.useTransaction(h -> {
                if (!now.isBefore(nextPurge)) {
                    // At most once a second per node: not a DELETE on every ticket request.
                    nextPurge = now.plusSeconds(1);
                    purgeExpired(h, now);
                }
                // Probes for the limit's last row instead of counting them all.
                boolean full = h.createQuery("SELECT 1 FROM notify_stream_ticket WHERE expires_at > :now"
                                + " OFFSET " + (MAX_OUTSTANDING - 1) + " ROWS FETCH FIRST 1 ROW ONLY")
                        .bind("now", utc(now))
                        .mapTo(Integer.class)
                        .findOne()
                        .isPresent();
                if (full) {
                    throw new NotifyException("too_many_tickets", "more than " + MAX_OUTSTANDING
                            + " stream tickets are outstanding; retry when some have expired");
                }
                h.createUpdate("INSERT INTO notify_stream_ticket (ticket_hash, recipient, scopes, expires_at)"
                                + " VALUES (:h, :r, :s, :e)")
                        .bind("h", hash(ticket))
                        .bind("r", recipient)
                        .bind("s", joined)
                        .bind("e", utc(expiresAt))
                        .execute();
            });
        } catch (NotifyException e) {
            throw e;
        } catch (RuntimeException e) {
            throw StoreFailures.of("storing the stream ticket", e);
        }
        return ticket;
    }

    /**
     * Takes a ticket: the first call with a ticket returns what it was issued for, and deletes it;
     * every later call, on any node, returns empty. An expired ticket is returned too (and deleted),
     * so the caller can say "expired" rather than "unknown"; check {@link Ticket#validAt}.
     *
     * @param ticket what {@link #issue} returned; null, blank or malformed gives empty
     * @throws NotifyException code {@code store_unavailable} if the database fails
     */
    public Optional<Ticket> redeem(String ticket) {
        if (ticket == null || ticket.isBlank() || ticket.length() > 100) {
            return Optional.empty();
        }
        String hash = hash(ticket.trim());
        try {
            return jdbi.inTransaction(h -> {
                Optional<Ticket> found = h.createQuery("SELECT recipient, scopes, expires_at FROM notify_stream_ticket"
                                + " WHERE ticket_hash = :h")
                        .bind("h", hash)
                        .map((rs, ctx) -> new Ticket(rs.getString("recipient"), scopes(rs.getString("scopes")),
                                rs.getObject("expires_at", OffsetDateTime.class).toInstant()))
                        .findOne();
                if (found.isEmpty()) {
                    return found;
                }
                // Whoever deletes the row owns the ticket; a concurrent redeemer deletes nothing.
                int deleted = h.createUpdate("DELETE FROM notify_stream_ticket WHERE ticket_hash = :h")
                        .bind("h", hash).execute();
                return deleted == 1 ? found : Optional.<Ticket>empty();
            });
        } catch (RuntimeException e) {
            throw StoreFailures.of("reading the stream ticket", e);
        }
    }

    /** Unexpired tickets issued and not yet redeemed, on all nodes. */
    public long outstanding(Instant now) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM notify_stream_ticket WHERE expires_at > :now")
                .bind("now", utc(now))
                .mapTo(Long.class).one());
    }

    private static void purgeExpired(org.jdbi.v3.core.Handle h, Instant now) {
        h.createUpdate("DELETE FROM notify_stream_ticket WHERE expires_at <= :now")
                .bind("now", utc(now))
                .execute();
    }

    /** {@code TIMESTAMP WITH TIME ZONE} in UTC, independent of the JVM's zone. */
    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static Set<String> scopes(String joined) {
        return joined.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(joined.split(" ")));
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
