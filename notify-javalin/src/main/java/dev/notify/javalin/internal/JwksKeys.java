package dev.notify.javalin.internal;

import com.auth0.jwk.InvalidPublicKeyException;
import com.auth0.jwk.Jwk;
import com.auth0.jwk.SigningKeyNotFoundException;
import com.auth0.jwk.UrlJwkProvider;
import java.net.MalformedURLException;
import java.net.URI;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signing keys of an identity provider's JSON Web Key Set (RFC 7517), fetched with Auth0's
 * {@code jwks-rsa} and cached by key id ({@code kid}). The set is fetched again when it is older
 * than {@code maxAge} (so a key the provider removed stops working then), and when a token names
 * a key id not in the cache (so a rotated-in key works at once), but at most once per
 * {@code minRefreshInterval}, so tokens with made-up key ids cannot make the server hammer the
 * provider. If a fetch fails, keys already cached keep working until one succeeds.
 */
public final class JwksKeys {
    private static final Logger log = LoggerFactory.getLogger(JwksKeys.class);
    private static final int TIMEOUT_MILLIS = 5_000;

    private final URI url;
    private final UrlJwkProvider provider;
    private final Clock clock;
    private final Duration maxAge;
    private final Duration minRefreshInterval;
    private volatile Map<String, PublicKey> keys = Map.of();
    private volatile Instant fetchedAt;
    private Instant lastAttempt;

    /** Thrown when the key set cannot be fetched and the key needed is not cached. */
    public static final class UnavailableException extends RuntimeException {
        UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * @param url                the key set's URL (an identity provider's {@code jwks_uri}), http or https
     * @param maxAge             how long a fetched set is used before it is fetched again
     * @param minRefreshInterval least time between two fetches triggered by unknown key ids
     */
    public JwksKeys(URI url, Clock clock, Duration maxAge, Duration minRefreshInterval) {
        this.url = Objects.requireNonNull(url, "url");
        try {
            this.provider = new UrlJwkProvider(url.toURL(), TIMEOUT_MILLIS, TIMEOUT_MILLIS);
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the JWKS URL must be an http(s) URL but was '" + url + "'", e);
        }
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxAge = Objects.requireNonNull(maxAge, "maxAge");
        this.minRefreshInterval = Objects.requireNonNull(minRefreshInterval, "minRefreshInterval");
    }

    /**
     * The public key with this id, fetching the set again if it is stale or the id is unknown.
     *
     * @return the key, or null if the provider's set has no usable key with this id
     * @throws UnavailableException if the set could not be fetched and holds no such key from before
     */
    public PublicKey find(String kid) {
        Instant now = clock.instant();
        Instant fetched = fetchedAt;
        if (fetched != null && now.isBefore(fetched.plus(maxAge))) {
            PublicKey key = keys.get(kid);
            if (key != null) {
                return key;
            }
        }
        synchronized (this) {
            fetched = fetchedAt;
            boolean stale = fetched == null || !now.isBefore(fetched.plus(maxAge));
            PublicKey cached = keys.get(kid);
            if (!stale && cached != null) {
                return cached;
            }
            if (!stale && lastAttempt != null && now.isBefore(lastAttempt.plus(minRefreshInterval))) {
                return null;
            }
            if (stale && cached != null && lastAttempt != null && now.isBefore(lastAttempt.plus(minRefreshInterval))) {
                return cached; // the last fetch failed moments ago; do not retry on every request
            }
            lastAttempt = now;
            try {
                keys = fetch();
                fetchedAt = now;
            } catch (SigningKeyNotFoundException | RuntimeException e) {
                log.warn("could not fetch the JSON Web Key Set from {}: {}", url, e.getMessage());
                if (cached != null) {
                    return cached;
                }
                throw new UnavailableException("the identity provider's key set could not be fetched", e);
            }
            return keys.get(kid);
        }
    }

    private Map<String, PublicKey> fetch() throws SigningKeyNotFoundException {
        List<Jwk> jwks = provider.getAll();
        Map<String, PublicKey> byId = new HashMap<>();
        for (Jwk jwk : jwks) {
            if (jwk.getId() == null || "enc".equals(jwk.getUsage())) {
                continue;
            }
            try {
                byId.put(jwk.getId(), jwk.getPublicKey());
            } catch (InvalidPublicKeyException e) {
                // A key type this server does not verify with (e.g. oct, OKP): skipped, not fatal.
                log.debug("skipping JWK {} of type {}: {}", jwk.getId(), jwk.getType(), e.getMessage());
            }
        }
        return Map.copyOf(byId);
    }
}
