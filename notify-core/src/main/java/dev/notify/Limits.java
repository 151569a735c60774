package dev.notify;

/** Size limits applied to everything that is sent, in characters unless stated. */
public final class Limits {
    /** Longest recipient (user id). */
    public static final int RECIPIENT_MAX = 255;
    /** Longest notification type. */
    public static final int TYPE_MAX = 100;
    /** Longest title. */
    public static final int TITLE_MAX = 255;
    /** Longest message body. */
    public static final int MESSAGE_MAX = 10_000;
    /** Longest link. */
    public static final int LINK_MAX = 2_048;
    /** Longest idempotency key. */
    public static final int IDEMPOTENCY_KEY_MAX = 255;
    /** Largest {@code data} object, measured as its JSON text. */
    public static final int DATA_JSON_MAX = 16_384;
    /** Most recipients in one send. */
    public static final int RECIPIENTS_MAX = 1_000;
    /** Largest inbox page. */
    public static final int PAGE_MAX = 100;
    /** Inbox page size when none is asked for. */
    public static final int PAGE_DEFAULT = 20;

    private Limits() {
    }
}
