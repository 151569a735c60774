package dev.notify.examples;

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
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a browser keeps for one push subscription, and what it does with a push message: a P-256
 * key pair (the public half is the subscription's {@code p256dh}), a 16-byte authentication
 * secret ({@code auth}), and decryption of an {@code aes128gcm} message (RFC 8188 section 2,
 * RFC 8291 section 3.4).
 *
 * <p>Written from the RFCs with the JDK alone ({@link KeyAgreement}, {@link Mac}, {@link Cipher}),
 * not with notify's own encryption, so that decrypting a message checks notify rather than
 * repeating it.
 */
final class WebPushBrowser {
    /** Bytes of the authentication secret (RFC 8291 section 3.2). */
    static final int AUTH_BYTES = 16;
    /** Bytes of an uncompressed P-256 point: 0x04, then x and y of 32 bytes each. */
    static final int POINT_BYTES = 65;

    private final ECPrivateKey privateKey;
    private final ECPublicKey publicKey;
    private final byte[] publicPoint;
    private final byte[] auth;

    private WebPushBrowser(KeyPair pair, byte[] auth) {
        this.privateKey = (ECPrivateKey) pair.getPrivate();
        this.publicKey = (ECPublicKey) pair.getPublic();
        this.publicPoint = uncompressed(publicKey);
        this.auth = auth;
    }

    /** A new subscription's keys: a fresh P-256 key pair and a random authentication secret. */
    static WebPushBrowser generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            byte[] auth = new byte[AUTH_BYTES];
            new SecureRandom().nextBytes(auth);
            return new WebPushBrowser(generator.generateKeyPair(), auth);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot generate P-256 keys: " + e, e);
        }
    }

    /**
     * The JSON a browser's {@code PushSubscription.toJSON()} hands to the page, which sends it to
     * the application server: {@code {"endpoint": ..., "expirationTime": null, "keys": {"p256dh":
     * ..., "auth": ...}}}, keys in base64url without padding.
     *
     * @param endpoint the URL the push service gave this subscription
     */
    String subscriptionJson(String endpoint) {
        return "{\"endpoint\":\"" + endpoint + "\",\"expirationTime\":null,\"keys\":{\"p256dh\":\""
                + base64Url(publicPoint) + "\",\"auth\":\"" + base64Url(auth) + "\"}}";
    }

    /**
     * Decrypts a push message body: one {@code aes128gcm} record whose header carries the
     * sender's ephemeral public key as its key id (RFC 8291 section 4).
     *
     * @param body the request body the push service received
     * @return the plaintext, padding removed
     * @throws IllegalArgumentException naming the reason, if the body is not a valid single-record
     *                                  {@code aes128gcm} message for this subscription (a wrong
     *                                  key or secret fails the GCM tag check)
     */
    byte[] decrypt(byte[] body) {
        // RFC 8188 section 2.1: salt (16) | rs (4) | idlen (1) | keyid (idlen) | record.
        if (body.length < 16 + 4 + 1 + POINT_BYTES + 16) {
            throw new IllegalArgumentException("body of " + body.length + " bytes is too short for an aes128gcm"
                    + " message");
        }
        ByteBuffer in = ByteBuffer.wrap(body);
        byte[] salt = new byte[16];
        in.get(salt);
        long rs = in.getInt() & 0xffffffffL;
        int idlen = in.get() & 0xff;
        if (idlen != POINT_BYTES) {
            throw new IllegalArgumentException("the key id must be the sender's 65-byte public key"
                    + " (RFC 8291 section 4) but is " + idlen + " bytes");
        }
        byte[] senderPoint = new byte[idlen];
        in.get(senderPoint);
        byte[] record = new byte[in.remaining()];
        in.get(record);
        if (record.length > rs) {
            throw new IllegalArgumentException("the record (" + record.length + " bytes) exceeds the record size "
                    + rs + ": RFC 8291 allows one record only");
        }
        try {
            KeyAgreement ecdh = KeyAgreement.getInstance("ECDH");
            ecdh.init(privateKey);
            ecdh.doPhase(publicKey(senderPoint), true);
            byte[] ecdhSecret = ecdh.generateSecret();

            // RFC 8291 section 3.4: mix the authentication secret into the ECDH secret.
            byte[] prkKey = hmac(auth, ecdhSecret);
            byte[] keyInfo = concat(ascii("WebPush: info"), new byte[] {0}, publicPoint, senderPoint);
            byte[] ikm = hmac(prkKey, concat(keyInfo, new byte[] {1}));
            // RFC 8188 sections 2.2 and 2.3: content encryption key and nonce (the first record's, sequence 0).
            byte[] prk = hmac(salt, ikm);
            byte[] cek = Arrays.copyOf(hmac(prk, concat(ascii("Content-Encoding: aes128gcm"), new byte[] {0, 1})), 16);
            byte[] nonce = Arrays.copyOf(hmac(prk, concat(ascii("Content-Encoding: nonce"), new byte[] {0, 1})), 12);

            Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
            aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(128, nonce));
            byte[] padded = aes.doFinal(record);
            // RFC 8188 section 2: the last record ends with delimiter 0x02, then zero or more 0x00.
            int end = padded.length - 1;
            while (end >= 0 && padded[end] == 0) {
                end--;
            }
            if (end < 0 || padded[end] != 2) {
                throw new IllegalArgumentException("the record does not end with the last-record delimiter 0x02");
            }
            return Arrays.copyOf(padded, end);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("decryption failed: " + e, e);
        }
    }

    /**
     * A P-256 public key from its 65-byte uncompressed form (a VAPID {@code k=} or
     * {@code applicationServerKey}, a sender key in a message header).
     *
     * @throws IllegalArgumentException if the bytes are not an uncompressed point on P-256
     */
    static ECPublicKey publicKey(byte[] point) {
        if (point.length != POINT_BYTES || point[0] != 4) {
            throw new IllegalArgumentException("not an uncompressed P-256 point (" + point.length + " bytes)");
        }
        try {
            AlgorithmParameters p256 = AlgorithmParameters.getInstance("EC");
            p256.init(new ECGenParameterSpec("secp256r1"));
            ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOfRange(point, 1, 33)),
                    new BigInteger(1, Arrays.copyOfRange(point, 33, 65)));
            return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w,
                    p256.getParameterSpec(ECParameterSpec.class)));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a P-256 public key: " + e.getMessage(), e);
        }
    }

    static byte[] base64Url(String text) {
        return Base64.getUrlDecoder().decode(text);
    }

    static String base64Url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static byte[] uncompressed(ECPublicKey key) {
        byte[] out = new byte[POINT_BYTES];
        out[0] = 4;
        fixed32(key.getW().getAffineX(), out, 1);
        fixed32(key.getW().getAffineY(), out, 33);
        return out;
    }

    /** A coordinate as exactly 32 big-endian bytes (BigInteger may add a sign byte or drop leading zeros). */
    private static void fixed32(BigInteger v, byte[] out, int offset) {
        byte[] b = v.toByteArray();
        int start = Math.max(0, b.length - 32);
        System.arraycopy(b, start, out, offset + 32 - (b.length - start), b.length - start);
    }

    private static byte[] hmac(byte[] key, byte[] data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
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
