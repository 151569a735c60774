package dev.notify.server;

import dev.notify.javalin.JwtAuthenticator;
import java.net.URI;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The standalone server's token settings, read from the environment:
 *
 * <ul>
 *   <li>{@code NOTIFY_JWT_SECRET} — HS256 secret (see {@link ServerConfig}); HS256 tokens are
 *       always accepted, and the CLI's {@code token} command signs with it</li>
 *   <li>{@code NOTIFY_JWT_JWKS_URL} — an identity provider's JSON Web Key Set URL; RS256 and
 *       ES256 tokens signed with one of its keys are accepted too</li>
 *   <li>{@code NOTIFY_JWT_ISSUER} — if set, {@code iss} must equal it</li>
 *   <li>{@code NOTIFY_JWT_AUDIENCE} — if set, comma-separated; {@code aud} must contain one of them</li>
 *   <li>{@code NOTIFY_JWT_USER_CLAIM} — the claim holding the user id, default {@code sub}</li>
 *   <li>{@code NOTIFY_JWT_MAX_LIFETIME} — the longest token lifetime accepted, e.g. {@code 24h},
 *       {@code 30m}, {@code 7d} or {@code PT24H}; default 24h</li>
 * </ul>
 */
final class ServerAuth {
    static final String JWKS_URL = "NOTIFY_JWT_JWKS_URL";
    static final String ISSUER = "NOTIFY_JWT_ISSUER";
    static final String AUDIENCE = "NOTIFY_JWT_AUDIENCE";
    static final String USER_CLAIM = "NOTIFY_JWT_USER_CLAIM";
    static final String MAX_LIFETIME = "NOTIFY_JWT_MAX_LIFETIME";

    private ServerAuth() {
    }

    /**
     * @param secret the HS256 secret in effect ({@link ServerConfig#resolveJwtSecret()})
     * @throws IllegalArgumentException naming the variable that is malformed
     */
    static JwtAuthenticator fromEnvironment(Map<String, String> env, String secret) {
        JwtAuthenticator.Builder builder = JwtAuthenticator.builder().hs256Secret(secret);
        String jwks = ServerConfig.blankToNull(env.get(JWKS_URL));
        if (jwks != null) {
            URI url;
            try {
                url = URI.create(jwks.strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(JWKS_URL + " must be an http(s) URL but was '" + jwks + "'");
            }
            if (url.getScheme() == null || !url.getScheme().matches("(?i)https?") || url.getHost() == null) {
                throw new IllegalArgumentException(JWKS_URL + " must be an http(s) URL but was '" + jwks + "'");
            }
            builder.jwksUrl(url);
        }
        String issuer = ServerConfig.blankToNull(env.get(ISSUER));
        if (issuer != null) {
            builder.issuer(issuer.strip());
        }
        String audience = ServerConfig.blankToNull(env.get(AUDIENCE));
        if (audience != null) {
            builder.audience(Arrays.stream(audience.split(",")).map(String::strip).filter(a -> !a.isEmpty()).toList());
        }
        String claim = ServerConfig.blankToNull(env.get(USER_CLAIM));
        if (claim != null) {
            builder.userClaim(claim.strip());
        }
        builder.maxLifetime(maxLifetime(env));
        return builder.build();
    }

    /** {@code NOTIFY_JWT_MAX_LIFETIME}, or the default. */
    static Duration maxLifetime(Map<String, String> env) {
        String raw = ServerConfig.blankToNull(env.get(MAX_LIFETIME));
        if (raw == null) {
            return JwtAuthenticator.DEFAULT_MAX_LIFETIME;
        }
        Duration d = parseDuration(raw);
        if (d == null) {
            throw new IllegalArgumentException(MAX_LIFETIME + " must be a positive duration like 30m, 24h, 7d or PT24H"
                    + " but was '" + raw + "'");
        }
        return d;
    }

    /** {@code 30s}, {@code 15m}, {@code 1h}, {@code 7d} or an ISO-8601 duration; null if malformed or not positive. */
    static Duration parseDuration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            Duration d;
            if (t.startsWith("p")) {
                d = Duration.parse(t.toUpperCase(Locale.ROOT));
            } else {
                long n = Long.parseLong(t.substring(0, t.length() - 1));
                d = switch (t.charAt(t.length() - 1)) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    case 'd' -> Duration.ofDays(n);
                    default -> null;
                };
            }
            return d == null || d.isNegative() || d.isZero() ? null : d;
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException
                 | ArithmeticException e) {
            return null;
        }
    }

    /** One line for the start-up summary: which tokens are accepted. */
    static String describe(Map<String, String> env) {
        String jwks = ServerConfig.blankToNull(env.get(JWKS_URL));
        List<String> parts = new java.util.ArrayList<>();
        parts.add(jwks == null ? "HS256" : "HS256, RS256/ES256 from " + jwks.strip());
        parts.add("at most " + maxLifetime(env) + " long");
        if (ServerConfig.blankToNull(env.get(ISSUER)) != null) {
            parts.add("iss checked");
        }
        if (ServerConfig.blankToNull(env.get(AUDIENCE)) != null) {
            parts.add("aud checked");
        }
        return String.join(", ", parts);
    }
}
