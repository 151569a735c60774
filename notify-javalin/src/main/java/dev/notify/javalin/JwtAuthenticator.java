package dev.notify.javalin;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.auth0.jwt.interfaces.ECDSAKeyProvider;
import com.auth0.jwt.interfaces.RSAKeyProvider;
import com.auth0.jwt.interfaces.Verification;
import dev.notify.InputRules;
import dev.notify.javalin.internal.JwksKeys;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Verifies JSON Web Tokens (RFC 7519) with java-jwt: HS256 with a shared secret (RFC 7518 section
 * 3.2), and RS256 / ES256 (RFC 7518 sections 3.3 and 3.4) with the public keys of an identity
 * provider's JSON Web Key Set (RFC 7517), found by the token's {@code kid} header.
 *
 * <p>A token is accepted only if
 * <ul>
 *   <li>its {@code alg} is one this authenticator was given keys for ({@code none} never is);</li>
 *   <li>it carries {@code exp}, is not expired, and its lifetime is at most
 *       {@link Builder#maxLifetime}: both {@code exp - iat} (when {@code iat} is present) and
 *       {@code exp - now} (default {@link #DEFAULT_MAX_LIFETIME}), so a token that never, or only
 *       in a year, expires is refused;</li>
 *   <li>{@code nbf}, if present, has passed; {@code iss} equals {@link Builder#issuer} and
 *       {@code aud} contains one of {@link Builder#audience}, when those are set;</li>
 *   <li>the user id claim ({@code sub} by default, {@link Builder#userClaim}) is a non-blank string
 *       (or a whole number, taken as its decimal digits).</li>
 * </ul>
 * Time checks allow {@value #LEEWAY_SECONDS} s of clock skew. {@code scope} holds granted scopes,
 * either as a space-separated string (RFC 8693 section 4.2) or as an array.
 *
 * <p>Failures throw {@link AuthenticationException} (HTTP 401, code {@code unauthenticated}),
 * whose message names the failed check, never the token; a user id with a NUL character or a
 * lone surrogate throws {@link dev.notify.InvalidRequestException} code {@code invalid_text}
 * (400); a key set that cannot be fetched while the key is not cached throws {@link ApiException}
 * code {@code auth_unavailable} (503).
 */
public final class JwtAuthenticator implements Authenticator {
    /** Clock skew tolerated on {@code exp}, {@code nbf} and {@code iat}, in seconds. */
    public static final long LEEWAY_SECONDS = 5;
    /** Shortest HS256 secret accepted, in bytes (RFC 7518 section 3.2: at least the hash size). */
    public static final int MIN_SECRET_BYTES = 32;
    /** Longest token lifetime accepted by default: 24 hours. */
    public static final Duration DEFAULT_MAX_LIFETIME = Duration.ofHours(24);
    /** The claim that holds the user id by default. */
    public static final String DEFAULT_USER_CLAIM = "sub";
    /** How long a fetched key set is used before it is fetched again: 10 minutes. */
    public static final Duration DEFAULT_JWKS_MAX_AGE = Duration.ofMinutes(10);
    /** Least time between two key-set fetches caused by unknown key ids: 10 seconds. */
    public static final Duration DEFAULT_JWKS_MIN_REFRESH = Duration.ofSeconds(10);

    private final Algorithm hs256;
    private final JWTVerifier hsVerifier;
    private final JwksKeys jwks;
    private final JWTVerifier rsVerifier;
    private final JWTVerifier esVerifier;
    private final Clock clock;
    private final Duration maxLifetime;
    private final String userClaim;
    private final String issuer;
    private final List<String> audience;

    private JwtAuthenticator(Builder b) {
        this.issuer = b.issuer;
        this.audience = b.audience;
        this.clock = b.clock;
        this.maxLifetime = b.maxLifetime;
        this.userClaim = b.userClaim;
        this.hs256 = b.secret == null ? null : Algorithm.HMAC256(b.secret);
        this.hsVerifier = hs256 == null ? null : verifier(hs256, b);
        if (b.jwksUrl != null) {
            this.jwks = new JwksKeys(b.jwksUrl, b.clock, b.jwksMaxAge, b.jwksMinRefresh);
            this.rsVerifier = verifier(Algorithm.RSA256(new RsaKeys(jwks)), b);
            this.esVerifier = verifier(Algorithm.ECDSA256(new EcKeys(jwks)), b);
        } else {
            this.jwks = null;
            this.rsVerifier = null;
            this.esVerifier = null;
        }
    }

    private static JWTVerifier verifier(Algorithm algorithm, Builder b) {
        Verification v = JWT.require(algorithm).acceptLeeway(LEEWAY_SECONDS).withClaimPresence("exp");
        if (b.issuer != null) {
            v.withIssuer(b.issuer);
        }
        if (!b.audience.isEmpty()) {
            v.withAnyOfAudience(b.audience.toArray(String[]::new));
        }
        return ((JWTVerifier.BaseVerification) v).build(b.clock);
    }

    /** A builder: give at least an HS256 secret or a JWKS URL. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * An HS256 verifier and issuer with the defaults of {@link Builder}.
     *
     * @param secret the shared secret, at least {@value #MIN_SECRET_BYTES} bytes as UTF-8
     * @throws IllegalArgumentException if the secret is shorter
     */
    public static JwtAuthenticator hs256(String secret) {
        return builder().hs256Secret(secret).build();
    }

    /** As {@link #hs256(String)}, with the clock that decides expiry. */
    public static JwtAuthenticator hs256(String secret, Clock clock) {
        return builder().hs256Secret(secret).clock(clock).build();
    }

    /** The longest lifetime a token may have. */
    public Duration maxLifetime() {
        return maxLifetime;
    }

    @Override
    public Principal authenticate(String token) {
        DecodedJWT decoded;
        try {
            decoded = JWT.decode(token);
        } catch (JWTDecodeException e) {
            throw new AuthenticationException("invalid token: not a JWT");
        }
        JWTVerifier verifier = switch (decoded.getAlgorithm()) {
            case "HS256" -> hsVerifier;
            case "RS256" -> rsVerifier;
            case "ES256" -> esVerifier;
            default -> null;
        };
        if (verifier == null) {
            throw new AuthenticationException("invalid token: algorithm '" + decoded.getAlgorithm()
                    + "' is not accepted; accepted: " + String.join(", ", accepted()));
        }
        if (verifier != hsVerifier) {
            requireKnownKey(decoded);
        }
        DecodedJWT jwt;
        try {
            jwt = verifier.verify(decoded);
        } catch (TokenExpiredException e) {
            throw new AuthenticationException("token expired");
        } catch (SignatureVerificationException e) {
            throw new AuthenticationException("invalid token: its signature does not verify; it may have been signed"
                    + " with a different secret or key than this server's");
        } catch (JWTVerificationException e) {
            // The library's message names the failed check (signature, claim, format), never the token.
            throw new AuthenticationException("invalid token: " + e.getMessage());
        }
        checkLifetime(jwt);
        return new Principal(userId(jwt), scopes(jwt.getClaim("scope")));
    }

    private List<String> accepted() {
        var names = new java.util.ArrayList<String>();
        if (hsVerifier != null) {
            names.add("HS256");
        }
        if (jwks != null) {
            names.add("RS256");
            names.add("ES256");
        }
        return names;
    }

    private void requireKnownKey(DecodedJWT decoded) {
        String kid = decoded.getKeyId();
        if (kid == null || kid.isBlank()) {
            throw new AuthenticationException("invalid token: no 'kid' header naming the signing key");
        }
        PublicKey key;
        try {
            key = jwks.find(kid);
        } catch (JwksKeys.UnavailableException e) {
            throw new ApiException(ApiError.AUTH_UNAVAILABLE, ApiError.AUTH_UNAVAILABLE.hint());
        }
        if (key == null) {
            throw new AuthenticationException("invalid token: its 'kid' names no key of the identity provider's key set");
        }
    }

    private void checkLifetime(DecodedJWT jwt) {
        Instant expires = jwt.getExpiresAtAsInstant();
        Instant now = clock.instant();
        Duration allowed = maxLifetime.plusSeconds(LEEWAY_SECONDS);
        if (Duration.between(now, expires).compareTo(allowed) > 0) {
            throw new AuthenticationException("invalid token: it expires more than " + maxLifetime.toSeconds()
                    + " s from now, beyond the longest lifetime accepted");
        }
        Instant issued = jwt.getIssuedAtAsInstant();
        if (issued != null && Duration.between(issued, expires).compareTo(allowed) > 0) {
            throw new AuthenticationException("invalid token: exp - iat is more than " + maxLifetime.toSeconds()
                    + " s, the longest lifetime accepted");
        }
    }

    private String userId(DecodedJWT jwt) {
        Claim claim = jwt.getClaim(userClaim);
        String id = null;
        if (!claim.isMissing() && !claim.isNull()) {
            id = claim.asString();
            if (id == null && claim.asLong() != null && claim.asDouble() != null
                    && claim.asDouble() == Math.rint(claim.asDouble())) {
                id = Long.toString(claim.asLong());
            }
        }
        if (id == null || id.isBlank()) {
            throw new AuthenticationException("invalid token: no '" + userClaim + "' claim with the user id");
        }
        return InputRules.text(userClaim, id);
    }

    private static Set<String> scopes(Claim claim) {
        if (claim.isMissing() || claim.isNull()) {
            return Set.of();
        }
        String text = claim.asString();
        if (text != null) {
            return new LinkedHashSet<>(Arrays.asList(text.trim().split("\\s+")));
        }
        List<String> list = claim.asList(String.class);
        return list == null ? Set.of() : new LinkedHashSet<>(list);
    }

    /**
     * Issues an HS256 token this authenticator accepts, with the configured issuer as {@code iss}
     * and the first configured audience as {@code aud}.
     *
     * @param userId the user id, written to the user id claim ({@code sub} by default)
     * @param scopes granted scopes, written as a space-separated {@code scope} claim
     * @param ttl    how long the token is valid, at most {@link #maxLifetime()}
     * @return the compact JWS
     * @throws IllegalArgumentException if {@code ttl} is not positive or exceeds the maximum lifetime
     * @throws IllegalStateException    if this authenticator has no HS256 secret
     */
    public String issue(String userId, Set<String> scopes, Duration ttl) {
        if (hs256 == null) {
            throw new IllegalStateException("this authenticator has no HS256 secret to sign with");
        }
        if (ttl.isZero() || ttl.isNegative() || ttl.compareTo(maxLifetime) > 0) {
            throw new IllegalArgumentException("a token's lifetime must be > 0 and at most " + maxLifetime
                    + " (the longest lifetime accepted) but was " + ttl);
        }
        Instant now = clock.instant();
        var builder = JWT.create()
                .withIssuedAt(now)
                .withExpiresAt(now.plus(ttl))
                .withClaim(userClaim, userId);
        if (!scopes.isEmpty()) {
            builder.withClaim("scope", String.join(" ", scopes));
        }
        if (issuer != null) {
            builder.withIssuer(issuer);
        }
        if (!audience.isEmpty()) {
            builder.withAudience(audience.get(0));
        }
        return builder.sign(hs256);
    }

    /** Settings of a {@link JwtAuthenticator}; {@link #build()} validates them. */
    public static final class Builder {
        private String secret;
        private URI jwksUrl;
        private String issuer;
        private List<String> audience = List.of();
        private String userClaim = DEFAULT_USER_CLAIM;
        private Duration maxLifetime = DEFAULT_MAX_LIFETIME;
        private Duration jwksMaxAge = DEFAULT_JWKS_MAX_AGE;
        private Duration jwksMinRefresh = DEFAULT_JWKS_MIN_REFRESH;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** Accepts HS256 tokens signed with this secret, at least {@value #MIN_SECRET_BYTES} bytes as UTF-8. */
        public Builder hs256Secret(String secret) {
            this.secret = secret;
            return this;
        }

        /**
         * Accepts RS256 and ES256 tokens signed with a key of this JSON Web Key Set (an identity
         * provider's {@code jwks_uri}, e.g. Keycloak's {@code .../protocol/openid-connect/certs}).
         */
        public Builder jwksUrl(URI url) {
            this.jwksUrl = url;
            return this;
        }

        /** Requires {@code iss} to equal this; null (the default) does not check it. */
        public Builder issuer(String issuer) {
            this.issuer = issuer;
            return this;
        }

        /** Requires {@code aud} to contain one of these; empty (the default) does not check it. */
        public Builder audience(List<String> audience) {
            this.audience = List.copyOf(audience);
            return this;
        }

        /** The claim holding the user id; default {@value #DEFAULT_USER_CLAIM}. */
        public Builder userClaim(String claim) {
            this.userClaim = claim;
            return this;
        }

        /** The longest lifetime accepted ({@code exp - iat} and {@code exp - now}); default 24 h. */
        public Builder maxLifetime(Duration maxLifetime) {
            this.maxLifetime = maxLifetime;
            return this;
        }

        /** How long a fetched key set is used before it is fetched again; default 10 min. */
        public Builder jwksMaxAge(Duration maxAge) {
            this.jwksMaxAge = maxAge;
            return this;
        }

        /** Least time between key-set fetches caused by unknown key ids; default 10 s. */
        public Builder jwksMinRefreshInterval(Duration interval) {
            this.jwksMinRefresh = interval;
            return this;
        }

        /** The clock that decides expiry and key-set age; default the system UTC clock. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** @throws IllegalArgumentException naming the first setting that is missing or out of range */
        public JwtAuthenticator build() {
            if (secret == null && jwksUrl == null) {
                throw new IllegalArgumentException("a JWT authenticator needs an HS256 secret, a JWKS URL, or both");
            }
            if (secret != null) {
                int length = secret.getBytes(StandardCharsets.UTF_8).length;
                if (length < MIN_SECRET_BYTES) {
                    throw new IllegalArgumentException("JWT secret must be at least " + MIN_SECRET_BYTES
                            + " bytes but was " + length);
                }
            }
            if (jwksUrl != null && !("https".equalsIgnoreCase(jwksUrl.getScheme())
                    || "http".equalsIgnoreCase(jwksUrl.getScheme())) || jwksUrl != null && jwksUrl.getHost() == null) {
                throw new IllegalArgumentException("the JWKS URL must be an http(s) URL but was '" + jwksUrl + "'");
            }
            if (userClaim == null || userClaim.isBlank()) {
                throw new IllegalArgumentException("the user id claim must not be blank");
            }
            requirePositive("maxLifetime", maxLifetime);
            requirePositive("jwksMaxAge", jwksMaxAge);
            Objects.requireNonNull(jwksMinRefresh, "jwksMinRefreshInterval");
            if (jwksMinRefresh.isNegative()) {
                throw new IllegalArgumentException("jwksMinRefreshInterval must be >= 0 but was " + jwksMinRefresh);
            }
            if (issuer != null && issuer.isBlank()) {
                throw new IllegalArgumentException("the issuer must not be blank");
            }
            Objects.requireNonNull(clock, "clock");
            return new JwtAuthenticator(this);
        }

        private static void requirePositive(String name, Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(name + " must be > 0 but was " + d);
            }
        }
    }

    /** RS256 keys from the key set; java-jwt asks by {@code kid}. */
    private record RsaKeys(JwksKeys keys) implements RSAKeyProvider {
        @Override
        public RSAPublicKey getPublicKeyById(String kid) {
            return keys.find(kid) instanceof RSAPublicKey k ? k : null;
        }

        @Override
        public RSAPrivateKey getPrivateKey() {
            return null;
        }

        @Override
        public String getPrivateKeyId() {
            return null;
        }
    }

    /** ES256 keys from the key set. */
    private record EcKeys(JwksKeys keys) implements ECDSAKeyProvider {
        @Override
        public ECPublicKey getPublicKeyById(String kid) {
            return keys.find(kid) instanceof ECPublicKey k ? k : null;
        }

        @Override
        public ECPrivateKey getPrivateKey() {
            return null;
        }

        @Override
        public String getPrivateKeyId() {
            return null;
        }
    }
}
