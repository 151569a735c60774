package dev.notify.email;

/**
 * Benchmark access to {@code EmailChannel.Builder.connectionPerMessage}, which is package-private
 * (a test and benchmark switch, not an option users should pick). Same package name, class path only.
 */
public final class EmailProbe {
    private EmailProbe() {
    }

    /** A channel that opens (and QUITs) one SMTP connection per message, as Django's send_mail does. */
    public static EmailChannel.Builder connectionPerMessage(EmailChannel.Builder builder, boolean perMessage) {
        return builder.connectionPerMessage(perMessage);
    }
}
