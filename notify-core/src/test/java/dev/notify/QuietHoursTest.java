package dev.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** The window arithmetic: same-day windows, windows across midnight, daylight-saving changes. */
class QuietHoursTest {
    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");

    private static Instant end(QuietHours q, String at) {
        return q.endOfWindowContaining(Instant.parse(at), null).orElse(null);
    }

    @Test
    void aSameDayWindow() {
        QuietHours q = new QuietHours(java.time.LocalTime.of(12, 0), java.time.LocalTime.of(14, 0), ZoneId.of("UTC"));
        assertThat(end(q, "2026-05-01T11:59:00Z")).isNull();
        assertThat(end(q, "2026-05-01T12:00:00Z")).isEqualTo(Instant.parse("2026-05-01T14:00:00Z"));
        assertThat(end(q, "2026-05-01T13:59:59Z")).isEqualTo(Instant.parse("2026-05-01T14:00:00Z"));
        assertThat(end(q, "2026-05-01T14:00:00Z")).isNull();
    }

    @Test
    void aWindowAcrossMidnightEndsTheNextMorningBeforeMidnightAndTheSameMorningAfter() {
        QuietHours q = QuietHours.parse("22:00", "07:00", "Europe/Paris");
        // Summer: Paris is UTC+2.
        assertThat(end(q, "2026-07-01T19:59:00Z")).isNull();
        assertThat(end(q, "2026-07-01T20:00:00Z")).isEqualTo(Instant.parse("2026-07-02T05:00:00Z"));
        assertThat(end(q, "2026-07-01T23:30:00Z")).isEqualTo(Instant.parse("2026-07-02T05:00:00Z"));
        assertThat(end(q, "2026-07-02T04:59:00Z")).isEqualTo(Instant.parse("2026-07-02T05:00:00Z"));
        assertThat(end(q, "2026-07-02T05:00:00Z")).isNull();
    }

    @Test
    void aWindowSpanningTheSpringForwardNightEndsAtLocalSevenInSummerTime() {
        // 29 March 2026: Paris moves from UTC+1 to UTC+2 at 02:00 local. 22:00 on the 28th is 21:00 UTC;
        // 07:00 on the 29th is already summer time, 05:00 UTC: a window one hour shorter.
        QuietHours q = QuietHours.parse("22:00", "07:00", "Europe/Paris");
        assertThat(end(q, "2026-03-28T21:30:00Z")).isEqualTo(Instant.parse("2026-03-29T05:00:00Z"));
    }

    @Test
    void aWindowSpanningTheFallBackNightEndsAtLocalSevenInWinterTime() {
        // 25 October 2026: Paris moves from UTC+2 to UTC+1 at 03:00 local.
        QuietHours q = QuietHours.parse("22:00", "07:00", "Europe/Paris");
        assertThat(end(q, "2026-10-24T20:30:00Z")).isEqualTo(Instant.parse("2026-10-25T06:00:00Z"));
    }

    @Test
    void anEndInsideTheSpringGapMovesLaterByTheGap() {
        // 02:30 does not exist on 29 March 2026 in Paris; java.time takes 03:30 summer time = 01:30 UTC.
        QuietHours q = QuietHours.parse("01:00", "02:30", "Europe/Paris");
        assertThat(end(q, "2026-03-29T00:15:00Z")).isEqualTo(Instant.parse("2026-03-29T01:30:00Z"));
    }

    @Test
    void theFallbackZoneAppliesWhenTheWindowNamesNone() {
        QuietHours q = QuietHours.parse("22:00", "07:00", null);
        assertThat(q.endOfWindowContaining(Instant.parse("2026-01-15T22:30:00Z"), PARIS))
                .contains(Instant.parse("2026-01-16T06:00:00Z"));
        assertThat(q.endOfWindowContaining(Instant.parse("2026-01-15T21:30:00Z"), null)).isEmpty();
    }
}
