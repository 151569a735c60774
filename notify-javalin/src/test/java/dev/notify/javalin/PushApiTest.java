package dev.notify.javalin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.notify.push.PushChannel;
import dev.notify.push.PushSettings;
import dev.notify.push.VapidKeys;
import java.math.BigInteger;
import java.net.http.HttpResponse;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PushApiTest {
    private static final String ENDPOINT = "https://93.184.216.34/wpush/v2/abc";
    private TestServer server;
    private final VapidKeys keys = VapidKeys.generate();

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void startWithPush() {
        server = new TestServer(b -> b.channel(new PushChannel(PushSettings.builder().keys(keys)
                .subject("mailto:ops@example.com").build())), c -> { });
    }

    /** A browser's subscription JSON with a fresh P-256 key (65-byte uncompressed point) and 16-byte auth. */
    private static String subscriptionJson(String endpoint) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        ECPublicKey pub = (ECPublicKey) g.generateKeyPair().getPublic();
        byte[] point = new byte[65];
        point[0] = 4;
        copy32(pub.getW().getAffineX(), point, 1);
        copy32(pub.getW().getAffineY(), point, 33);
        var b64 = Base64.getUrlEncoder().withoutPadding();
        return "{\"endpoint\":\"" + endpoint + "\",\"expirationTime\":null,\"keys\":{\"p256dh\":\""
                + b64.encodeToString(point) + "\",\"auth\":\"" + b64.encodeToString(new byte[16]) + "\"}}";
    }

    private static void copy32(BigInteger n, byte[] out, int offset) {
        byte[] raw = n.toByteArray();
        int len = Math.min(raw.length, 32);
        System.arraycopy(raw, raw.length - len, out, offset + 32 - len, len);
    }

    @Test
    void publicKeyIsServedWithoutAuthentication() {
        startWithPush();
        HttpResponse<String> r = server.get("/api/v1/notifications/push/public-key", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(TestServer.body(r)).containsEntry("public_key", keys.publicKeyBase64Url());
    }

    @Test
    void subscribeStoresOnceAndOnlyTheOwnerCanUnsubscribe() throws Exception {
        startWithPush();
        String alice = server.token("alice");
        String json = subscriptionJson(ENDPOINT);
        assertThat(server.post("/api/v1/notifications/push/subscribe", alice, json).statusCode()).isEqualTo(201);
        assertThat(server.post("/api/v1/notifications/push/subscribe", alice, json).statusCode()).isEqualTo(201);
        var list = TestServer.body(server.get("/api/v1/notifications/push/subscriptions", alice));
        assertThat((List<?>) list.get("subscriptions")).hasSize(1);

        // A notification now queues one push delivery.
        server.create("alice", "hello");
        assertThat(server.notify.outbox().list(null, "push", 0, 10)).hasSize(1);

        String bob = server.token("bob");
        String body = "{\"endpoint\":\"" + ENDPOINT + "\"}";
        assertThat(server.post("/api/v1/notifications/push/unsubscribe", bob, body).statusCode()).isEqualTo(404);
        assertThat(server.post("/api/v1/notifications/push/unsubscribe", alice, body).statusCode()).isEqualTo(204);
        assertThat((List<?>) TestServer.body(server.get("/api/v1/notifications/push/subscriptions", alice))
                .get("subscriptions")).isEmpty();
    }

    @Test
    void badSubscriptionsAreRejectedAndNothingIsStored() throws Exception {
        startWithPush();
        String alice = server.token("alice");
        Map<String, String> cases = Map.of(
                subscriptionJson("http://93.184.216.34/push"), "invalid_endpoint",
                subscriptionJson("https://127.0.0.1/push"), "invalid_endpoint",
                subscriptionJson("https://10.1.2.3/push"), "invalid_endpoint",
                subscriptionJson("not a url"), "invalid_endpoint",
                "{\"endpoint\":\"" + ENDPOINT + "\",\"keys\":{\"p256dh\":\"AAAA\",\"auth\":\"AAAA\"}}", "invalid_keys",
                "{\"endpoint\":\"" + ENDPOINT + "\"}", "invalid_subscription");
        cases.forEach((json, code) -> {
            HttpResponse<String> r = server.post("/api/v1/notifications/push/subscribe", alice, json);
            assertThat(r.statusCode()).as(json).isEqualTo(400);
            assertThat(r.body()).as(json).contains("\"code\":\"" + code + "\"");
        });
        assertThat((List<?>) TestServer.body(server.get("/api/v1/notifications/push/subscriptions", alice))
                .get("subscriptions")).isEmpty();
        assertThat(server.post("/api/v1/notifications/push/subscribe", null, subscriptionJson(ENDPOINT)).statusCode())
                .isEqualTo(401);
    }

    @Test
    void withoutAPushChannelTheEndpointsSayItIsNotConfigured() {
        server = new TestServer();
        HttpResponse<String> r = server.get("/api/v1/notifications/push/public-key", null);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).contains("push_not_configured");
    }

    @Test
    void serviceWorkerIsServed() {
        server = new TestServer();
        HttpResponse<String> r = server.get("/sw.js", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/javascript");
        assertThat(r.body()).contains("addEventListener(\"push\"").contains("notificationclick");
    }
}
