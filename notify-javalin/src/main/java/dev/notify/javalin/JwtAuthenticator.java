package dev.notify.javalin;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Verifies JSON Web Tokens (RFC 7519) signed with HS256 (RFC 7518 section 3.2), with java-jwt.
 * The {@code sub} claim is the user id; {@code scope} holds granted scopes, either as a
 * space-separated string (RFC 8693 section 4.2) or as an array. Tokens signed with another
 * algorithm, including {@code alg: none}, are rejected, as are expired ones ({@code exp}, with
 * {@value #LEEWAY_SECONDS} s leeway).
 */
public final class JwtAuthenticator implements Authenticator {
    /** Clock skew tolerated on {@code exp}, {@code nbf} and {@code iat}, in seconds. */
    public static final long LEEWAY_SECONDS = 5;
    /** Shortest HS256 secret accepted, in bytes (RFC 7518 section 3.2: at least the hash size). */
    public static final int MIN_SECRET_BYTES = 32;

    private final Algorithm algorithm;
    private final JWTVerifier verifier;
    private final Clock clock;

    private JwtAuthenticator(Algorithm algorithm, Clock clock) {
        this.algorithm = algorithm;
        this.clock = clock;
        this.verifier = ((JWTVerifier.BaseVerification) JWT.require(algorithm).acceptLeeway(LEEWAY_SECONDS))
                .build(clock);
    }

    /**
     * An HS256 verifier and issuer.
     *
     * @param secret the shared secret, at least {@value #MIN_SECRET_BYTES} bytes as UTF-8
     * @throws IllegalArgumentException if the secret is shorter
     */
    public static JwtAuthenticator hs256(String secret) {
        return hs256(secret, Clock.systemUTC());
    }

    /** As {@link #hs256(String)}, with the clock that decides expiry. */
    public static JwtAuthenticator hs256(String secret, Clock clock) {
        Objects.requireNonNull(secret, "secret");
        int length = secret.getBytes(StandardCharsets.UTF_8).length;
        if (length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("JWT secret must be at least " + MIN_SECRET_BYTES
                    + " bytes but was " + length);
        }
        return new JwtAuthenticator(Algorithm.HMAC256(secret), Objects.requireNonNull(clock, "clock"));
    }

    @Override
    public Principal authenticate(String token) {
        DecodedJWT jwt;
        try {
            jwt = verifier.verify(token);
        } catch (TokenExpiredException e) {
            throw new AuthenticationException("token expired");
        } catch (SignatureVerificationException e) {
            throw new AuthenticationException("invalid token: its signature does not verify; it may have been signed"
                    + " with a different secret or key than this server's");
        } catch (JWTVerificationException e) {
            // The library's message names the failed check (signature, algorithm, format), never the token.
            throw new AuthenticationException("invalid token: " + e.getMessage());
        }
        String subject = jwt.getSubject();
        if (subject == null || subject.isBlank()) {
            throw new AuthenticationException("invalid token: no 'sub' claim");
        }
        return new Principal(subject, scopes(jwt.getClaim("scope")));
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
     * Issues a token this authenticator accepts.
     *
     * @param userId the {@code sub}
     * @param scopes granted scopes, written as a space-separated {@code scope} claim
     * @param ttl    how long the token is valid
     * @return the compact JWS
     */
    public String issue(String userId, Set<String> scopes, Duration ttl) {
        Instant now = clock.instant();
        var builder = JWT.create()
                .withSubject(userId)
                .withIssuedAt(now)
                .withExpiresAt(now.plus(ttl));
        if (!scopes.isEmpty()) {
            builder.withClaim("scope", String.join(" ", scopes));
        }
        return builder.sign(algorithm);
    }
}
