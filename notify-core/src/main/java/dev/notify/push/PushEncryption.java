package dev.notify.push;

import com.zerodeplibs.webpush.EncryptedPushMessage;
import com.zerodeplibs.webpush.MessageEncryption;
import com.zerodeplibs.webpush.MessageEncryptions;
import com.zerodeplibs.webpush.PushMessage;
import com.zerodeplibs.webpush.UserAgentMessageEncryptionKeyInfo;

/**
 * Encrypts push message payloads with aes128gcm (RFC 8291 section 3, RFC 8188) through
 * zerodep-web-push-java: a fresh ephemeral ECDH key pair and a random 16-byte salt per message, a
 * single record, no padding beyond the delimiter.
 *
 * <p>One detail differs from zerodep's output: zerodep writes the record's own length as the
 * header's record size ({@code rs}); this class writes 4096, as RFC 8291's example (section 5) and
 * most other implementations do. Both are valid: a single, final record may be shorter than
 * {@code rs} (RFC 8188 section 2), and {@code rs} is not an input to the key derivation. The fixed
 * value makes the output byte-for-byte comparable with RFC 8291 Appendix A.
 *
 * <p>Not thread-safe (zerodep's encryption object holds a {@code Mac}): use one per thread.
 */
final class PushEncryption {
    /** The record size written in the header. */
    static final int RECORD_SIZE = 4096;
    /** Where {@code rs} sits in the aes128gcm header: after the 16-byte salt. */
    private static final int RS_OFFSET = 16;

    private final MessageEncryption encryption = MessageEncryptions.of();

    /**
     * Encrypts {@code plaintext} for a subscription.
     *
     * @param p256dh    the subscription's 65-byte uncompressed public key
     * @param auth      the subscription's 16-byte authentication secret
     * @param plaintext the payload
     * @return the message body: header (salt, rs, key id length, ephemeral public key) then the
     *         encrypted record
     * @throws IllegalArgumentException if the keys are malformed
     */
    byte[] encrypt(byte[] p256dh, byte[] auth, byte[] plaintext) {
        UserAgentMessageEncryptionKeyInfo keyInfo;
        try {
            keyInfo = UserAgentMessageEncryptionKeyInfo.of(p256dh, auth);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the subscription's keys are not usable: " + e.getMessage(), e);
        }
        EncryptedPushMessage message = encryption.encrypt(keyInfo, PushMessage.of(plaintext));
        byte[] body = message.toBytes();
        body[RS_OFFSET] = (byte) (RECORD_SIZE >>> 24);
        body[RS_OFFSET + 1] = (byte) (RECORD_SIZE >>> 16);
        body[RS_OFFSET + 2] = (byte) (RECORD_SIZE >>> 8);
        body[RS_OFFSET + 3] = (byte) RECORD_SIZE;
        return body;
    }
}
