package dev.notify.push;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The VAPID {@code sub} claim: how a push service operator can reach the application server's
 * operator (RFC 8292 section 2.1): a {@code mailto:} address or an {@code https:} URL.
 *
 * <p>Validated when built, because push services reject a bad subject only when a message is
 * sent, with an opaque error: Apple's push service answers 403 {@code BadJwtToken} for a subject
 * at {@code localhost}, which the py-vapid and web-push examples often carry. So both forms must
 * name a real host: a {@code mailto:} address at {@code localhost} (or {@code *.localhost}), or an
 * {@code https:} URL of {@code localhost}, is rejected.
 *
 * @param value the subject as sent, e.g. {@code mailto:ops@example.com} or
 *              {@code https://example.com/contact}
 */
public record VapidSubject(String value) {
    /** Environment variable holding the subject (the name Django Web Push settings use). */
    public static final String ENV = "WEBPUSH_VAPID_SUBJECT";

    /**
     * @throws IllegalArgumentException if the value is not a {@code mailto:} address or an
     *                                  {@code https:} URL, or names {@code localhost}; the message
     *                                  quotes the value and says why
     */
    public VapidSubject {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("VAPID subject must be a mailto: address or an https: URL (RFC 8292 "
                    + "section 2.1) but was empty; Apple's push service rejects messages without one");
        }
        value = value.strip();
        String lower = value.toLowerCase(Locale.ROOT);
        if (lower.startsWith("mailto:")) {
            validateMailto(value);
        } else if (lower.startsWith("https:")) {
            validateHttps(value);
        } else {
            throw new IllegalArgumentException("VAPID subject must be a mailto: address or an https: URL (RFC 8292 "
                    + "section 2.1) but was '" + value + "'" + (lower.contains("@") && !lower.contains(":")
                    ? "; write it as 'mailto:" + value + "'" : ""));
        }
    }

    /** Parses a subject; same as the constructor. */
    public static VapidSubject of(String value) {
        return new VapidSubject(value);
    }

    private static void validateMailto(String value) {
        String address = value.substring("mailto:".length());
        int query = address.indexOf('?');
        if (query >= 0) {
            address = address.substring(0, query);
        }
        int at = address.lastIndexOf('@');
        if (at <= 0 || at == address.length() - 1 || address.chars().anyMatch(c -> c <= ' ')) {
            throw new IllegalArgumentException("VAPID subject '" + value + "' is not a mailto: address: expected "
                    + "mailto:name@example.com");
        }
        String domain = address.substring(at + 1);
        if (isLocalhost(domain)) {
            throw new IllegalArgumentException("VAPID subject '" + value + "' is an address at localhost, which "
                    + "Apple's push service rejects (403 BadJwtToken): use an address at a real domain where push "
                    + "service operators can reach you");
        }
        if (!domain.contains(".") && !domain.startsWith("[")) {
            throw new IllegalArgumentException("VAPID subject '" + value + "' has no domain name after '@' ('"
                    + domain + "'): use a full address such as mailto:ops@example.com");
        }
    }

    private static void validateHttps(String value) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("VAPID subject '" + value + "' is not a valid https: URL: "
                    + e.getReason(), e);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("VAPID subject '" + value + "' is not a valid https: URL: it has no host");
        }
        if (isLocalhost(uri.getHost())) {
            throw new IllegalArgumentException("VAPID subject '" + value + "' points at localhost, which Apple's push "
                    + "service rejects (403 BadJwtToken): use your site's public URL or a mailto: address");
        }
    }

    private static boolean isLocalhost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h.equals("localhost") || h.endsWith(".localhost");
    }

    @Override
    public String toString() {
        return value;
    }
}
