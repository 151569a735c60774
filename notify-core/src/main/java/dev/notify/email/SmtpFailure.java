package dev.notify.email;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import java.io.IOException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;

/**
 * What an exception from angus-mail means for a delivery, read from the SMTP reply code where
 * the server gave one (RFC 5321 §4.2): 5xx is permanent, 4xx temporary, 421 means the server is
 * closing the connection, and 530/534/535/538 mean our credentials or security settings are wrong.
 * Without a reply code, an I/O error (or angus' {@code [EOF]}, code -1) is a connection failure.
 *
 * @param kind   what to do about it
 * @param reason the server's reply, or the error, on one line
 */
record SmtpFailure(Kind kind, String reason) {
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    /** The kinds of failure, by what the channel does next. */
    enum Kind {
        /** The server refused this message for good (5xx): the row goes dead with the reply. */
        PERMANENT,
        /** The server refused this message for now (4xx): retry it later; go on with the batch. */
        TEMPORARY,
        /** The connection failed, or the server is closing it (I/O error, EOF, 421). */
        CONNECTION,
        /** Our configuration is wrong (authentication, TLS): every message would fail alike. */
        CONFIGURATION
    }

    static SmtpFailure classify(Exception e) {
        Integer code = null;
        String reply = null;
        String command = null;
        Throwable io = null;
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = e; t != null && seen.put(t, Boolean.TRUE) == null; t = next(t)) {
            if (t instanceof AuthenticationFailedException) {
                return new SmtpFailure(Kind.CONFIGURATION, "authentication failed: " + oneLine(t.getMessage()));
            }
            if (t instanceof SMTPAddressFailedException a) {
                // The recipient's own reply wins over the summary exception around it.
                code = a.getReturnCode();
                reply = a.getMessage();
                command = a.getCommand();
                break;
            }
            if (code == null && t instanceof SMTPSendFailedException s) {
                code = s.getReturnCode();
                reply = s.getMessage();
                command = s.getCommand();
            } else if (code == null && t instanceof SMTPSenderFailedException s) {
                code = s.getReturnCode();
                reply = s.getMessage();
                command = s.getCommand();
            }
            if (io == null && (t instanceof IOException || t instanceof IllegalStateException)) {
                io = t;
            }
        }
        if (code != null) {
            return fromReply(code, reply, command, e);
        }
        if (io != null) {
            return new SmtpFailure(Kind.CONNECTION, describe(io));
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (message.contains("STARTTLS is required")) {
            return new SmtpFailure(Kind.CONFIGURATION, oneLine(message));
        }
        return new SmtpFailure(Kind.TEMPORARY, oneLine(message));
    }

    private static SmtpFailure fromReply(int code, String reply, String command, Exception e) {
        String r = reply == null || reply.isBlank() ? String.valueOf(code) : oneLine(reply);
        if (code < 0 || "[EOF]".equals(r)) {
            return new SmtpFailure(Kind.CONNECTION, "connection closed by the server"
                    + (command == null ? "" : " at " + firstWord(command)));
        }
        if (code == 421) {
            return new SmtpFailure(Kind.CONNECTION, r);
        }
        if (code == 530 || code == 534 || code == 535 || code == 538) {
            return new SmtpFailure(Kind.CONFIGURATION, r);
        }
        // RFC 5321 §4.5.3.1.10: a 552 to RCPT means "too many recipients" and is to be treated as 452.
        if (code == 552 && command != null && command.regionMatches(true, 0, "RCPT", 0, 4)) {
            return new SmtpFailure(Kind.TEMPORARY, r);
        }
        if (code >= 500 && code <= 599) {
            return new SmtpFailure(Kind.PERMANENT, r);
        }
        return new SmtpFailure(Kind.TEMPORARY, r);
    }

    private static Throwable next(Throwable t) {
        if (t instanceof MessagingException m && m.getNextException() != null) {
            return m.getNextException();
        }
        return t.getCause();
    }

    private static String firstWord(String command) {
        int space = command.indexOf(' ');
        return space < 0 ? command : command.substring(0, space);
    }

    static String describe(Throwable t) {
        String message = t.getMessage();
        return t.getClass().getSimpleName() + (message == null ? "" : ": " + oneLine(message));
    }

    static String oneLine(String s) {
        return s == null ? "" : WHITESPACE.matcher(s).replaceAll(" ").strip();
    }
}
