package dev.notify.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;

/**
 * RFC 8291 Appendix A: the example's keys, salt and plaintext must give exactly the example's
 * message body (section 5).
 *
 * <p>zerodep draws the salt from {@code new SecureRandom()} and the ephemeral key from
 * {@code KeyPairGenerator.getInstance("EC")}, with no parameter to pass fixed ones; the JCA
 * provider list is the seam: {@link FixedEntropy} answers those two requests with the RFC's
 * values.
 */
class Rfc8291KnownAnswerTest {
    static final String PLAINTEXT = "When I grow up, I want to be a watermelon";
    static final String AS_PUBLIC =
            "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    static final String AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    static final String UA_PUBLIC =
            "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    static final String UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    static final String AUTH = "BTBZMqHH6r4Tts7J_aSIgg";
    static final String SALT = "DGv6ra1nlYgDCS1FRnbzlw";
    static final String BODY = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocI"
            + "nmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    @Test
    void encryptingTheRfcExampleGivesTheRfcBody() {
        KeyPair applicationServer = new KeyPair(Rfc8291Receiver.publicKey(Rfc8291Receiver.b64(AS_PUBLIC)),
                Rfc8291Receiver.privateKey(Rfc8291Receiver.b64(AS_PRIVATE)));
        byte[] body;
        try (FixedEntropy fixed = FixedEntropy.install(applicationServer, Rfc8291Receiver.b64(SALT))) {
            body = new PushEncryption().encrypt(Rfc8291Receiver.b64(UA_PUBLIC), Rfc8291Receiver.b64(AUTH),
                    PLAINTEXT.getBytes(StandardCharsets.UTF_8));
            assertThat(fixed.used()).as("the encryption drew the RFC's salt and key from the seam").isTrue();
        }
        assertThat(Rfc8291Receiver.b64(body)).isEqualTo(BODY);
        assertThat(body).hasSize(144);
    }

    @Test
    void theIndependentReceiverDecryptsTheRfcBody() {
        Rfc8291Receiver browser = Rfc8291Receiver.of(UA_PRIVATE, UA_PUBLIC, AUTH);

        byte[] plaintext = browser.decrypt(Rfc8291Receiver.b64(BODY));

        assertThat(new String(plaintext, StandardCharsets.UTF_8)).isEqualTo(PLAINTEXT);
    }

    @Test
    void everyMessageHasItsOwnSaltAndKeyAndDecrypts() {
        Rfc8291Receiver browser = Rfc8291Receiver.generate();
        PushEncryption encryption = new PushEncryption();
        byte[] plaintext = "{\"title\":\"Order shipped\"}".getBytes(StandardCharsets.UTF_8);

        byte[] first = encryption.encrypt(browser.publicKey, browser.auth, plaintext);
        byte[] second = encryption.encrypt(browser.publicKey, browser.auth, plaintext);

        assertThat(java.util.Arrays.copyOf(first, 16)).isNotEqualTo(java.util.Arrays.copyOf(second, 16));
        assertThat(java.util.Arrays.copyOfRange(first, 21, 86)).isNotEqualTo(java.util.Arrays.copyOfRange(second, 21, 86));
        assertThat(browser.decrypt(first)).isEqualTo(plaintext);
        assertThat(browser.decrypt(second)).isEqualTo(plaintext);
        assertThat(first).hasSize(plaintext.length + PushPayload.ENCRYPTION_OVERHEAD);
    }
}
