package dev.notify;

import java.util.Locale;

/**
 * How urgent a notification is. Later channels map it to their own scales (Web Push
 * {@code Urgency}, RFC 8030 section 5.3).
 */
public enum Priority {
    LOW, NORMAL, HIGH, URGENT;

    /** The lower-case wire name: {@code low}, {@code normal}, {@code high}, {@code urgent}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a wire name, case-insensitively.
     *
     * @param value one of {@code low|normal|high|urgent}
     * @throws InvalidRequestException if the value is none of them
     */
    public static Priority parse(String value) {
        if (value != null) {
            for (Priority p : values()) {
                if (p.name().equalsIgnoreCase(value.trim())) {
                    return p;
                }
            }
        }
        throw new InvalidRequestException("invalid_priority",
                "priority must be one of low, normal, high, urgent but was '" + value + "'");
    }
}
