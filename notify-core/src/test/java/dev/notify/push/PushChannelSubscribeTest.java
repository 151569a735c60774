package dev.notify.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.notify.InvalidRequestException;
import dev.notify.outbox.ChannelContext;
import dev.notify.testing.TestClock;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What {@link PushChannel#subscribe} accepts with the default, strict settings. */
class PushChannelSubscribeTest {
    /** A public address given literally, so that no test depends on DNS. */
    private static final String PUBLIC_ENDPOINT = "https://93.184.216.34/wpush/v2/abc";

    private final TestClock clock = new TestClock(Instant.parse("2026-11-02T09:00:00Z"));
    private final Rfc8291Receiver browser = Rfc8291Receiver.generate();
    private PushTestDatabase db;
    private PushChannel channel;

    @BeforeEach
    void setUp() {
        db = PushTestDatabase.create(PushTestDatabase.Kind.H2);
        channel = new PushChannel(PushSettings.builder().keys(VapidKeys.generate()).subject("mailto:ops@example.com")
                .build());
        channel.start(new ChannelContext(db.dataSource, clock));
    }

    @AfterEach
    void tearDown() {
        channel.close();
        db.close();
    }

    @Test
    void acceptsAPublicHttpsEndpoint() {
        StoredPushSubscription stored = channel.subscribe("alice", browser.subscription(PUBLIC_ENDPOINT), "Firefox");

        assertThat(channel.subscriptions("alice")).containsExactly(stored);
        assertThat(stored.createdAt()).isEqualTo(clock.instant());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not a url", "/relative/path", "ftp://93.184.216.34/x", "https:///no-host",
            "https://user:secret@93.184.216.34/x", "https://93.184.216.34/x#fragment", "mailto:a@example.com",
            "https://exa mple.com/x", "https://93.184.216.34/caf\u00e9"})
    void rejectsMalformedEndpoints(String endpoint) {
        assertThatThrownBy(() -> channel.subscribe("alice", browser.subscription(endpoint)))
                .isInstanceOfSatisfying(InvalidRequestException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_endpoint"));
        assertThat(channel.subscriptions("alice")).isEmpty();
    }

    @Test
    void rejectsOverlongEndpoints() {
        String endpoint = PUBLIC_ENDPOINT + "/" + "a".repeat(PushSubscription.ENDPOINT_MAX);

        assertThatThrownBy(() -> browser.subscription(endpoint))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("at most 2048 characters");
    }

    @Test
    void rejectsPlainHttpUnlessAllowed() {
        assertThatThrownBy(() -> channel.subscribe("alice", browser.subscription("http://93.184.216.34/x")))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.code()).isEqualTo("invalid_endpoint");
                    assertThat(e.getMessage()).contains("must be an https URL").contains("allowHttp");
                });
        assertThat(channel.subscriptions("alice")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://127.0.0.1/x", "https://localhost/x", "https://10.1.2.3/x", "https://172.16.0.9/x",
            "https://192.168.1.20/x", "https://169.254.169.254/latest/meta-data", "https://0.0.0.0/x",
            "https://224.0.0.1/x", "https://100.64.0.1/x", "https://255.255.255.255/x", "https://[::1]/x",
            "https://[fd00::1]/x", "https://[fe80::1]/x", "https://[::]/x", "https://[::ffff:10.0.0.1]/x",
            "https://[ff02::1]/x"})
    void rejectsLoopbackPrivateLinkLocalUnspecifiedAndMulticastEndpoints(String endpoint) {
        assertThatThrownBy(() -> channel.subscribe("alice", browser.subscription(endpoint)))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.code()).isEqualTo("invalid_endpoint");
                    assertThat(e.getMessage()).contains("allowPrivateEndpoints");
                });
        assertThat(channel.subscriptions("alice")).isEmpty();
    }

    @Test
    void acceptsPrivateEndpointsAndHttpWhenConfigured() {
        PushChannel lenient = new PushChannel(channel.settings().toBuilder().allowPrivateEndpoints(true).allowHttp(true)
                .build());
        lenient.start(new ChannelContext(db.dataSource, clock));
        try {
            lenient.subscribe("alice", browser.subscription("http://127.0.0.1:8080/push/1"));
            lenient.subscribe("alice", Rfc8291Receiver.generate().subscription("https://10.0.0.7/push/2"));

            assertThat(lenient.subscriptions("alice")).hasSize(2);
        } finally {
            lenient.close();
        }
    }

    @Test
    void rejectsKeysOfTheWrongShape() {
        String p256dh = Rfc8291Receiver.b64(browser.publicKey);
        String auth = Rfc8291Receiver.b64(browser.auth);
        byte[] notUncompressed = browser.publicKey.clone();
        notUncompressed[0] = 0x02;
        byte[] offCurve = browser.publicKey.clone();
        offCurve[64] ^= 1;

        assertInvalidKeys(Rfc8291Receiver.b64(java.util.Arrays.copyOf(browser.publicKey, 64)), auth, "65 bytes");
        assertInvalidKeys(Rfc8291Receiver.b64(notUncompressed), auth, "starting 0x02");
        assertInvalidKeys(Rfc8291Receiver.b64(offCurve), auth, "not a point on the P-256 curve");
        assertInvalidKeys("!!!", auth, "not base64url");
        assertInvalidKeys(null, auth, "keys.p256dh is required");
        assertInvalidKeys(p256dh, Rfc8291Receiver.b64(new byte[15]), "16 bytes but decoded to 15");
        assertInvalidKeys(p256dh, Rfc8291Receiver.b64(new byte[17]), "16 bytes but decoded to 17");
        assertInvalidKeys(p256dh, "", "keys.auth is required");
        assertThat(channel.subscriptions("alice")).isEmpty();
    }

    @Test
    void acceptsPaddedBase64UrlAndStoresItUnpadded() {
        String padded = Base64.getUrlEncoder().encodeToString(browser.publicKey);
        String authPadded = Base64.getUrlEncoder().encodeToString(browser.auth);
        assertThat(padded).endsWith("=");

        StoredPushSubscription stored = channel.subscribe("alice", new PushSubscription(PUBLIC_ENDPOINT, padded, authPadded));

        assertThat(stored.subscription().p256dh()).isEqualTo(Rfc8291Receiver.b64(browser.publicKey));
        assertThat(stored.subscription().auth()).isEqualTo(Rfc8291Receiver.b64(browser.auth));
    }

    @Test
    void sameEndpointTwiceIsStoredOnce() {
        channel.subscribe("alice", browser.subscription(PUBLIC_ENDPOINT));
        Rfc8291Receiver renewedKeys = Rfc8291Receiver.generate();

        channel.subscribe("alice", renewedKeys.subscription(PUBLIC_ENDPOINT));

        assertThat(channel.subscriptions("alice")).singleElement()
                .satisfies(s -> assertThat(s.subscription().p256dh()).isEqualTo(Rfc8291Receiver.b64(renewedKeys.publicKey)));
    }

    @Test
    void anotherUsersSubscriptionCannotBeRemovedByUnsubscribe() {
        channel.subscribe("bob", browser.subscription(PUBLIC_ENDPOINT));

        boolean removed = channel.unsubscribe("mallory", PUBLIC_ENDPOINT);

        assertThat(removed).isFalse();
        assertThat(channel.subscriptions("bob")).hasSize(1);
        assertThat(channel.unsubscribe("bob", PUBLIC_ENDPOINT)).isTrue();
        assertThat(channel.subscriptions("bob")).isEmpty();
    }

    @Test
    void readsTheBrowsersSubscriptionJson() {
        String json = """
                {"endpoint": "%s", "expirationTime": null,
                 "keys": {"p256dh": "%s", "auth": "%s"}}
                """.formatted(PUBLIC_ENDPOINT, Rfc8291Receiver.b64(browser.publicKey), Rfc8291Receiver.b64(browser.auth));

        PushSubscription s = PushSubscription.fromJson(json);

        assertThat(s).isEqualTo(browser.subscription(PUBLIC_ENDPOINT));
        assertThat(s.toString()).isEqualTo("PushSubscription[https://93.184.216.34/...]");
        assertThatThrownBy(() -> PushSubscription.fromJson("{\"endpoint\": \"" + PUBLIC_ENDPOINT + "\"}"))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.code()).isEqualTo("invalid_subscription");
                    assertThat(e.getMessage()).contains("keys.p256dh");
                });
        assertThatThrownBy(() -> PushSubscription.fromJson("[1,")).isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void publicKeyIsTheApplicationServerKey() {
        assertThat(channel.publicKey()).isEqualTo(channel.settings().keys().publicKeyBase64Url());
        assertThat(Base64.getUrlDecoder().decode(channel.publicKey())).hasSize(65);
    }

    @Test
    void refusesToWorkBeforeStart() {
        PushChannel unstarted = new PushChannel(channel.settings());

        assertThatThrownBy(() -> unstarted.subscriptions("alice"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not started");
    }

    @Test
    void settingsRequireKeysAndSubject() {
        assertThatThrownBy(() -> PushSettings.builder().subject("mailto:ops@example.com").build())
                .hasMessageContaining("WEBPUSH_VAPID_PUBLIC_KEY");
        assertThatThrownBy(() -> PushSettings.builder().keys(VapidKeys.generate()).build())
                .hasMessageContaining("WEBPUSH_VAPID_SUBJECT");
        assertThatThrownBy(() -> channel.settings().toBuilder().ttl(java.time.Duration.ofDays(29)).build())
                .hasMessageContaining("ttl must be whole seconds between 0 and PT672H but was PT696H");
        assertThatThrownBy(() -> PushSettings.fromEnvironment(java.util.Map.of("WEBPUSH_VAPID_SUBJECT",
                "mailto:admin@localhost"))).hasMessageStartingWith("WEBPUSH_VAPID_SUBJECT: ");
    }

    private void assertInvalidKeys(String p256dh, String auth, String message) {
        assertThatThrownBy(() -> channel.subscribe("alice", new PushSubscription(PUBLIC_ENDPOINT, p256dh, auth)))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.code()).isEqualTo("invalid_keys");
                    assertThat(e.getMessage()).contains(message);
                });
    }
}
