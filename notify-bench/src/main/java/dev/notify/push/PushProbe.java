package dev.notify.push;

/**
 * Benchmark access to the package-private aes128gcm encryption (RFC 8291) of {@link PushChannel}.
 * It lives in notify-bench under the same package name, on the class path only, so the
 * benchmark measures the exact code the channel runs without widening notify-core's API.
 */
public final class PushProbe {
    private final PushEncryption encryption = new PushEncryption();

    /** As {@code PushEncryption.encrypt}: the aes128gcm body for one subscription. */
    public byte[] encrypt(byte[] p256dh, byte[] auth, byte[] plaintext) {
        return encryption.encrypt(p256dh, auth, plaintext);
    }
}
