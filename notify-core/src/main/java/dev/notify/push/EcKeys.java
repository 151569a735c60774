package dev.notify.push;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Base64;

/** P-256 (secp256r1) key handling with the JDK alone: raw encodings, curve checks, lenient base64. */
final class EcKeys {
    /** Bytes in an uncompressed P-256 point: 0x04, then x and y, 32 bytes each (SEC1 section 2.3.3). */
    static final int UNCOMPRESSED_POINT_BYTES = 65;
    /** Bytes in a P-256 private scalar. */
    static final int SCALAR_BYTES = 32;

    static final ECParameterSpec P256;
    private static final BigInteger P;
    private static final BigInteger A;
    private static final BigInteger B;

    static {
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec("secp256r1"));
            P256 = parameters.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
        P = ((ECFieldFp) P256.getCurve().getField()).getP();
        A = P256.getCurve().getA();
        B = P256.getCurve().getB();
    }

    private EcKeys() {
    }

    /**
     * Decodes base64 in any of the spellings key tools print: URL-safe or standard alphabet,
     * padded or not, with line breaks.
     *
     * @throws IllegalArgumentException if the text is not base64
     */
    static byte[] decodeBase64(String text) {
        StringBuilder clean = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '+') {
                clean.append('-');
            } else if (c == '/') {
                clean.append('_');
            } else if (c != '=' && !Character.isWhitespace(c)) {
                clean.append(c);
            }
        }
        return Base64.getUrlDecoder().decode(clean.toString());
    }

    static String base64Url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * A public key from its uncompressed form.
     *
     * @throws IllegalArgumentException if the bytes are not 65 long, do not start with 0x04, or
     *                                  the point is not on the curve
     */
    static ECPublicKey publicKey(byte[] uncompressed) {
        if (uncompressed.length != UNCOMPRESSED_POINT_BYTES || uncompressed[0] != 0x04) {
            throw new IllegalArgumentException("must be an uncompressed P-256 point (65 bytes starting 0x04) but was "
                    + uncompressed.length + " bytes" + (uncompressed.length > 0
                    ? String.format(" starting 0x%02x", uncompressed[0] & 0xff) : ""));
        }
        BigInteger x = new BigInteger(1, java.util.Arrays.copyOfRange(uncompressed, 1, 33));
        BigInteger y = new BigInteger(1, java.util.Arrays.copyOfRange(uncompressed, 33, 65));
        if (!onCurve(x, y)) {
            throw new IllegalArgumentException("is not a point on the P-256 curve");
        }
        try {
            return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), P256));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("is not a P-256 public key: " + e.getMessage(), e);
        }
    }

    /**
     * A private key from its 32-byte scalar.
     *
     * @throws IllegalArgumentException if the bytes are not 32 long or the scalar is out of range
     */
    static ECPrivateKey privateKey(byte[] scalar) {
        if (scalar.length != SCALAR_BYTES) {
            throw new IllegalArgumentException("must be a 32-byte P-256 private scalar but was " + scalar.length + " bytes");
        }
        BigInteger d = new BigInteger(1, scalar);
        if (d.signum() == 0 || d.compareTo(P256.getOrder()) >= 0) {
            throw new IllegalArgumentException("is not a valid P-256 private scalar (out of range)");
        }
        try {
            return (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(d, P256));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("is not a P-256 private key: " + e.getMessage(), e);
        }
    }

    /** The uncompressed form: 0x04 || x || y. */
    static byte[] uncompressed(ECPublicKey key) {
        byte[] out = new byte[UNCOMPRESSED_POINT_BYTES];
        out[0] = 0x04;
        copyFixed(key.getW().getAffineX(), out, 1);
        copyFixed(key.getW().getAffineY(), out, 33);
        return out;
    }

    /** The 32-byte big-endian private scalar. */
    static byte[] scalar(ECPrivateKey key) {
        byte[] out = new byte[SCALAR_BYTES];
        copyFixed(key.getS(), out, 0);
        return out;
    }

    /** Whether a key from a JCA provider is on P-256. */
    static boolean isP256(ECParameterSpec spec) {
        return spec != null
                && spec.getCurve().equals(P256.getCurve())
                && spec.getGenerator().equals(P256.getGenerator())
                && spec.getOrder().equals(P256.getOrder());
    }

    static ECPublicKey requireP256(PublicKey key) {
        if (!(key instanceof ECPublicKey ec) || !isP256(ec.getParams())) {
            throw new IllegalArgumentException("is not a P-256 (secp256r1) public key but " + describe(key));
        }
        return ec;
    }

    static ECPrivateKey requireP256(PrivateKey key) {
        if (!(key instanceof ECPrivateKey ec) || !isP256(ec.getParams())) {
            throw new IllegalArgumentException("is not a P-256 (secp256r1) private key but " + describe(key));
        }
        return ec;
    }

    private static String describe(java.security.Key key) {
        if (key instanceof java.security.interfaces.ECKey ec && ec.getParams() != null) {
            return "an EC key on another curve (" + ec.getParams().getOrder().bitLength() + "-bit)";
        }
        return "a " + key.getAlgorithm() + " key";
    }

    /** y^2 = x^3 + ax + b (mod p), with both coordinates in the field. */
    private static boolean onCurve(BigInteger x, BigInteger y) {
        if (x.compareTo(P) >= 0 || y.compareTo(P) >= 0) {
            return false;
        }
        BigInteger left = y.multiply(y).mod(P);
        BigInteger right = x.pow(3).add(A.multiply(x)).add(B).mod(P);
        return left.equals(right);
    }

    private static void copyFixed(BigInteger value, byte[] out, int offset) {
        byte[] bytes = value.toByteArray();
        int start = Math.max(0, bytes.length - SCALAR_BYTES);
        int length = bytes.length - start;
        System.arraycopy(bytes, start, out, offset + SCALAR_BYTES - length, length);
    }
}
