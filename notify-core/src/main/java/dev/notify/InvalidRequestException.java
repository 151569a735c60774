package dev.notify;

/**
 * Thrown when input is malformed or out of range; nothing has been stored. HTTP 400.
 * {@link #field()} names the offending field when one is known.
 */
public class InvalidRequestException extends NotifyException {
    private final String field;

    public InvalidRequestException(String code, String message) {
        this(code, null, message);
    }

    /**
     * @param code    the stable error code, e.g. {@code invalid_text}
     * @param field   the field at fault in the request's wire names (e.g. {@code title},
     *                {@code data.order_id}), or null when no single field is
     * @param message what is wrong, naming the field
     */
    public InvalidRequestException(String code, String field, String message) {
        super(code, message);
        this.field = field;
    }

    /** A field failed validation: the message names the field and quotes the fact. */
    public static InvalidRequestException field(String field, String problem) {
        return new InvalidRequestException("invalid_" + field, field, field + " " + problem);
    }

    /** The field at fault, in the request's wire names, or null when no single field is. */
    public String field() {
        return field;
    }
}
