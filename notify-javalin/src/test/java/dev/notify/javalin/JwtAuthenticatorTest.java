package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;
import com.sun.net.httpserver.HttpServer;
import dev.notify.InvalidRequestException;
import dev.notify.json.Json;
import dev.notify.testing.TestClock;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Token verification against a real JWKS endpoint (a JDK HTTP server on port 0 serving RSA and EC
 * keys generated here), with a clock the test moves: key rotation, expiry, lifetime, issuer,
 * audience, user id claim.
 */
class JwtAuthenticatorTest {
    private static final String SECRET = TestServer.SECRET;

    private final TestClock clock = new TestClock(Instant.parse("2026-06-01T12:00:00Z"));
    private final List<Map<String, Object>> published = new CopyOnWriteArrayList<>();
    private final AtomicInteger fetches = new AtomicInteger();
    private final AtomicBoolean down = new AtomicBoolean();
    private HttpServer jwks;
    private KeyPair rsa;
    private KeyPair ec;

    @BeforeEach
    void startJwks() throws Exception {
        rsa = rsaKeys();
        ec = ecKeys();
        published.add(rsaJwk("rsa-1", (RSAPublicKey) rsa.getPublic()));
        published.add(ecJwk("ec-1", (ECPublicKey) ec.getPublic()));
        published.add(Map.of("kty", "oct", "kid", "symmetric", "k", "c2VjcmV0")); // not usable: skipped
        jwks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        jwks.createContext("/.well-known/jwks.json", exchange -> {
            fetches.incrementAndGet();
            byte[] body = Json.write(Map.of("keys", List.copyOf(published))).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(down.get() ? 503 : 200, down.get() ? -1 : body.length);
            if (!down.get()) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        jwks.start();
    }

    @AfterEach
    void stopJwks() {
        jwks.stop(0);
    }

    private URI jwksUrl() {
        return URI.create("http://127.0.0.1:" + jwks.getAddress().getPort() + "/.well-known/jwks.json");
    }

    private JwtAuthenticator.Builder withJwks() {
        return JwtAuthenticator.builder().jwksUrl(jwksUrl()).clock(clock);
    }

    private JWTCreator.Builder token(String kid, String subject, Duration ttl) {
        Instant now = clock.instant();
        return JWT.create().withKeyId(kid).withSubject(subject).withIssuedAt(now).withExpiresAt(now.plus(ttl));
    }

    private Algorithm rs256(KeyPair keys) {
        return Algorithm.RSA256((RSAPublicKey) keys.getPublic(), (RSAPrivateKey) keys.getPrivate());
    }

    private Algorithm es256(KeyPair keys) {
        return Algorithm.ECDSA256((ECPublicKey) keys.getPublic(), (ECPrivateKey) keys.getPrivate());
    }

    @Test
    void acceptsRs256AndEs256TokensFromTheKeySetAndFetchesItOnce() {
        JwtAuthenticator auth = withJwks().build();
        for (int i = 0; i < 5; i++) {
            assertThat(auth.authenticate(token("rsa-1", "alice", Duration.ofMinutes(5))
                    .withClaim("scope", "publish").sign(rs256(rsa))))
                    .isEqualTo(new Principal("alice", Set.of("publish")));
            assertThat(auth.authenticate(token("ec-1", "bob", Duration.ofMinutes(5)).sign(es256(ec))).userId())
                    .isEqualTo("bob");
        }
        assertThat(fetches).hasValue(1);
    }

    @Test
    void aRotatedInKeyIsFetchedOnItsFirstTokenAndARemovedKeyIsRefusedOnceTheSetIsRefreshed() throws Exception {
        JwtAuthenticator auth = withJwks().jwksMaxAge(Duration.ofMinutes(10))
                .jwksMinRefreshInterval(Duration.ofSeconds(10)).build();
        assertThat(auth.authenticate(token("rsa-1", "alice", Duration.ofMinutes(5)).sign(rs256(rsa))).userId())
                .isEqualTo("alice");
        assertThat(fetches).hasValue(1);

        // The provider rotates: rsa-2 in, rsa-1 out. Until the set is fetched again, rsa-1 is cached.
        KeyPair next = rsaKeys();
        published.add(rsaJwk("rsa-2", (RSAPublicKey) next.getPublic()));
        published.removeIf(k -> "rsa-1".equals(k.get("kid")));
        String old = token("rsa-1", "alice", Duration.ofMinutes(5)).sign(rs256(rsa));
        assertThat(auth.authenticate(old).userId()).isEqualTo("alice");
        assertThat(fetches).hasValue(1);

        clock.advance(Duration.ofSeconds(11));
        String rotated = token("rsa-2", "alice", Duration.ofMinutes(5)).sign(rs256(next));
        assertThat(auth.authenticate(rotated).userId()).isEqualTo("alice");
        assertThat(fetches).as("the unknown kid made one fetch").hasValue(2);
        String oldAgain = token("rsa-1", "alice", Duration.ofMinutes(5)).sign(rs256(rsa));
        assertThatThrownBy(() -> auth.authenticate(oldAgain)).isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("kid");

        // A key removed with no new one to announce it stops working once the set is older than its maximum age.
        published.removeIf(k -> "ec-1".equals(k.get("kid")));
        assertThat(auth.authenticate(token("ec-1", "bob", Duration.ofMinutes(5)).sign(es256(ec))).userId())
                .isEqualTo("bob");
        clock.advance(Duration.ofMinutes(10));
        String ecLater = token("ec-1", "bob", Duration.ofMinutes(5)).sign(es256(ec));
        assertThatThrownBy(() -> auth.authenticate(ecLater)).isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("kid");
        assertThat(fetches).hasValue(3);
        assertThat(auth.authenticate(token("rsa-2", "alice", Duration.ofMinutes(5)).sign(rs256(next))).userId())
                .isEqualTo("alice");
        assertThat(fetches).hasValue(3);
    }

    @Test
    void unknownKeyIdsFetchTheSetAtMostOncePerInterval() {
        JwtAuthenticator auth = withJwks().jwksMinRefreshInterval(Duration.ofSeconds(10)).build();
        auth.authenticate(token("rsa-1", "alice", Duration.ofMinutes(5)).sign(rs256(rsa)));
        for (int i = 0; i < 20; i++) {
            String madeUp = token("made-up-" + i, "alice", Duration.ofMinutes(5)).sign(rs256(rsa));
            assertThatThrownBy(() -> auth.authenticate(madeUp)).isInstanceOf(AuthenticationException.class);
        }
        assertThat(fetches).as("one initial fetch, one for the first unknown kid at most").hasValue(1);
        clock.advance(Duration.ofSeconds(11));
        String madeUp = token("made-up-x", "alice", Duration.ofMinutes(5)).sign(rs256(rsa));
        assertThatThrownBy(() -> auth.authenticate(madeUp)).isInstanceOf(AuthenticationException.class);
        assertThat(fetches).hasValue(2);
    }

    @Test
    void aKeySetThatCannotBeFetchedIs503UnlessTheKeyIsCached() {
        JwtAuthenticator auth = withJwks().build();
        down.set(true);
        String token = token("rsa-1", "alice", Duration.ofMinutes(5)).sign(rs256(rsa));
        assertThatThrownBy(() -> auth.authenticate(token)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.code()).isEqualTo("auth_unavailable");
        });
        down.set(false);
        clock.advance(Duration.ofSeconds(11));
        assertThat(auth.authenticate(token).userId()).isEqualTo("alice");
        // Down again after the set went stale: the cached key keeps working.
        down.set(true);
        clock.advance(Duration.ofMinutes(11));
        String later = token("rsa-1", "alice", Duration.ofMinutes(5)).sign(rs256(rsa));
        assertThat(auth.authenticate(later).userId()).isEqualTo("alice");
    }

    @Test
    void refusesTokensWithoutExpOrLivingLongerThanTheMaximum() {
        JwtAuthenticator auth = withJwks().hs256Secret(SECRET).maxLifetime(Duration.ofHours(1)).build();
        Instant now = clock.instant();
        List<String> refused = new ArrayList<>();
        refused.add(JWT.create().withKeyId("rsa-1").withSubject("alice").withIssuedAt(now).sign(rs256(rsa)));
        refused.add(JWT.create().withSubject("alice").sign(Algorithm.HMAC256(SECRET)));
        refused.add(token("rsa-1", "alice", Duration.ofHours(2)).sign(rs256(rsa)));
        // exp - now fits, exp - iat does not.
        refused.add(JWT.create().withKeyId("rsa-1").withSubject("alice").withIssuedAt(now.minus(Duration.ofHours(2)))
                .withExpiresAt(now.plus(Duration.ofMinutes(30))).sign(rs256(rsa)));
        // No iat, exp a year away.
        refused.add(JWT.create().withSubject("alice").withExpiresAt(now.plus(Duration.ofDays(365)))
                .sign(Algorithm.HMAC256(SECRET)));
        // Expired.
        refused.add(JWT.create().withSubject("alice").withIssuedAt(now.minus(Duration.ofMinutes(10)))
                .withExpiresAt(now.minus(Duration.ofMinutes(1))).sign(Algorithm.HMAC256(SECRET)));
        for (String token : refused) {
            assertThatThrownBy(() -> auth.authenticate(token)).as(token)
                    .isInstanceOfSatisfying(AuthenticationException.class,
                            e -> assertThat(e.code()).isEqualTo("unauthenticated"));
        }
        assertThat(auth.authenticate(JWT.create().withSubject("alice").withExpiresAt(now.plus(Duration.ofMinutes(59)))
                .sign(Algorithm.HMAC256(SECRET))).userId()).isEqualTo("alice");
        assertThatThrownBy(() -> auth.issue("alice", Set.of(), Duration.ofHours(2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT1H");
    }

    @Test
    void checksIssuerAndAudienceWhenConfigured() {
        JwtAuthenticator auth = withJwks().issuer("https://idp.example.com/realms/shop")
                .audience(List.of("notify", "other")).build();
        String good = token("rsa-1", "alice", Duration.ofMinutes(5)).withIssuer("https://idp.example.com/realms/shop")
                .withAudience("notify").sign(rs256(rsa));
        assertThat(auth.authenticate(good).userId()).isEqualTo("alice");
        for (String bad : List.of(
                token("rsa-1", "alice", Duration.ofMinutes(5)).withAudience("notify").sign(rs256(rsa)),
                token("rsa-1", "alice", Duration.ofMinutes(5)).withIssuer("https://evil.example.com")
                        .withAudience("notify").sign(rs256(rsa)),
                token("rsa-1", "alice", Duration.ofMinutes(5)).withIssuer("https://idp.example.com/realms/shop")
                        .sign(rs256(rsa)),
                token("rsa-1", "alice", Duration.ofMinutes(5)).withIssuer("https://idp.example.com/realms/shop")
                        .withAudience("billing").sign(rs256(rsa)))) {
            assertThatThrownBy(() -> auth.authenticate(bad)).isInstanceOf(AuthenticationException.class);
        }
    }

    @Test
    void refusesAlgorithmsItHasNoKeysForAndKeysOfTheWrongType() {
        JwtAuthenticator jwksOnly = withJwks().build();
        String hs = JWT.create().withSubject("alice").withExpiresAt(clock.instant().plusSeconds(60))
                .sign(Algorithm.HMAC256(SECRET));
        assertThatThrownBy(() -> jwksOnly.authenticate(hs)).isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("HS256");
        // An RS256 token whose kid names the EC key; an ES256 token naming the RSA key.
        String mismatched = token("ec-1", "alice", Duration.ofMinutes(5)).sign(rs256(rsa));
        assertThatThrownBy(() -> jwksOnly.authenticate(mismatched)).isInstanceOf(AuthenticationException.class);
        String mismatched2 = token("rsa-1", "alice", Duration.ofMinutes(5)).sign(es256(ec));
        assertThatThrownBy(() -> jwksOnly.authenticate(mismatched2)).isInstanceOf(AuthenticationException.class);
        String noKid = JWT.create().withSubject("alice").withExpiresAt(clock.instant().plusSeconds(60)).sign(rs256(rsa));
        assertThatThrownBy(() -> jwksOnly.authenticate(noKid)).isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("kid");
        String signedByAnother = token("rsa-1", "alice", Duration.ofMinutes(5)).sign(rs256(rsaKeys()));
        assertThatThrownBy(() -> jwksOnly.authenticate(signedByAnother)).isInstanceOf(AuthenticationException.class);

        JwtAuthenticator hsOnly = JwtAuthenticator.builder().hs256Secret(SECRET).clock(clock).build();
        String rs = token("rsa-1", "alice", Duration.ofMinutes(5)).sign(rs256(rsa));
        assertThatThrownBy(() -> hsOnly.authenticate(rs)).isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("RS256");
        assertThat(fetches).as("an HS256-only authenticator fetches nothing").hasValue(1);
    }

    @Test
    void theUserIdComesFromTheConfiguredClaimAndMustBeCleanText() {
        JwtAuthenticator auth = withJwks().userClaim("preferred_username").build();
        String token = token("rsa-1", "ignored-sub", Duration.ofMinutes(5)).withClaim("preferred_username", "carol")
                .sign(rs256(rsa));
        assertThat(auth.authenticate(token).userId()).isEqualTo("carol");
        String without = token("rsa-1", "ignored-sub", Duration.ofMinutes(5)).sign(rs256(rsa));
        assertThatThrownBy(() -> auth.authenticate(without)).isInstanceOf(AuthenticationException.class)
                .hasMessageContaining("preferred_username");
        String numeric = token("rsa-1", "x", Duration.ofMinutes(5)).withClaim("preferred_username", 42L)
                .sign(rs256(rsa));
        assertThat(auth.authenticate(numeric).userId()).isEqualTo("42");
        String nul = token("rsa-1", "x", Duration.ofMinutes(5)).withClaim("preferred_username", "ca\u0000rol")
                .sign(rs256(rsa));
        assertThatThrownBy(() -> auth.authenticate(nul)).isInstanceOfSatisfying(InvalidRequestException.class, e -> {
            assertThat(e.code()).isEqualTo("invalid_text");
            assertThat(e.field()).isEqualTo("preferred_username");
        });

        JwtAuthenticator issuer = JwtAuthenticator.builder().hs256Secret(SECRET).userClaim("uid").clock(clock).build();
        assertThat(issuer.authenticate(issuer.issue("dave", Set.of(), Duration.ofMinutes(5))).userId()).isEqualTo("dave");
    }

    @Test
    void refusesBadSettings() {
        assertThatThrownBy(() -> JwtAuthenticator.builder().build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JwtAuthenticator.builder().hs256Secret("short").build())
                .hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> JwtAuthenticator.builder().jwksUrl(URI.create("file:///etc/keys")).build())
                .hasMessageContaining("http");
        assertThatThrownBy(() -> JwtAuthenticator.builder().hs256Secret(SECRET).maxLifetime(Duration.ZERO).build())
                .hasMessageContaining("maxLifetime");
    }

    // ---- keys ----

    static KeyPair rsaKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair ecKeys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** An RSA public key as a JWK (RFC 7518 section 6.3.1). */
    static Map<String, Object> rsaJwk(String kid, RSAPublicKey key) {
        var jwk = new LinkedHashMap<String, Object>();
        jwk.put("kty", "RSA");
        jwk.put("kid", kid);
        jwk.put("use", "sig");
        jwk.put("alg", "RS256");
        jwk.put("n", unsigned(key.getModulus(), 0));
        jwk.put("e", unsigned(key.getPublicExponent(), 0));
        return jwk;
    }

    /** A P-256 public key as a JWK (RFC 7518 section 6.2.1). */
    static Map<String, Object> ecJwk(String kid, ECPublicKey key) {
        var jwk = new LinkedHashMap<String, Object>();
        jwk.put("kty", "EC");
        jwk.put("kid", kid);
        jwk.put("use", "sig");
        jwk.put("alg", "ES256");
        jwk.put("crv", "P-256");
        jwk.put("x", unsigned(key.getW().getAffineX(), 32));
        jwk.put("y", unsigned(key.getW().getAffineY(), 32));
        return jwk;
    }

    /** Big-endian unsigned bytes, left-padded to {@code length} (0: minimal), base64url. */
    private static String unsigned(BigInteger n, int length) {
        byte[] raw = n.toByteArray();
        int start = raw.length > 1 && raw[0] == 0 ? 1 : 0;
        int size = raw.length - start;
        byte[] out = new byte[Math.max(size, length)];
        System.arraycopy(raw, start, out, out.length - size, size);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(out);
    }
}
