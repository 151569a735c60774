package dev.notify.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;
import com.sun.net.httpserver.HttpServer;
import dev.notify.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's {@code NOTIFY_JWT_*} settings, end to end: a real JWKS endpoint, real HTTP requests, the CLI. */
class ServerTokensTest {
    private static final String ISSUER = "https://idp.example.com/realms/shop";

    @TempDir
    Path dataDir;
    private HttpServer jwks;
    private KeyPair rsa;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void startJwks() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        rsa = g.generateKeyPair();
        RSAPublicKey pub = (RSAPublicKey) rsa.getPublic();
        var b64 = Base64.getUrlEncoder().withoutPadding();
        Map<String, Object> jwk = Map.of("kty", "RSA", "kid", "k1", "use", "sig", "alg", "RS256",
                "n", b64.encodeToString(unsigned(pub.getModulus())), "e", b64.encodeToString(unsigned(pub.getPublicExponent())));
        byte[] body = Json.write(Map.of("keys", List.of(jwk))).getBytes(StandardCharsets.UTF_8);
        jwks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        jwks.createContext("/certs", exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        jwks.start();
    }

    @AfterEach
    void stopJwks() {
        jwks.stop(0);
    }

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("NOTIFY_PORT", "0");
        env.put("NOTIFY_DATA_DIR", dataDir.toString());
        env.put("NOTIFY_JWT_JWKS_URL", "http://127.0.0.1:" + jwks.getAddress().getPort() + "/certs");
        env.put("NOTIFY_JWT_ISSUER", ISSUER);
        env.put("NOTIFY_JWT_AUDIENCE", "notify, account");
        env.put("NOTIFY_JWT_USER_CLAIM", "preferred_username");
        env.put("NOTIFY_JWT_MAX_LIFETIME", "2h");
        return env;
    }

    private JWTCreator.Builder idpToken(Duration ttl) {
        Instant now = Instant.now();
        return JWT.create().withKeyId("k1").withIssuer(ISSUER).withAudience("account")
                .withClaim("preferred_username", "alice").withSubject("f3a1-uuid")
                .withIssuedAt(now).withExpiresAt(now.plus(ttl));
    }

    private String sign(JWTCreator.Builder token) {
        return token.sign(Algorithm.RSA256((RSAPublicKey) rsa.getPublic(), (RSAPrivateKey) rsa.getPrivate()));
    }

    private HttpResponse<String> inbox(NotifyServer server, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + "/api/v1/notifications"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void identityProviderTokensAreAcceptedNextToTheServersOwnAndBadOnesAre401() throws Exception {
        ByteArrayOutputStream banner = new ByteArrayOutputStream();
        try (NotifyServer server = NotifyServer.start(ServerConfig.fromEnvironment(env()), env(),
                new PrintStream(banner, true, StandardCharsets.UTF_8))) {
            assertThat(banner.toString(StandardCharsets.UTF_8)).contains("RS256/ES256 from http://127.0.0.1:")
                    .contains("PT2H").contains("iss checked").contains("aud checked");
            HttpResponse<String> ok = inbox(server, sign(idpToken(Duration.ofMinutes(5))));
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            String own = server.authenticator().issue("bob", Set.of(), Duration.ofMinutes(5));
            assertThat(inbox(server, own).statusCode()).isEqualTo(200);

            Instant now = Instant.now();
            for (String bad : List.of(
                    sign(idpToken(Duration.ofHours(3))),
                    sign(JWT.create().withKeyId("k1").withIssuer(ISSUER).withAudience("notify")
                            .withClaim("preferred_username", "alice").withIssuedAt(now)),
                    sign(idpToken(Duration.ofMinutes(5)).withIssuer("https://other.example.com")),
                    sign(idpToken(Duration.ofMinutes(5)).withAudience("billing")),
                    sign(idpToken(Duration.ofMinutes(5)).withKeyId("k2")),
                    JWT.create().withSubject("alice").withExpiresAt(now.plusSeconds(60)).withIssuer(ISSUER)
                            .withAudience("notify").sign(Algorithm.HMAC256("some-other-secret-some-other-secret-0")))) {
                HttpResponse<String> r = inbox(server, bad);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
                assertThat(r.body()).contains("\"code\":\"unauthenticated\"");
            }
        }
    }

    @Test
    void theCliTokenCommandIssuesTokensWithinTheMaximumLifetime() throws Exception {
        Map<String, String> env = env();
        Run tooLong = cli(env, "token", "--user", "alice", "--ttl", "3h");
        assertThat(tooLong.exit()).isNotZero();
        assertThat(tooLong.err()).contains("exceeds the longest token lifetime").contains("NOTIFY_JWT_MAX_LIFETIME");
        Run week = cli(Map.of("NOTIFY_DATA_DIR", dataDir.toString()), "token", "--user", "alice", "--ttl", "7d");
        assertThat(week.exit()).isNotZero();
        // The server makes its secret on start; the CLI signs with it.
        try (NotifyServer server = NotifyServer.start(ServerConfig.fromEnvironment(env), env,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            Run fine = cli(env, "token", "--user", "alice");
            assertThat(fine.exit()).as(fine.err()).isZero();
            assertThat(inbox(server, fine.out()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void malformedSettingsNameTheirVariable() {
        for (var bad : List.of(Map.entry("NOTIFY_JWT_MAX_LIFETIME", "forever"), Map.entry("NOTIFY_JWT_MAX_LIFETIME", "0h"),
                Map.entry("NOTIFY_JWT_JWKS_URL", "ftp://idp.example.com/certs"),
                Map.entry("NOTIFY_JWT_JWKS_URL", "not a url"))) {
            Map<String, String> env = new HashMap<>(env());
            env.put(bad.getKey(), bad.getValue());
            assertThatThrownBy(() -> ServerAuth.fromEnvironment(env, "a-secret-a-secret-a-secret-a-secret-0"))
                    .as(bad.toString()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad.getKey());
        }
        assertThat(ServerAuth.maxLifetime(Map.of())).isEqualTo(Duration.ofHours(24));
        assertThat(ServerAuth.maxLifetime(Map.of("NOTIFY_JWT_MAX_LIFETIME", "PT30M"))).isEqualTo(Duration.ofMinutes(30));
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run cli(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = NotifyCli.run(env, new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(exit, out.toString().trim(), err.toString().trim());
    }

    private static byte[] unsigned(BigInteger n) {
        byte[] raw = n.toByteArray();
        return raw.length > 1 && raw[0] == 0 ? java.util.Arrays.copyOfRange(raw, 1, raw.length) : raw;
    }
}
