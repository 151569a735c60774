package dev.notify.server;

import dev.notify.email.EmailChannel;
import dev.notify.email.SmtpSettings;
import dev.notify.email.UnsubscribeTokens;
import dev.notify.push.PushChannel;
import dev.notify.push.PushSettings;
import dev.notify.push.VapidKeys;
import dev.notify.push.VapidSubject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The out-of-band channels the standalone server runs, from the environment, with Django's
 * variable names: email when {@code EMAIL_HOST} is set; Web Push when
 * {@code WEBPUSH_VAPID_SUBJECT} is set (keys from {@code WEBPUSH_VAPID_PUBLIC_KEY} /
 * {@code WEBPUSH_VAPID_PRIVATE_KEY}, or generated once into {@code <data dir>/vapid-keys.pem}).
 * Also {@code FRONTEND_URL} (links in emails, allowed CORS origin) and {@code NOTIFY_PUBLIC_URL}
 * (where this server is reached, for unsubscribe links).
 *
 * @param email             the email channel, if configured
 * @param push              the push channel, if configured
 * @param emailStatus       one line for the start-up summary
 * @param pushStatus        one line for the start-up summary
 * @param unsubscribeTokens verifies the email's one-click unsubscribe links
 * @param corsOrigins       origins allowed to call the API from a browser
 */
record ServerChannels(Optional<EmailChannel> email, Optional<PushChannel> push, String emailStatus,
                      String pushStatus, UnsubscribeTokens unsubscribeTokens, List<String> corsOrigins) {

    static final String VAPID_KEY_FILE = "vapid-keys.pem";

    static ServerChannels fromEnvironment(Map<String, String> env, ServerConfig config, String jwtSecret) {
        String publicUrl = trimSlash(env.getOrDefault("NOTIFY_PUBLIC_URL", "http://localhost:" + config.port()));
        String frontendUrl = ServerConfig.blankToNull(env.get("FRONTEND_URL"));
        // A secret of its own: unsubscribe tokens never expire, so they must never verify as API tokens.
        UnsubscribeTokens tokens = new UnsubscribeTokens(derive(jwtSecret, "notify unsubscribe links"));

        Optional<EmailChannel> email = SmtpSettings.fromEnvironment(env).map(smtp -> {
            EmailChannel.Builder b = EmailChannel.builder(smtp)
                    .unsubscribe(publicUrl + "/api/v1/notifications/unsubscribe", tokens);
            if (frontendUrl != null) {
                b.linkBaseUrl(trimSlash(frontendUrl));
            }
            return b.build();
        });
        String emailStatus = email.map(c -> "email live (" + c.settings().describe() + ")")
                .orElse("email not configured (set EMAIL_HOST, EMAIL_PORT, EMAIL_USE_TLS, EMAIL_HOST_USER,"
                        + " EMAIL_HOST_PASSWORD, DEFAULT_FROM_EMAIL)");

        Optional<PushChannel> push = Optional.empty();
        String pushStatus;
        String subject = ServerConfig.blankToNull(env.get(VapidSubject.ENV));
        if (subject == null) {
            pushStatus = "web push not configured (set " + VapidSubject.ENV + "=mailto:you@example.com)";
        } else {
            PushSettings.Builder b = PushSettings.fromEnvironment(env);
            String keySource = "from the environment";
            if (VapidKeys.fromEnvironment(env).isEmpty()) {
                Path file = config.dataDirectory().resolve(VAPID_KEY_FILE);
                b.keys(VapidKeys.loadOrCreate(file));
                keySource = "generated, kept in " + file.toAbsolutePath();
            }
            PushChannel channel = new PushChannel(b.build());
            push = Optional.of(channel);
            pushStatus = "web push live (VAPID keys " + keySource + ")";
        }

        List<String> origins = new ArrayList<>();
        if (frontendUrl != null) {
            origins.add(trimSlash(frontendUrl));
        }
        return new ServerChannels(email, push, emailStatus, pushStatus, tokens, origins);
    }

    /** HMAC-SHA256(secret, purpose), so one configured secret yields independent keys. */
    static String derive(String secret, String purpose) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    mac.doFinal(purpose.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JDK", e);
        }
    }

    private static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
