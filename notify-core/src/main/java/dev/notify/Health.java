package dev.notify;

import java.util.List;

/**
 * The result of {@link Notify#health}: one {@link Check} per dependency, ready only if all pass.
 *
 * @param checks in a fixed order: {@code database}, then {@code event_bus} (PostgreSQL only), then
 *               {@code outbox} (when a channel is configured and the database answers)
 */
public record Health(List<Check> checks) {
    public Health {
        checks = List.copyOf(checks);
    }

    /** True if every check passed. */
    public boolean ready() {
        return checks.stream().allMatch(Check::ok);
    }

    /**
     * One check.
     *
     * @param name   {@code database}, {@code event_bus} or {@code outbox}
     * @param ok     whether it passed
     * @param detail what was found, in words, for an operator
     */
    public record Check(String name, boolean ok, String detail) {
    }
}
