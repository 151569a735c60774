package dev.notify;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;

/** How often a recipient wants the email of a category: at once, or collected into a digest. */
public enum DigestFrequency {
    IMMEDIATE, HOURLY, DAILY, WEEKLY;

    /** The JSON name: {@code immediate}, {@code hourly}, {@code daily}, {@code weekly}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The end of the period containing {@code at}, in {@code zone}: the next full hour, the next
     * local midnight, or the next Monday 00:00. An instant exactly on a boundary starts the new
     * period. Not for {@link #IMMEDIATE}.
     */
    public Instant periodEnd(Instant at, ZoneId zone) {
        ZonedDateTime local = at.atZone(zone);
        return switch (this) {
            case HOURLY -> local.truncatedTo(ChronoUnit.HOURS).plusHours(1).toInstant();
            case DAILY -> local.toLocalDate().plusDays(1).atStartOfDay(zone).toInstant();
            case WEEKLY -> local.toLocalDate().with(TemporalAdjusters.next(DayOfWeek.MONDAY)).atStartOfDay(zone)
                    .toInstant();
            case IMMEDIATE -> throw new IllegalStateException("immediate has no period");
        };
    }

    /** @throws InvalidRequestException for anything but the four wire names */
    public static DigestFrequency parse(String value) {
        if (value != null) {
            for (DigestFrequency f : values()) {
                if (f.wireName().equals(value)) {
                    return f;
                }
            }
        }
        throw InvalidRequestException.field("digests", "frequency must be immediate, hourly, daily or weekly but was '"
                + value + "'");
    }
}
