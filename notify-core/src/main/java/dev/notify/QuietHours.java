package dev.notify;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;

/**
 * A daily window in which a recipient gets no email or push: deliveries due inside it wait until
 * it ends. In-app notifications and real-time streams are not affected. Times are wall-clock times
 * in {@code timeZone}; an {@code end} before {@code start} crosses midnight ({@code 22:00-07:00}).
 * Daylight-saving changes follow {@link java.time}: an end time that falls into a gap (clocks
 * jump forward) is moved later by the gap's length; in an overlap the earlier instant applies.
 *
 * @param start    when the window opens, minute precision
 * @param end      when it closes, minute precision, not equal to {@code start}
 * @param timeZone the zone of both times, or null for the recipient profile's zone (else UTC)
 */
public record QuietHours(LocalTime start, LocalTime end, ZoneId timeZone) {
    public QuietHours {
        if (start == null || end == null) {
            throw InvalidRequestException.field("quiet_hours", "needs a start and an end time");
        }
        start = start.truncatedTo(ChronoUnit.MINUTES);
        end = end.truncatedTo(ChronoUnit.MINUTES);
        if (start.equals(end)) {
            throw InvalidRequestException.field("quiet_hours", "start and end must differ but both were " + start);
        }
    }

    /**
     * Parses {@code HH:MM} times and an IANA zone id.
     *
     * @param timeZone e.g. {@code Europe/Paris}, or null
     * @throws InvalidRequestException naming the bad value
     */
    public static QuietHours parse(String start, String end, String timeZone) {
        return new QuietHours(time("start", start), time("end", end), zone(timeZone));
    }

    private static LocalTime time(String field, String value) {
        if (value == null || !value.matches("\\d{2}:\\d{2}")) {
            throw InvalidRequestException.field("quiet_hours." + field, "must be HH:MM but was '" + value + "'");
        }
        try {
            return LocalTime.parse(value);
        } catch (DateTimeParseException e) {
            throw InvalidRequestException.field("quiet_hours." + field, "must be HH:MM but was '" + value + "'");
        }
    }

    /** @throws InvalidRequestException if {@code id} is not a known time zone */
    public static ZoneId zone(String id) {
        if (id == null) {
            return null;
        }
        try {
            return ZoneId.of(id);
        } catch (java.time.DateTimeException e) {
            throw InvalidRequestException.field("quiet_hours.time_zone", "is not a known time zone: '" + id + "'");
        }
    }

    /**
     * When the window that contains {@code at} ends, or empty when {@code at} is outside every
     * window.
     *
     * @param fallbackZone the zone to use when {@link #timeZone()} is null; null means UTC
     */
    public Optional<Instant> endOfWindowContaining(Instant at, ZoneId fallbackZone) {
        ZoneId zone = timeZone != null ? timeZone : fallbackZone != null ? fallbackZone : ZoneOffset.UTC;
        LocalDateTime local = LocalDateTime.ofInstant(Objects.requireNonNull(at, "at"), zone);
        LocalTime t = local.toLocalTime();
        LocalDate day = local.toLocalDate();
        LocalDate endDay;
        if (start.isBefore(end)) {
            if (t.isBefore(start) || !t.isBefore(end)) {
                return Optional.empty();
            }
            endDay = day;
        } else if (!t.isBefore(start)) {
            endDay = day.plusDays(1); // after start, before midnight: ends tomorrow
        } else if (t.isBefore(end)) {
            endDay = day;             // after midnight, before end
        } else {
            return Optional.empty();
        }
        Instant endsAt = ZonedDateTime.of(endDay, end, zone).toInstant();
        return endsAt.isAfter(at) ? Optional.of(endsAt) : Optional.empty();
    }
}
