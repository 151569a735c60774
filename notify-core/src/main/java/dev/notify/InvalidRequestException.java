package dev.notify;

/** Thrown when input is malformed or out of range; nothing has been stored. HTTP 400. */
public class InvalidRequestException extends NotifyException {
    public InvalidRequestException(String code, String message) {
        super(code, message);
    }

    /** A field failed validation: the message names the field and quotes the fact. */
    public static InvalidRequestException field(String field, String problem) {
        return new InvalidRequestException("invalid_" + field, field + " " + problem);
    }
}
