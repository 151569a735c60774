package dev.notify.push;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.notify.InputRules;
import dev.notify.InvalidRequestException;
import dev.notify.json.Json;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * A browser's push subscription, as {@code PushSubscription.toJSON()} gives it (W3C Push API):
 * where to send messages, and the keys to encrypt them for this browser (RFC 8291 section 3).
 *
 * <p>Validated when built; what depends on configuration (plain {@code http}, endpoints on
 * private networks) is checked by {@link PushChannel#subscribe} against {@link PushSettings}.
 * Keys are normalised to unpadded base64url.
 *
 * @param endpoint the push service URL to POST messages to; absolute {@code https} (or
 *                 {@code http}) with a host and no user info, at most {@value #ENDPOINT_MAX}
 *                 characters. It is a capability: whoever knows it can send to the browser.
 * @param p256dh   the browser's ECDH public key: base64url (padding optional) of the 65-byte
 *                 uncompressed P-256 point, starting 0x04
 * @param auth     the browser's authentication secret: base64url (padding optional) of 16 bytes
 */
public record PushSubscription(String endpoint, String p256dh, String auth) {
    /** Longest endpoint URL accepted, in characters. */
    public static final int ENDPOINT_MAX = 2048;
    /** Bytes in the authentication secret (RFC 8291 section 3.2). */
    public static final int AUTH_BYTES = 16;

    /**
     * @throws InvalidRequestException {@code invalid_endpoint} if the endpoint is not an absolute
     *                                 http(s) URL with a host, or too long; {@code invalid_keys}
     *                                 if {@code p256dh} is not a P-256 point or {@code auth} not
     *                                 16 bytes
     */
    public PushSubscription {
        InputRules.text("endpoint", endpoint);
        InputRules.text("keys.p256dh", p256dh);
        InputRules.text("keys.auth", auth);
        URI uri = parseEndpoint(endpoint);
        endpoint = uri.toString();
        p256dh = EcKeys.base64Url(decodeP256dh(p256dh));
        auth = EcKeys.base64Url(decodeAuth(auth));
    }

    /**
     * Reads the JSON a browser's {@code PushSubscription.toJSON()} produces:
     * {@code {"endpoint": "...", "expirationTime": null, "keys": {"p256dh": "...", "auth": "..."}}}.
     *
     * @throws InvalidRequestException {@code invalid_subscription} if the JSON lacks these fields,
     *                                 or as the constructor
     */
    public static PushSubscription fromJson(String json) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("invalid_subscription", "subscription is not valid JSON: "
                    + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new InvalidRequestException("invalid_subscription", "subscription must be a JSON object");
        }
        JsonNode keys = node.path("keys");
        return new PushSubscription(text(node, "endpoint", "endpoint"), text(keys, "p256dh", "keys.p256dh"),
                text(keys, "auth", "keys.auth"));
    }

    /** The endpoint as a URI. */
    public URI uri() {
        return URI.create(endpoint);
    }

    /** The endpoint's origin ({@code scheme://host[:port]}), which is also the VAPID {@code aud}. */
    public String origin() {
        return VapidTokens.origin(uri());
    }

    byte[] p256dhBytes() {
        return EcKeys.decodeBase64(p256dh);
    }

    byte[] authBytes() {
        return EcKeys.decodeBase64(auth);
    }

    /** Shows the origin only: the full endpoint is a capability, and the keys are private to the browser. */
    @Override
    public String toString() {
        return "PushSubscription[" + origin() + "/...]";
    }

    private static String text(JsonNode node, String field, String path) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new InvalidRequestException("invalid_subscription", "subscription must have a string field '"
                    + path + "'");
        }
        return value.asText();
    }

    private static URI parseEndpoint(String endpoint) {
        if (endpoint == null || endpoint.isBlank()) {
            throw invalidEndpoint("is required");
        }
        String trimmed = endpoint.strip();
        if (trimmed.length() > ENDPOINT_MAX) {
            throw invalidEndpoint("must be at most " + ENDPOINT_MAX + " characters but was " + trimmed.length());
        }
        if (!trimmed.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
            throw invalidEndpoint("must be an ASCII URL (percent-encode other characters)");
        }
        URI uri;
        try {
            uri = new URI(trimmed);
        } catch (URISyntaxException e) {
            throw invalidEndpoint("is not a valid URL: " + e.getReason());
        }
        if (uri.getScheme() == null) {
            throw invalidEndpoint("must be an absolute https URL");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("https") || scheme.equals("http"))) {
            throw invalidEndpoint("must be an https URL but has scheme '" + uri.getScheme() + "'");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw invalidEndpoint("must be an https URL with a host name");
        }
        if (uri.getRawUserInfo() != null) {
            throw invalidEndpoint("must not contain user info (user:password@)");
        }
        if (uri.getRawFragment() != null) {
            throw invalidEndpoint("must not contain a fragment (#...)");
        }
        return uri;
    }

    private static byte[] decodeP256dh(String p256dh) {
        if (p256dh == null || p256dh.isBlank()) {
            throw new InvalidRequestException("invalid_keys", "keys.p256dh is required");
        }
        byte[] bytes;
        try {
            bytes = EcKeys.decodeBase64(p256dh);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("invalid_keys", "keys.p256dh is not base64url: " + e.getMessage());
        }
        try {
            EcKeys.publicKey(bytes);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("invalid_keys", "keys.p256dh " + e.getMessage());
        }
        return bytes;
    }

    private static byte[] decodeAuth(String auth) {
        if (auth == null || auth.isBlank()) {
            throw new InvalidRequestException("invalid_keys", "keys.auth is required");
        }
        byte[] bytes;
        try {
            bytes = EcKeys.decodeBase64(auth);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("invalid_keys", "keys.auth is not base64url: " + e.getMessage());
        }
        if (bytes.length != AUTH_BYTES) {
            throw new InvalidRequestException("invalid_keys", "keys.auth must decode to " + AUTH_BYTES
                    + " bytes but decoded to " + bytes.length);
        }
        return bytes;
    }

    private static InvalidRequestException invalidEndpoint(String problem) {
        return new InvalidRequestException("invalid_endpoint", "endpoint " + problem);
    }
}
