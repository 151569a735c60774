package dev.notify.outbox;

import java.time.Clock;
import javax.sql.DataSource;

/**
 * What a channel gets at start: notify's database (its schema is migrated) and clock.
 *
 * @param dataSource the database notify uses
 * @param clock      the clock notify uses
 */
public record ChannelContext(DataSource dataSource, Clock clock) {
}
