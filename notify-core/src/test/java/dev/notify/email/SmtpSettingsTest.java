package dev.notify.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SmtpSettingsTest {
    /** A Gmail .env as a Django project writes it. */
    private static Map<String, String> gmail() {
        Map<String, String> env = new HashMap<>();
        env.put("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend");
        env.put("EMAIL_HOST", "smtp.gmail.com");
        env.put("EMAIL_PORT", "587");
        env.put("EMAIL_USE_TLS", "True");
        env.put("EMAIL_HOST_USER", "your-email@gmail.com");
        env.put("EMAIL_HOST_PASSWORD", "abcdefghijklmnop");
        env.put("DEFAULT_FROM_EMAIL", "your-email@gmail.com");
        return env;
    }

    @Test
    void gmailStyleEnvironmentParses() {
        SmtpSettings s = SmtpSettings.fromEnvironment(gmail()).orElseThrow();
        assertThat(s.host()).isEqualTo("smtp.gmail.com");
        assertThat(s.port()).isEqualTo(587);
        assertThat(s.startTls()).isTrue();
        assertThat(s.ssl()).isFalse();
        assertThat(s.username()).contains("your-email@gmail.com");
        assertThat(s.password()).isEqualTo("abcdefghijklmnop");
        assertThat(s.from()).isEqualTo("your-email@gmail.com");
        assertThat(s.fromDomain()).isEqualTo("gmail.com");
        assertThat(s.connectTimeout()).isEqualTo(SmtpSettings.DEFAULT_CONNECT_TIMEOUT);
        assertThat(s.describe()).isEqualTo("smtp.gmail.com:587 (STARTTLS)");

        var props = SmtpConnections.sessionProperties(s);
        assertThat(props).containsEntry("mail.smtp.starttls.enable", "true")
                .containsEntry("mail.smtp.starttls.required", "true")
                .containsEntry("mail.smtp.ssl.enable", "false")
                .containsEntry("mail.smtp.auth", "true")
                .containsEntry("mail.smtp.connectiontimeout", "10000")
                .containsEntry("mail.smtp.timeout", "30000")
                .containsEntry("mail.smtp.writetimeout", "30000");
        assertThat(props.toString()).doesNotContain("abcdefghijklmnop");
    }

    @Test
    void gmailOn465WithSslParses() {
        Map<String, String> env = gmail();
        env.remove("EMAIL_USE_TLS");
        env.put("EMAIL_USE_SSL", "true");
        env.put("EMAIL_PORT", "465");
        SmtpSettings s = SmtpSettings.fromEnvironment(env).orElseThrow();
        assertThat(s.ssl()).isTrue();
        assertThat(s.startTls()).isFalse();
        assertThat(s.port()).isEqualTo(465);
        assertThat(SmtpConnections.sessionProperties(s)).containsEntry("mail.smtp.ssl.enable", "true")
                .containsEntry("mail.smtp.starttls.enable", "false");
    }

    @Test
    void poolMessageLimitAndRateLimitComeFromTheEnvironmentWithDefaults() {
        SmtpSettings defaults = SmtpSettings.fromEnvironment(gmail()).orElseThrow();
        assertThat(defaults.poolSize()).isEqualTo(4);
        assertThat(defaults.maxMessagesPerConnection()).isEqualTo(100);
        assertThat(defaults.maxPerSecond()).isZero();

        Map<String, String> env = gmail();
        env.put("EMAIL_POOL_SIZE", "8");
        env.put("EMAIL_MAX_MESSAGES_PER_CONNECTION", "50");
        env.put("EMAIL_MAX_PER_SECOND", "14");
        SmtpSettings s = SmtpSettings.fromEnvironment(env).orElseThrow();
        assertThat(s.poolSize()).isEqualTo(8);
        assertThat(s.maxMessagesPerConnection()).isEqualTo(50);
        assertThat(s.maxPerSecond()).isEqualTo(14);
        assertThat(s.toBuilder().build()).isEqualTo(s);

        env.put("EMAIL_POOL_SIZE", "0");
        assertThatThrownBy(() -> SmtpSettings.fromEnvironment(env))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("EMAIL_POOL_SIZE must be a whole number >= 1 but was '0'");
        env.put("EMAIL_POOL_SIZE", "4");
        env.put("EMAIL_MAX_PER_SECOND", "fast");
        assertThatThrownBy(() -> SmtpSettings.fromEnvironment(env))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("EMAIL_MAX_PER_SECOND must be a whole number >= 0 but was 'fast'");
    }

    @Test
    void passwordNeverShowsInToString() {
        SmtpSettings s = SmtpSettings.fromEnvironment(gmail()).orElseThrow();
        assertThat(s.toString()).doesNotContain("abcdefghijklmnop").contains("password=***")
                .contains("smtp.gmail.com").contains("your-email@gmail.com");
    }

    @Test
    void bothTlsAndSslIsAnErrorNamingBothVariables() {
        Map<String, String> env = gmail();
        env.put("EMAIL_USE_SSL", "True");
        assertThatThrownBy(() -> SmtpSettings.fromEnvironment(env)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("EMAIL_USE_TLS").hasMessageContaining("EMAIL_USE_SSL");
        assertThatThrownBy(() -> SmtpSettings.builder().host("h").from("a@b.c").startTls(true).ssl(true).build())
                .hasMessageContaining("startTls and ssl");
    }

    @Test
    void missingHostMeansEmailIsNotConfigured() {
        assertThat(SmtpSettings.fromEnvironment(Map.of())).isEmpty();
        Map<String, String> env = gmail();
        env.put("EMAIL_HOST", "  ");
        assertThat(SmtpSettings.fromEnvironment(env)).isEqualTo(Optional.empty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"True", "true", "TRUE", "1", "yes", "on"})
    void booleansAcceptWhatDjangoAccepts(String value) {
        Map<String, String> env = gmail();
        env.put("EMAIL_USE_TLS", value);
        assertThat(SmtpSettings.fromEnvironment(env).orElseThrow().startTls()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"False", "false", "0", "no", "off", ""})
    void falseBooleans(String value) {
        Map<String, String> env = gmail();
        env.put("EMAIL_USE_TLS", value);
        assertThat(SmtpSettings.fromEnvironment(env).orElseThrow().startTls()).isFalse();
    }

    @Test
    void badValuesAreQuoted() {
        Map<String, String> env = gmail();
        env.put("EMAIL_USE_TLS", "maybe");
        assertThatThrownBy(() -> SmtpSettings.fromEnvironment(env)).hasMessageContaining("EMAIL_USE_TLS")
                .hasMessageContaining("'maybe'");
        env.put("EMAIL_USE_TLS", "True");
        env.put("EMAIL_PORT", "58x");
        assertThatThrownBy(() -> SmtpSettings.fromEnvironment(env)).hasMessageContaining("EMAIL_PORT")
                .hasMessageContaining("'58x'");
        env.put("EMAIL_PORT", "70000");
        assertThatThrownBy(() -> SmtpSettings.fromEnvironment(env)).hasMessageContaining("'70000'");
        env.put("EMAIL_PORT", "587");
        env.put("DEFAULT_FROM_EMAIL", "not an address");
        assertThatThrownBy(() -> SmtpSettings.fromEnvironment(env)).hasMessageContaining("DEFAULT_FROM_EMAIL")
                .hasMessageContaining("'not an address'");
        env.put("DEFAULT_FROM_EMAIL", "a@b.c");
        env.put("EMAIL_TIMEOUT", "soon");
        assertThatThrownBy(() -> SmtpSettings.fromEnvironment(env)).hasMessageContaining("EMAIL_TIMEOUT")
                .hasMessageContaining("'soon'");
        assertThatThrownBy(() -> SmtpSettings.builder().host("h").from("a@b.c").port(0).build())
                .hasMessage("port must be between 1 and 65535 but was 0");
        assertThatThrownBy(() -> SmtpSettings.builder().host("h").from("a@b.c").readTimeout(Duration.ZERO).build())
                .hasMessage("readTimeout must be > 0 but was PT0S");
        assertThatThrownBy(() -> SmtpSettings.builder().from("a@b.c").build()).hasMessageContaining("host");
    }

    @Test
    void fromMayCarryANameAndDefaultsToTheUserWhenItIsAnAddress() {
        Map<String, String> env = gmail();
        env.put("DEFAULT_FROM_EMAIL", "Writing System <noreply@example.com>");
        SmtpSettings s = SmtpSettings.fromEnvironment(env).orElseThrow();
        assertThat(s.from()).isEqualTo("Writing System <noreply@example.com>");
        assertThat(s.fromAddress().getPersonal()).isEqualTo("Writing System");
        assertThat(s.fromDomain()).isEqualTo("example.com");

        env.remove("DEFAULT_FROM_EMAIL");
        assertThat(SmtpSettings.fromEnvironment(env).orElseThrow().from()).isEqualTo("your-email@gmail.com");
        env.put("EMAIL_HOST_USER", "apikey");
        assertThatThrownBy(() -> SmtpSettings.fromEnvironment(env)).hasMessageContaining("DEFAULT_FROM_EMAIL");
    }

    @Test
    void portFollowsTheSecurityWhenNotGivenAndTimeoutSetsAllThree() {
        Map<String, String> env = new HashMap<>(Map.of("EMAIL_HOST", "mail.example.com",
                "DEFAULT_FROM_EMAIL", "app@example.com", "EMAIL_TIMEOUT", "2.5"));
        SmtpSettings plain = SmtpSettings.fromEnvironment(env).orElseThrow();
        assertThat(plain.port()).isEqualTo(25);
        assertThat(plain.authenticates()).isFalse();
        assertThat(plain.toString()).contains("password=none");
        assertThat(plain.connectTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(plain.readTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(plain.writeTimeout()).isEqualTo(Duration.ofMillis(2500));
        env.put("EMAIL_USE_TLS", "1");
        assertThat(SmtpSettings.fromEnvironment(env).orElseThrow().port()).isEqualTo(587);
        env.put("EMAIL_USE_TLS", "0");
        env.put("EMAIL_USE_SSL", "1");
        assertThat(SmtpSettings.fromEnvironment(env).orElseThrow().port()).isEqualTo(465);
        env.put("EMAIL_HOST_PASSWORD", "secret");
        assertThatThrownBy(() -> SmtpSettings.fromEnvironment(env)).hasMessageContaining("EMAIL_HOST_USER")
                .hasMessageNotContaining("secret");
    }

    @Test
    void toBuilderDerivesAVariant() {
        SmtpSettings s = SmtpSettings.fromEnvironment(gmail()).orElseThrow();
        SmtpSettings ssl = s.toBuilder().startTls(false).ssl(true).port(465).build();
        assertThat(ssl.password()).isEqualTo(s.password());
        assertThat(ssl.port()).isEqualTo(465);
        assertThat(s.toBuilder().build()).isEqualTo(s);
    }
}
