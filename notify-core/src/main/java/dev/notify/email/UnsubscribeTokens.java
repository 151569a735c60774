package dev.notify.email;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.notify.InvalidRequestException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Signed tokens for one-click unsubscribe links (RFC 8058): each names a recipient, a channel and
 * a notification type, so the link turns off exactly that channel for that type. HS256-signed
 * JWTs (RFC 7519) with purpose claim {@code "unsubscribe"}, so an API token can never be used as
 * one or the other way round. They do not expire: a link in an old email keeps working.
 */
public final class UnsubscribeTokens {
    private static final String PURPOSE = "unsubscribe";

    private final Algorithm algorithm;
    private final JWTVerifier verifier;

    /**
     * @param secret signing secret, at least 32 bytes as UTF-8
     * @throws IllegalArgumentException if the secret is shorter
     */
    public UnsubscribeTokens(String secret) {
        Objects.requireNonNull(secret, "secret");
        if (secret.getBytes(StandardCharsets.UTF_8).length < 32) {
            throw new IllegalArgumentException("unsubscribe secret must be at least 32 bytes");
        }
        this.algorithm = Algorithm.HMAC256(secret);
        this.verifier = JWT.require(algorithm).withClaim("purpose", PURPOSE).build();
    }

    /** What an unsubscribe token stands for. */
    public record Target(String recipient, String channel, String type) {
    }

    /** A token for turning off {@code channel} deliveries of {@code type} to {@code recipient}. */
    public String issue(String recipient, String channel, String type) {
        return JWT.create()
                .withSubject(recipient)
                .withClaim("purpose", PURPOSE)
                .withClaim("ch", channel)
                .withClaim("type", type)
                .sign(algorithm);
    }

    /**
     * @throws InvalidRequestException with code {@code invalid_token} if the token is malformed,
     *                                 wrongly signed, or not an unsubscribe token
     */
    public Target verify(String token) {
        try {
            DecodedJWT jwt = verifier.verify(token);
            String channel = jwt.getClaim("ch").asString();
            String type = jwt.getClaim("type").asString();
            if (jwt.getSubject() == null || channel == null || type == null) {
                throw new JWTVerificationException("missing claims");
            }
            return new Target(jwt.getSubject(), channel, type);
        } catch (JWTVerificationException e) {
            throw new InvalidRequestException("invalid_token", "this unsubscribe link is not valid");
        }
    }
}
