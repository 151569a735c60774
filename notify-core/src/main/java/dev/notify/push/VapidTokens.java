package dev.notify.push;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Makes the {@code Authorization: vapid t=..., k=...} header (RFC 8292 section 3): an ES256 JWT
 * with {@code aud} = the push service's origin, {@code exp} and {@code sub}.
 *
 * <p>Signing costs an ECDSA operation, and push services may rate-limit by token, so one token per
 * origin is cached and reused until less than {@link #RENEW_BEFORE} of its {@link #LIFETIME} is
 * left. Thread-safe.
 */
final class VapidTokens {
    /** How long a token is valid; RFC 8292 section 2 caps {@code exp} at 24 hours from now. */
    static final Duration LIFETIME = Duration.ofHours(12);
    /** A cached token is replaced once less than this is left before it expires. */
    static final Duration RENEW_BEFORE = Duration.ofHours(1);
    /**
     * Origins cached at most. Endpoints come from browsers, so their hosts are not ours to bound;
     * past this many, stale tokens are dropped, and if none is stale, all of them.
     */
    static final int MAX_ORIGINS = 1024;

    private final Algorithm algorithm;
    private final String publicKey;
    private final String subject;
    private final Clock clock;
    private final ConcurrentMap<String, Token> byOrigin = new ConcurrentHashMap<>();

    VapidTokens(VapidKeys keys, VapidSubject subject, Clock clock) {
        this.algorithm = Algorithm.ECDSA256(keys.publicKey(), keys.privateKey());
        this.publicKey = keys.publicKeyBase64Url();
        this.subject = subject.value();
        this.clock = clock;
    }

    /** The {@code Authorization} header value for a request to {@code endpoint}. */
    String authorization(URI endpoint) {
        String origin = origin(endpoint);
        Instant now = clock.instant();
        Token token = byOrigin.get(origin);
        if (token == null || !token.freshAt(now)) {
            if (byOrigin.size() >= MAX_ORIGINS) {
                byOrigin.values().removeIf(t -> !t.freshAt(now));
                if (byOrigin.size() >= MAX_ORIGINS) {
                    byOrigin.clear();
                }
            }
            token = byOrigin.compute(origin, (o, current) ->
                    current != null && current.freshAt(now) ? current : sign(o, now));
        }
        return token.header;
    }

    private Token sign(String origin, Instant now) {
        Instant expires = now.plus(LIFETIME).truncatedTo(ChronoUnit.SECONDS);
        String jwt = JWT.create()
                .withAudience(origin)
                .withExpiresAt(expires)
                .withSubject(subject)
                .sign(algorithm);
        return new Token("vapid t=" + jwt + ", k=" + publicKey, expires);
    }

    /**
     * The origin of a URL as RFC 6454 serialises it: {@code scheme://host}, plus {@code :port}
     * when it is not the scheme's default.
     */
    static String origin(URI uri) {
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        int port = uri.getPort();
        boolean defaultPort = port == -1 || (scheme.equals("https") && port == 443) || (scheme.equals("http") && port == 80);
        return scheme + "://" + host + (defaultPort ? "" : ":" + port);
    }

    private record Token(String header, Instant expiresAt) {
        boolean freshAt(Instant now) {
            return now.plus(RENEW_BEFORE).isBefore(expiresAt);
        }
    }
}
