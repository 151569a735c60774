package dev.notify.push;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The browser's side of RFC 8291: its subscription keys, and decryption of an aes128gcm push
 * message (RFC 8188 section 2, RFC 8291 section 3.4), written from the RFCs with the JDK alone so
 * that it checks the code under test rather than repeating it.
 */
final class Rfc8291Receiver {
    private static final ECParameterSpec P256;

    static {
        try {
            AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
            p.init(new ECGenParameterSpec("secp256r1"));
            P256 = p.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final ECPrivateKey privateKey;
    /** The 65-byte uncompressed public key: the subscription's {@code p256dh}. */
    final byte[] publicKey;
    /** The 16-byte authentication secret: the subscription's {@code auth}. */
    final byte[] auth;

    Rfc8291Receiver(ECPrivateKey privateKey, byte[] publicKey, byte[] auth) {
        this.privateKey = privateKey;
        this.publicKey = publicKey.clone();
        this.auth = auth.clone();
    }

    /** A new browser: fresh P-256 key pair and auth secret. */
    static Rfc8291Receiver generate() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC", "SunEC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = g.generateKeyPair();
            ECPublicKey pub = (ECPublicKey) pair.getPublic();
            byte[] auth = new byte[16];
            new SecureRandom().nextBytes(auth);
            return new Rfc8291Receiver((ECPrivateKey) pair.getPrivate(), uncompressed(pub), auth);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A browser with known keys (RFC 8291 Appendix A). */
    static Rfc8291Receiver of(String privateScalarB64, String publicB64, String authB64) {
        return new Rfc8291Receiver(privateKey(b64(privateScalarB64)), b64(publicB64), b64(authB64));
    }

    /** The subscription the browser would hand to the application server. */
    PushSubscription subscription(String endpoint) {
        return new PushSubscription(endpoint, b64(publicKey), b64(auth));
    }

    /**
     * Decrypts a push message body.
     *
     * @throws IllegalArgumentException with the reason, if the body is not a valid single-record
     *                                  aes128gcm message for this receiver
     */
    byte[] decrypt(byte[] body) {
        if (body.length < 16 + 4 + 1) {
            throw new IllegalArgumentException("body of " + body.length + " bytes is shorter than the header");
        }
        ByteBuffer in = ByteBuffer.wrap(body);
        byte[] salt = new byte[16];
        in.get(salt);
        long rs = in.getInt() & 0xffffffffL;
        int idlen = in.get() & 0xff;
        if (idlen != 65) {
            throw new IllegalArgumentException("keyid must be the 65-byte sender key (RFC 8291 section 4) but is "
                    + idlen + " bytes");
        }
        byte[] senderPublic = new byte[idlen];
        in.get(senderPublic);
        byte[] record = new byte[in.remaining()];
        in.get(record);
        if (rs < 18) {
            throw new IllegalArgumentException("rs " + rs + " is below the minimum of 18");
        }
        if (record.length > rs) {
            throw new IllegalArgumentException("the record (" + record.length + " bytes) exceeds rs " + rs
                    + ": RFC 8291 requires a single record");
        }
        try {
            KeyAgreement ka = KeyAgreement.getInstance("ECDH");
            ka.init(privateKey);
            ka.doPhase(publicKey(senderPublic), true);
            byte[] ecdhSecret = ka.generateSecret();

            // RFC 8291 section 3.4: combine the ECDH and authentication secrets.
            byte[] prkKey = hmac(auth, ecdhSecret);
            byte[] keyInfo = concat("WebPush: info".getBytes(StandardCharsets.US_ASCII), new byte[] {0},
                    publicKey, senderPublic);
            byte[] ikm = hmac(prkKey, concat(keyInfo, new byte[] {1}));
            // RFC 8188 section 2.2 and 2.3: content encryption key and nonce.
            byte[] prk = hmac(salt, ikm);
            byte[] cek = Arrays.copyOf(hmac(prk, concat("Content-Encoding: aes128gcm".getBytes(StandardCharsets.US_ASCII),
                    new byte[] {0, 1})), 16);
            byte[] nonce = Arrays.copyOf(hmac(prk, concat("Content-Encoding: nonce".getBytes(StandardCharsets.US_ASCII),
                    new byte[] {0, 1})), 12);

            Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
            aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(128, nonce));
            byte[] padded = aes.doFinal(record);
            int end = padded.length - 1;
            while (end >= 0 && padded[end] == 0) {
                end--;
            }
            if (end < 0 || padded[end] != 2) {
                throw new IllegalArgumentException("the last record must end with padding delimiter 0x02");
            }
            return Arrays.copyOf(padded, end);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("decryption failed: " + e, e);
        }
    }

    static ECPublicKey publicKey(byte[] uncompressed) {
        if (uncompressed.length != 65 || uncompressed[0] != 4) {
            throw new IllegalArgumentException("not an uncompressed P-256 point");
        }
        try {
            ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOfRange(uncompressed, 1, 33)),
                    new BigInteger(1, Arrays.copyOfRange(uncompressed, 33, 65)));
            return (ECPublicKey) KeyFactory.getInstance("EC", "SunEC").generatePublic(new ECPublicKeySpec(w, P256));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static ECPrivateKey privateKey(byte[] scalar) {
        try {
            return (ECPrivateKey) KeyFactory.getInstance("EC", "SunEC")
                    .generatePrivate(new ECPrivateKeySpec(new BigInteger(1, scalar), P256));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static byte[] uncompressed(ECPublicKey key) {
        byte[] out = new byte[65];
        out[0] = 4;
        fixed(key.getW().getAffineX(), out, 1);
        fixed(key.getW().getAffineY(), out, 33);
        return out;
    }

    static byte[] b64(String text) {
        return Base64.getUrlDecoder().decode(text);
    }

    static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static void fixed(BigInteger v, byte[] out, int offset) {
        byte[] b = v.toByteArray();
        int start = Math.max(0, b.length - 32);
        System.arraycopy(b, start, out, offset + 32 - (b.length - start), b.length - start);
    }

    private static byte[] hmac(byte[] key, byte[] data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
