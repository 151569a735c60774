package dev.notify.push;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application server's VAPID key pair (RFC 8292): a P-256 (secp256r1) key pair whose private
 * key signs the JWT sent with each push message, and whose public key browsers receive as the
 * {@code applicationServerKey} when they subscribe.
 *
 * <p>Keys come from the environment ({@link #fromEnvironment()}), from text
 * ({@link #parse(String, String)}), from a file that keeps a generated pair across restarts
 * ({@link #loadOrCreate(Path)}), or fresh ({@link #generate()}). Accepted formats, so that keys
 * made by the usual tools work as printed:
 * <ul>
 *   <li>{@code web-push generate-vapid-keys} (Node): base64url of the 65-byte uncompressed public
 *       point and of the 32-byte private scalar;</li>
 *   <li>{@code vapid --gen} (py-vapid): PEM files {@code private_key.pem} ({@code BEGIN PRIVATE
 *       KEY}, PKCS #8) and {@code public_key.pem} ({@code BEGIN PUBLIC KEY}); give either the PEM
 *       text or the file's path; {@code BEGIN EC PRIVATE KEY} (SEC1, RFC 5915, as OpenSSL writes)
 *       works too;</li>
 *   <li>the base64 of the DER inside those PEM files, on one line (as often pasted into
 *       {@code .env} files); standard or URL-safe alphabet, padded or not.</li>
 * </ul>
 *
 * <p>Instances are immutable and thread-safe. {@link #toString()} shows the public key only.
 */
public final class VapidKeys {
    /** Environment variable holding the public key (the name Django Web Push settings use). */
    public static final String PUBLIC_KEY_ENV = "WEBPUSH_VAPID_PUBLIC_KEY";
    /** Environment variable holding the private key (the name Django Web Push settings use). */
    public static final String PRIVATE_KEY_ENV = "WEBPUSH_VAPID_PRIVATE_KEY";

    private static final Logger log = LoggerFactory.getLogger(VapidKeys.class);
    private static final Pattern PEM_BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    /** DER of the prime256v1 OID, 1.2.840.10045.3.1.7. */
    private static final byte[] P256_OID = {0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x03, 0x01, 0x07};
    private static final String PRIVATE_FORMATS = "expected the base64url 32-byte private scalar that "
            + "'web-push generate-vapid-keys' prints, or a PEM private key ('BEGIN PRIVATE KEY' or 'BEGIN EC "
            + "PRIVATE KEY', as 'vapid --gen' writes) given as text, as a file path, or as the base64 of its DER";
    private static final String PUBLIC_FORMATS = "expected the base64url 65-byte uncompressed public point that "
            + "'web-push generate-vapid-keys' prints, or a PEM public key ('BEGIN PUBLIC KEY', as 'vapid --gen' "
            + "writes) given as text, as a file path, or as the base64 of its DER";

    private final ECPublicKey publicKey;
    private final ECPrivateKey privateKey;
    private final String publicKeyBase64Url;

    private VapidKeys(ECPublicKey publicKey, ECPrivateKey privateKey) {
        this.publicKey = publicKey;
        this.privateKey = privateKey;
        this.publicKeyBase64Url = EcKeys.base64Url(EcKeys.uncompressed(publicKey));
    }

    /** A fresh random P-256 key pair. */
    public static VapidKeys generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            return new VapidKeys((ECPublicKey) pair.getPublic(), (ECPrivateKey) pair.getPrivate());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot generate P-256 keys", e);
        }
    }

    /**
     * A key pair from JCA keys.
     *
     * @throws IllegalArgumentException if either key is not on P-256, or the public key is not the
     *                                  private key's pair
     */
    public static VapidKeys of(ECPublicKey publicKey, ECPrivateKey privateKey) {
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(privateKey, "privateKey");
        return checked(requireP256(publicKey, "publicKey"), requireP256(privateKey, "privateKey"),
                "publicKey", "privateKey");
    }

    /**
     * Parses a key pair in any of the formats listed in the class description.
     *
     * @param publicKey  the public key: base64url uncompressed point, PEM text, PEM file path, or
     *                   base64 DER
     * @param privateKey the private key: base64url scalar, PEM text (PKCS #8 or SEC1), PEM file
     *                   path, or base64 DER
     * @throws IllegalArgumentException if a value is malformed (the message says which, and what
     *                                  was expected, never the secret itself), or the public key is
     *                                  not the private key's pair
     */
    public static VapidKeys parse(String publicKey, String privateKey) {
        return parse(publicKey, "publicKey", privateKey, "privateKey");
    }

    /**
     * Reads {@value #PUBLIC_KEY_ENV} and {@value #PRIVATE_KEY_ENV} from the process environment.
     *
     * @return the keys, or empty when neither variable is set (then generate or
     *         {@link #loadOrCreate(Path) keep} a pair instead)
     * @throws IllegalArgumentException if only one is set, a value is malformed, or they are not a
     *                                  pair; the message names the variable
     */
    public static Optional<VapidKeys> fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /**
     * As {@link #fromEnvironment()}, from the given variables (e.g. a parsed {@code .env} file).
     *
     * @param env variable names to values
     */
    public static Optional<VapidKeys> fromEnvironment(Map<String, String> env) {
        String pub = blankToNull(env.get(PUBLIC_KEY_ENV));
        String priv = blankToNull(env.get(PRIVATE_KEY_ENV));
        if (pub == null && priv == null) {
            return Optional.empty();
        }
        if (pub == null || priv == null) {
            String missing = pub == null ? PUBLIC_KEY_ENV : PRIVATE_KEY_ENV;
            String present = pub == null ? PRIVATE_KEY_ENV : PUBLIC_KEY_ENV;
            throw new IllegalArgumentException(missing + " is not set but " + present
                    + " is: set both to the same key pair, or neither to use generated keys");
        }
        return Optional.of(parse(pub, PUBLIC_KEY_ENV, priv, PRIVATE_KEY_ENV));
    }

    /**
     * Loads the key pair kept in {@code file}, or generates one and keeps it there, so that a
     * restarted server keeps its keys (browsers' subscriptions are bound to the public key). The
     * file holds the private key (PEM, PKCS #8) and the public key (PEM), is created readable and
     * writable by its owner only (on file systems with POSIX permissions), and is written under a
     * temporary name then moved into place, so a crash never leaves half a key.
     *
     * @param file where the pair is kept; missing parent directories are created
     * @throws UncheckedIOException     if the file cannot be read or written
     * @throws IllegalArgumentException if the file exists but does not hold a P-256 key pair
     */
    public static VapidKeys loadOrCreate(Path file) {
        Objects.requireNonNull(file, "file");
        try {
            if (Files.exists(file)) {
                return load(file);
            }
            VapidKeys keys = generate();
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = ownerOnlyTempFile(dir);
            try {
                Files.writeString(tmp, keys.toPem(), StandardCharsets.US_ASCII);
                Files.move(tmp, file);
            } catch (FileAlreadyExistsException e) {
                // Another process won the race: its pair is the one to use.
                return load(file);
            } finally {
                Files.deleteIfExists(tmp);
            }
            log.info("generated a new VAPID key pair in {} (public key {})", file, keys.publicKeyBase64Url());
            return keys;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the VAPID key file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The public key as base64url (no padding) of its 65-byte uncompressed form: the
     * {@code applicationServerKey} to pass to {@code PushManager.subscribe()}, and the {@code k}
     * parameter of the {@code Authorization: vapid} header (RFC 8292 section 3.2).
     */
    public String publicKeyBase64Url() {
        return publicKeyBase64Url;
    }

    /** The public key. */
    public ECPublicKey publicKey() {
        return publicKey;
    }

    /**
     * The private key as base64url (no padding) of its 32-byte scalar, the format of
     * {@code web-push generate-vapid-keys}: for writing {@value #PRIVATE_KEY_ENV}. A secret.
     */
    public String privateKeyBase64Url() {
        return EcKeys.base64Url(EcKeys.scalar(privateKey));
    }

    /**
     * The pair as PEM text: the private key ({@code BEGIN PRIVATE KEY}, PKCS #8) then the public
     * key ({@code BEGIN PUBLIC KEY}). {@link #parse(String, String)} reads it back when given as
     * both arguments. A secret.
     */
    public String toPem() {
        return pem("PRIVATE KEY", privateKey.getEncoded()) + pem("PUBLIC KEY", publicKey.getEncoded());
    }

    ECPrivateKey privateKey() {
        return privateKey;
    }

    @Override
    public String toString() {
        return "VapidKeys[public=" + publicKeyBase64Url + "]";
    }

    private static VapidKeys load(Path file) throws IOException {
        warnIfReadableByOthers(file);
        String text = Files.readString(file, StandardCharsets.ISO_8859_1);
        String name = "VAPID key file " + file;
        return parse(text, name, text, name);
    }

    static VapidKeys parse(String publicValue, String publicName, String privateValue, String privateName) {
        Objects.requireNonNull(publicValue, publicName);
        Objects.requireNonNull(privateValue, privateName);
        ECPublicKey pub = parsePublic(resolve(publicValue, publicName), publicName);
        ECPrivateKey priv = parsePrivate(resolve(privateValue, privateName), privateName);
        return checked(pub, priv, publicName, privateName);
    }

    private static VapidKeys checked(ECPublicKey pub, ECPrivateKey priv, String publicName, String privateName) {
        if (!isPair(pub, priv)) {
            throw new IllegalArgumentException(publicName + " does not match " + privateName
                    + ": the public key is not the private key's pair (were they taken from two different "
                    + "generations?)");
        }
        return new VapidKeys(pub, priv);
    }

    /** Signs and verifies a probe: no curve arithmetic of our own needed. */
    private static boolean isPair(ECPublicKey pub, ECPrivateKey priv) {
        try {
            byte[] probe = "notify VAPID key pair check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(priv);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance("SHA256withECDSA");
            verifier.initVerify(pub);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * PEM or base64 text as given, or the contents of the file it names. Forgives what copying
     * into a {@code .env} file does: surrounding quotes, and PEM line breaks written as {@code \n}.
     */
    private static String resolve(String value, String name) {
        String trimmed = value.strip();
        if (trimmed.length() >= 2 && (trimmed.charAt(0) == '"' || trimmed.charAt(0) == '\'')
                && trimmed.charAt(trimmed.length() - 1) == trimmed.charAt(0)) {
            trimmed = trimmed.substring(1, trimmed.length() - 1).strip();
        }
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException(name + " is empty");
        }
        if (trimmed.contains("-----BEGIN")) {
            return trimmed.replace("\\r", "").replace("\\n", "\n");
        }
        Path path = null;
        try {
            path = Path.of(trimmed);
            if (Files.isRegularFile(path)) {
                // ISO-8859-1 reads any byte: a BOM or stray character cannot hide the PEM armour.
                return Files.readString(path, StandardCharsets.ISO_8859_1);
            }
        } catch (InvalidPathException | IOException e) {
            // not a readable file name: treat it as base64
        }
        if (looksLikePath(trimmed)) {
            boolean pathLike = trimmed.contains("/") || trimmed.contains("\\");
            throw new IllegalArgumentException(name + " is neither base64 nor PEM, and names no readable file"
                    + (pathLike ? " ('" + trimmed + "' does not exist or cannot be read)" : ""));
        }
        return trimmed;
    }

    private static boolean looksLikePath(String value) {
        // Base64 has no '.', '~' or '\\' (but may have '/'): only these make a value a path for sure.
        return value.contains(".") || value.startsWith("~") || value.contains("\\");
    }

    private static ECPublicKey parsePublic(String text, String name) {
        if (text.contains("-----BEGIN")) {
            byte[] der = pemBlock(text, name, Set.of("PUBLIC KEY"), PUBLIC_FORMATS);
            return fromSpki(der, name);
        }
        byte[] bytes = base64(text, name, PUBLIC_FORMATS);
        if (bytes.length == EcKeys.UNCOMPRESSED_POINT_BYTES || bytes.length < 40) {
            try {
                return EcKeys.publicKey(bytes);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + " is malformed: it " + e.getMessage() + "; "
                        + PUBLIC_FORMATS, e);
            }
        }
        return fromSpki(bytes, name);
    }

    private static ECPrivateKey parsePrivate(String text, String name) {
        if (text.contains("-----BEGIN")) {
            if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
                throw new IllegalArgumentException(name + " is a passphrase-protected private key, which is not "
                        + "supported: export it without a passphrase (openssl pkcs8 -nocrypt)");
            }
            Matcher m = PEM_BLOCK.matcher(text);
            while (m.find()) {
                String label = m.group(1);
                if (label.equals("PRIVATE KEY")) {
                    return fromPkcs8(base64(m.group(2), name, PRIVATE_FORMATS), name);
                }
                if (label.equals("EC PRIVATE KEY")) {
                    return fromSec1(base64(m.group(2), name, PRIVATE_FORMATS), name);
                }
            }
            throw new IllegalArgumentException(name + " holds no 'BEGIN PRIVATE KEY' or 'BEGIN EC PRIVATE KEY' "
                    + "block; " + PRIVATE_FORMATS);
        }
        byte[] bytes = base64(text, name, PRIVATE_FORMATS);
        if (bytes.length <= EcKeys.SCALAR_BYTES) {
            try {
                return EcKeys.privateKey(bytes);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + " is malformed: it decodes to " + bytes.length
                        + " bytes; " + PRIVATE_FORMATS, e);
            }
        }
        // DER pasted without its PEM armour: PKCS #8 (vapid --gen) or SEC1 (OpenSSL).
        if (bytes.length > 4 && bytes[2] == 0x02 && bytes[3] == 0x01 && bytes.length > 5 && bytes[4] == 0x01) {
            return fromSec1(bytes, name);
        }
        return fromPkcs8(bytes, name);
    }

    private static byte[] pemBlock(String text, String name, Set<String> labels, String formats) {
        Matcher m = PEM_BLOCK.matcher(text);
        while (m.find()) {
            if (labels.contains(m.group(1))) {
                return base64(m.group(2), name, formats);
            }
        }
        throw new IllegalArgumentException(name + " holds no " + labels.iterator().next() + " PEM block; " + formats);
    }

    private static byte[] base64(String text, String name, String formats) {
        try {
            return EcKeys.decodeBase64(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " is malformed: it is neither base64 nor PEM nor a readable "
                    + "file; " + formats, e);
        }
    }

    private static ECPublicKey fromSpki(byte[] der, String name) {
        try {
            return requireP256((ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der)),
                    name);
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException(name + " is malformed: it decodes to " + der.length
                    + " bytes that are not an EC public key; " + PUBLIC_FORMATS, e);
        }
    }

    private static ECPrivateKey fromPkcs8(byte[] der, String name) {
        try {
            return requireP256((ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(
                    new PKCS8EncodedKeySpec(der)), name);
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException(name + " is malformed: it decodes to " + der.length
                    + " bytes that are not a PKCS #8 EC private key; " + PRIVATE_FORMATS, e);
        }
    }

    /**
     * RFC 5915: {@code SEQUENCE { INTEGER 1, OCTET STRING privateKey, [0] OID parameters OPTIONAL,
     * [1] BIT STRING publicKey OPTIONAL }}.
     */
    private static ECPrivateKey fromSec1(byte[] der, String name) {
        String malformed = name + " is malformed: its 'EC PRIVATE KEY' is not an RFC 5915 structure; "
                + PRIVATE_FORMATS;
        try {
            Der outer = Der.read(der, 0);
            if (outer.tag != 0x30) {
                throw new IllegalArgumentException(malformed);
            }
            Der version = Der.read(der, outer.start);
            Der scalar = Der.read(der, version.end());
            if (version.tag != 0x02 || version.length != 1 || der[version.start] != 1 || scalar.tag != 0x04
                    || scalar.length > EcKeys.SCALAR_BYTES) {
                throw new IllegalArgumentException(malformed);
            }
            int next = scalar.end();
            if (next < outer.end()) {
                Der field = Der.read(der, next);
                if (field.tag == 0xa0) {
                    byte[] oid = Arrays.copyOfRange(der, field.start, field.end());
                    if (!Arrays.equals(oid, P256_OID)) {
                        throw new IllegalArgumentException(name + " is not a P-256 (prime256v1) key: VAPID "
                                + "requires P-256 (RFC 8292 section 3.2)");
                    }
                }
            }
            byte[] value = new byte[EcKeys.SCALAR_BYTES];
            System.arraycopy(der, scalar.start, value, EcKeys.SCALAR_BYTES - scalar.length, scalar.length);
            return EcKeys.privateKey(value);
        } catch (ArrayIndexOutOfBoundsException e) {
            throw new IllegalArgumentException(malformed, e);
        }
    }

    private static <K extends java.security.Key> K requireP256(K key, String name) {
        try {
            if (key instanceof ECPublicKey pub) {
                EcKeys.requireP256(pub);
            } else {
                EcKeys.requireP256((java.security.PrivateKey) key);
            }
            return key;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + " " + e.getMessage()
                    + ": VAPID requires P-256 (RFC 8292 section 3.2)", e);
        }
    }

    private static Path ownerOnlyTempFile(Path dir) throws IOException {
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            return Files.createTempFile(dir, ".vapid-", ".tmp", PosixFilePermissions.asFileAttribute(
                    EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
        }
        Path tmp = Files.createTempFile(dir, ".vapid-", ".tmp");
        java.io.File f = tmp.toFile();
        boolean ok = f.setReadable(false, false) & f.setReadable(true, true)
                & f.setWritable(false, false) & f.setWritable(true, true);
        if (!ok) {
            log.warn("could not restrict {} to its owner; protect the VAPID key file yourself", tmp);
        }
        return tmp;
    }

    private static void warnIfReadableByOthers(Path file) {
        try {
            if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
                if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                    log.warn("the VAPID key file {} is readable by others ({}); chmod 600 it",
                            file, PosixFilePermissions.toString(perms));
                }
            }
        } catch (IOException | UnsupportedOperationException e) {
            // only a warning
        }
    }

    private static String pem(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    /** One DER tag-length-value: the contents are {@code [start, start + length)}. */
    private record Der(int tag, int start, int length) {
        static Der read(byte[] der, int offset) {
            int tag = der[offset] & 0xff;
            int first = der[offset + 1] & 0xff;
            int start = offset + 2;
            int length = first;
            if (first > 0x80) {
                int count = first & 0x7f;
                if (count > 3) {
                    throw new ArrayIndexOutOfBoundsException("DER length too long");
                }
                length = 0;
                for (int i = 0; i < count; i++) {
                    length = (length << 8) | (der[start + i] & 0xff);
                }
                start += count;
            } else if (first == 0x80) {
                throw new ArrayIndexOutOfBoundsException("indefinite DER length");
            }
            if (start + length > der.length) {
                throw new ArrayIndexOutOfBoundsException("DER value runs past the end");
            }
            return new Der(tag, start, length);
        }

        int end() {
            return start + length;
        }
    }
}
