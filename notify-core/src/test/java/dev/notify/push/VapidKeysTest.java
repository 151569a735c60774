package dev.notify.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VapidKeysTest {
    // One key pair in the formats the tools print, made with Python's cryptography (which py-vapid uses).
    static final String RAW_PUBLIC = "BNnzGRJFpKiga5k24hEJsWXgbQZaJvYg0AmBHjJiVwHEqsnGXw8li5t1jJuIprlMynFpMpwSr6CVNVKKURLE6Qk";
    static final String RAW_PRIVATE = "WYF5mhhMZIi4TT-A3O-yo44QT6pFEryLrtypJc67QAA";
    static final String PKCS8_PEM = """
            -----BEGIN PRIVATE KEY-----
            MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgWYF5mhhMZIi4TT+A
            3O+yo44QT6pFEryLrtypJc67QAChRANCAATZ8xkSRaSooGuZNuIRCbFl4G0GWib2
            INAJgR4yYlcBxKrJxl8PJYubdYybiKa5TMpxaTKcEq+glTVSilESxOkJ
            -----END PRIVATE KEY-----
            """;
    static final String SEC1_PEM = """
            -----BEGIN EC PRIVATE KEY-----
            MHcCAQEEIFmBeZoYTGSIuE0/gNzvsqOOEE+qRRK8i67cqSXOu0AAoAoGCCqGSM49
            AwEHoUQDQgAE2fMZEkWkqKBrmTbiEQmxZeBtBlom9iDQCYEeMmJXAcSqycZfDyWL
            m3WMm4imuUzKcWkynBKvoJU1UopREsTpCQ==
            -----END EC PRIVATE KEY-----
            """;
    static final String PUBLIC_PEM = """
            -----BEGIN PUBLIC KEY-----
            MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2fMZEkWkqKBrmTbiEQmxZeBtBlom
            9iDQCYEeMmJXAcSqycZfDyWLm3WMm4imuUzKcWkynBKvoJU1UopREsTpCQ==
            -----END PUBLIC KEY-----
            """;
    static final String PKCS8_DER_BASE64URL = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgWYF5mhhMZIi4TT-A3O-yo44QT6pFEryLrtyp"
            + "Jc67QAChRANCAATZ8xkSRaSooGuZNuIRCbFl4G0GWib2INAJgR4yYlcBxKrJxl8PJYubdYybiKa5TMpxaTKcEq-glTVSilESxOkJ";

    @Test
    void readsTheKeysWebPushGenerateVapidKeysPrints() {
        VapidKeys keys = VapidKeys.parse(RAW_PUBLIC, RAW_PRIVATE);

        assertThat(keys.publicKeyBase64Url()).isEqualTo(RAW_PUBLIC);
        assertThat(keys.privateKeyBase64Url()).isEqualTo(RAW_PRIVATE);
    }

    @Test
    void readsTheKeysVapidGenWritesAsTextAsFilesAndAsOneLineDer(@TempDir Path dir) throws Exception {
        Path privateFile = Files.writeString(dir.resolve("private_key.pem"), PKCS8_PEM);
        Path publicFile = Files.writeString(dir.resolve("public_key.pem"), PUBLIC_PEM);

        assertThat(VapidKeys.parse(PUBLIC_PEM, PKCS8_PEM).publicKeyBase64Url()).isEqualTo(RAW_PUBLIC);
        assertThat(VapidKeys.parse(PUBLIC_PEM, SEC1_PEM).publicKeyBase64Url()).isEqualTo(RAW_PUBLIC);
        assertThat(VapidKeys.parse(publicFile.toString(), privateFile.toString()).privateKeyBase64Url())
                .isEqualTo(RAW_PRIVATE);
        assertThat(VapidKeys.parse(RAW_PUBLIC, PKCS8_DER_BASE64URL).privateKeyBase64Url()).isEqualTo(RAW_PRIVATE);
        String pkcs8Standard = PKCS8_PEM.lines().filter(l -> !l.startsWith("-----")).reduce("", String::concat);
        assertThat(VapidKeys.parse(RAW_PUBLIC, pkcs8Standard).privateKeyBase64Url()).isEqualTo(RAW_PRIVATE);
        String sec1Der = SEC1_PEM.lines().filter(l -> !l.startsWith("-----")).reduce("", String::concat);
        assertThat(VapidKeys.parse(RAW_PUBLIC, sec1Der).privateKeyBase64Url()).isEqualTo(RAW_PRIVATE);
        assertThat(VapidKeys.parse(RAW_PUBLIC + "=", RAW_PRIVATE + "=").publicKeyBase64Url()).isEqualTo(RAW_PUBLIC);
    }

    @Test
    void readsTheDjangoStyleEnvironmentVariables() {
        VapidKeys keys = VapidKeys.fromEnvironment(Map.of(
                "WEBPUSH_VAPID_PUBLIC_KEY", RAW_PUBLIC, "WEBPUSH_VAPID_PRIVATE_KEY", PKCS8_PEM)).orElseThrow();

        assertThat(keys.publicKeyBase64Url()).isEqualTo(RAW_PUBLIC);
        assertThat(VapidKeys.fromEnvironment(Map.of())).isEmpty();
        assertThat(VapidKeys.fromEnvironment(Map.of("WEBPUSH_VAPID_PUBLIC_KEY", " ", "WEBPUSH_VAPID_PRIVATE_KEY", "")))
                .isEmpty();
    }

    @Test
    void forgivesWhatCopyingIntoADotEnvFileDoes() {
        String oneLinePem = PKCS8_PEM.strip().replace("\n", "\\n");

        VapidKeys keys = VapidKeys.fromEnvironment(Map.of(
                "WEBPUSH_VAPID_PUBLIC_KEY", "\"" + RAW_PUBLIC + "\"", "WEBPUSH_VAPID_PRIVATE_KEY", oneLinePem)).orElseThrow();

        assertThat(keys.privateKeyBase64Url()).isEqualTo(RAW_PRIVATE);
    }

    @Test
    void missingKeyFileIsNamed() {
        assertThatThrownBy(() -> VapidKeys.fromEnvironment(Map.of(
                "WEBPUSH_VAPID_PUBLIC_KEY", RAW_PUBLIC, "WEBPUSH_VAPID_PRIVATE_KEY", "/etc/notify/private_key.pem")))
                .hasMessage("WEBPUSH_VAPID_PRIVATE_KEY is neither base64 nor PEM, and names no readable file "
                        + "('/etc/notify/private_key.pem' does not exist or cannot be read)");
    }

    @Test
    void oneVariableWithoutTheOtherIsAnError() {
        assertThatThrownBy(() -> VapidKeys.fromEnvironment(Map.of("WEBPUSH_VAPID_PRIVATE_KEY", RAW_PRIVATE)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("WEBPUSH_VAPID_PUBLIC_KEY is not set but WEBPUSH_VAPID_PRIVATE_KEY is");
    }

    @Test
    void publicKeyOfAnotherPairIsRejectedNamingTheVariables() {
        String otherPublic = VapidKeys.generate().publicKeyBase64Url();

        assertThatThrownBy(() -> VapidKeys.fromEnvironment(Map.of(
                "WEBPUSH_VAPID_PUBLIC_KEY", otherPublic, "WEBPUSH_VAPID_PRIVATE_KEY", RAW_PRIVATE)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("WEBPUSH_VAPID_PUBLIC_KEY does not match WEBPUSH_VAPID_PRIVATE_KEY");
    }

    @Test
    void malformedValuesAreRejectedNamingTheVariableWithoutTheSecret() {
        String shortScalar = RAW_PRIVATE.substring(0, 40);

        assertThatThrownBy(() -> VapidKeys.fromEnvironment(Map.of(
                "WEBPUSH_VAPID_PUBLIC_KEY", RAW_PUBLIC, "WEBPUSH_VAPID_PRIVATE_KEY", shortScalar)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("WEBPUSH_VAPID_PRIVATE_KEY is malformed")
                .hasMessageContaining("web-push generate-vapid-keys")
                .hasMessageNotContaining(shortScalar);
        assertThatThrownBy(() -> VapidKeys.fromEnvironment(Map.of(
                "WEBPUSH_VAPID_PUBLIC_KEY", RAW_PUBLIC.substring(2), "WEBPUSH_VAPID_PRIVATE_KEY", RAW_PRIVATE)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("WEBPUSH_VAPID_PUBLIC_KEY is malformed");
        assertThatThrownBy(() -> VapidKeys.fromEnvironment(Map.of(
                "WEBPUSH_VAPID_PUBLIC_KEY", RAW_PUBLIC, "WEBPUSH_VAPID_PRIVATE_KEY", "not base64 at all!")))
                .hasMessageStartingWith("WEBPUSH_VAPID_PRIVATE_KEY is malformed");
        assertThatThrownBy(() -> VapidKeys.fromEnvironment(Map.of(
                "WEBPUSH_VAPID_PUBLIC_KEY", RAW_PUBLIC, "WEBPUSH_VAPID_PRIVATE_KEY", PUBLIC_PEM)))
                .hasMessageStartingWith("WEBPUSH_VAPID_PRIVATE_KEY holds no 'BEGIN PRIVATE KEY'");
    }

    @Test
    void pointOffTheCurveIsRejected() {
        byte[] point = Base64.getUrlDecoder().decode(RAW_PUBLIC);
        point[64] ^= 1;

        assertThatThrownBy(() -> VapidKeys.parse(Base64.getUrlEncoder().encodeToString(point), RAW_PRIVATE))
                .hasMessageContaining("not a point on the P-256 curve");
    }

    @Test
    void keysOnAnotherCurveAreRejected() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp384r1"));
        var pair = g.generateKeyPair();
        String privatePem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";

        assertThatThrownBy(() -> VapidKeys.parse(RAW_PUBLIC, privatePem))
                .hasMessageContaining("privateKey is not a P-256 (secp256r1) private key")
                .hasMessageContaining("RFC 8292");
    }

    @Test
    void generatedKeysRoundTripThroughEveryFormat() {
        VapidKeys keys = VapidKeys.generate();

        assertThat(Base64.getUrlDecoder().decode(keys.publicKeyBase64Url())).hasSize(65).startsWith(4);
        assertThat(VapidKeys.parse(keys.publicKeyBase64Url(), keys.privateKeyBase64Url()).toPem()).isEqualTo(keys.toPem());
        assertThat(VapidKeys.parse(keys.toPem(), keys.toPem()).publicKeyBase64Url()).isEqualTo(keys.publicKeyBase64Url());
        assertThat(keys.toString()).contains(keys.publicKeyBase64Url()).doesNotContain(keys.privateKeyBase64Url());
        assertThat(VapidKeys.of(keys.publicKey(), keys.privateKey()).publicKeyBase64Url())
                .isEqualTo(keys.publicKeyBase64Url());
    }

    @Test
    void loadOrCreateKeepsTheSameKeysAcrossRestartsInAnOwnerOnlyFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("data/vapid/keys.pem");

        VapidKeys first = VapidKeys.loadOrCreate(file);
        VapidKeys afterRestart = VapidKeys.loadOrCreate(file);

        assertThat(afterRestart.publicKeyBase64Url()).isEqualTo(first.publicKeyBase64Url());
        assertThat(afterRestart.privateKeyBase64Url()).isEqualTo(first.privateKeyBase64Url());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file)).contains("-----BEGIN PRIVATE KEY-----").contains("-----BEGIN PUBLIC KEY-----");
        try (var listing = Files.list(file.getParent())) {
            assertThat(listing).containsExactly(file);
        }
    }

    @Test
    void loadOrCreateRefusesAFileThatHoldsNoKeys(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("vapid.pem"), "garbage\n");

        assertThatThrownBy(() -> VapidKeys.loadOrCreate(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("VAPID key file " + file);
    }
}
