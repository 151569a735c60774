package dev.notify.testing;

import dev.notify.Notification;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * One condition on a sent notification, with a description for failure messages. Build them with
 * the factories of {@link NotifyTestKit} ({@code to("42")}, {@code type("new_order")}...).
 */
public final class NotificationMatcher {
    private final String description;
    private final Predicate<Notification> test;

    /**
     * @param description what it checks, e.g. {@code to 42}; shown when an assertion fails
     * @param test        the condition
     */
    public NotificationMatcher(String description, Predicate<Notification> test) {
        this.description = Objects.requireNonNull(description, "description");
        this.test = Objects.requireNonNull(test, "test");
    }

    /** Whether {@code n} meets the condition. */
    public boolean matches(Notification n) {
        return test.test(n);
    }

    @Override
    public String toString() {
        return description;
    }
}
