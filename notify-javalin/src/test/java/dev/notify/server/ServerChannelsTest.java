package dev.notify.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.notify.json.Json;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The standalone server with channels configured through Django-style environment variables. */
class ServerChannelsTest {
    @RegisterExtension
    static final GreenMailExtension smtp = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    @TempDir
    Path dataDir;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> call(String method, String url, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void emailAndPushFromDjangoStyleVariablesWithAWorkingUnsubscribeLink() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("NOTIFY_PORT", "0");
        env.put("NOTIFY_DATA_DIR", dataDir.toString());
        env.put("EMAIL_HOST", "127.0.0.1");
        env.put("EMAIL_PORT", Integer.toString(smtp.getSmtp().getPort()));
        env.put("EMAIL_USE_TLS", "False");
        env.put("DEFAULT_FROM_EMAIL", "Shop <noreply@shop.example>");
        env.put("WEBPUSH_VAPID_SUBJECT", "mailto:ops@shop.example");
        env.put("FRONTEND_URL", "https://app.shop.example");
        ByteArrayOutputStream banner = new ByteArrayOutputStream();
        try (NotifyServer server = NotifyServer.start(ServerConfig.fromEnvironment(env), env,
                new PrintStream(banner, true, StandardCharsets.UTF_8))) {
            String summary = banner.toString(StandardCharsets.UTF_8);
            assertThat(summary).contains("email live").contains("web push live (VAPID keys generated");
            assertThat(dataDir.resolve(ServerChannels.VAPID_KEY_FILE)).exists();
            String base = "http://localhost:" + server.port();
            String publisher = server.authenticator().issue("shop", java.util.Set.of("publish"), Duration.ofMinutes(5));

            assertThat(call("PUT", base + "/api/v1/recipients/alice", publisher, "{\"email\":\"alice@example.com\"}")
                    .statusCode()).isEqualTo(200);
            assertThat(call("POST", base + "/api/v1/notifications", publisher,
                    "{\"recipient\":\"alice\",\"type\":\"order_shipped\",\"title\":\"Your order shipped\","
                            + "\"link\":\"/orders/7\"}").statusCode()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(10)).until(() -> smtp.getReceivedMessages().length == 1);
            MimeMessage mail = smtp.getReceivedMessages()[0];
            assertThat(mail.getSubject()).isEqualTo("Your order shipped");
            String header = mail.getHeader("List-Unsubscribe", null);
            assertThat(header).startsWith("<http://localhost:0/api/v1/notifications/unsubscribe?token=");
            assertThat(mail.getHeader("List-Unsubscribe-Post", null)).isEqualTo("List-Unsubscribe=One-Click");
            assertThat(com.icegreen.greenmail.util.GreenMailUtil.getBody(mail)).contains("https://app.shop.example/orders/7");

            // The link's token works against this server (NOTIFY_PUBLIC_URL would give its public address).
            Matcher m = Pattern.compile("token=([^>]+)>").matcher(header);
            assertThat(m.find()).isTrue();
            String unsubscribe = base + "/api/v1/notifications/unsubscribe?token=" + m.group(1);
            HttpResponse<String> done = http.send(HttpRequest.newBuilder(URI.create(unsubscribe))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("List-Unsubscribe=One-Click")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(done.statusCode()).isEqualTo(200);
            assertThat(server.core().preferences().allows("alice", "email", "order_shipped")).isFalse();
            // An unsubscribe token is no API token.
            assertThat(call("GET", base + "/api/v1/notifications", m.group(1), null).statusCode()).isEqualTo(401);

            HttpResponse<String> key = call("GET", base + "/api/v1/notifications/push/public-key", null, null);
            assertThat(Json.readObject(key.body()).get("public_key")).isNotNull();
        }
    }

    @Test
    void withNothingConfiguredTheSummarySaysWhatToSet() {
        Map<String, String> env = Map.of("NOTIFY_PORT", "0", "NOTIFY_DATA_DIR", dataDir.toString());
        ByteArrayOutputStream banner = new ByteArrayOutputStream();
        try (NotifyServer server = NotifyServer.start(ServerConfig.fromEnvironment(env), env,
                new PrintStream(banner, true, StandardCharsets.UTF_8))) {
            assertThat(banner.toString(StandardCharsets.UTF_8))
                    .contains("email not configured (set EMAIL_HOST")
                    .contains("web push not configured (set WEBPUSH_VAPID_SUBJECT");
            assertThat(server.core().channels()).isEmpty();
        }
    }

    @Test
    void badSubjectFailsAtStartNamingTheVariable() {
        Map<String, String> env = Map.of("NOTIFY_PORT", "0", "NOTIFY_DATA_DIR", dataDir.toString(),
                "WEBPUSH_VAPID_SUBJECT", "mailto:admin@localhost");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> NotifyServer.start(
                ServerConfig.fromEnvironment(env), env, new PrintStream(new ByteArrayOutputStream()))))
                .hasMessageContaining("WEBPUSH_VAPID_SUBJECT");
    }

    @Test
    void vapidCommandPrintsAKeyPairTheServerAccepts() {
        StringWriter out = new StringWriter();
        int exit = NotifyCli.run(Map.of(), new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), "vapid");
        assertThat(exit).isZero();
        Map<String, String> env = new HashMap<>();
        for (String line : out.toString().split("\\R")) {
            int eq = line.indexOf('=');
            env.put(line.substring(0, eq), line.substring(eq + 1));
        }
        assertThat(env).containsKeys("WEBPUSH_VAPID_PUBLIC_KEY", "WEBPUSH_VAPID_PRIVATE_KEY");
        assertThat(dev.notify.push.VapidKeys.fromEnvironment(env)).isPresent();
    }
}
