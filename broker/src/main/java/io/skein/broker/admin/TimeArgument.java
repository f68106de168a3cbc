package io.skein.broker.admin;

import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * A time as people give it to {@code skein} and the console (where to browse from, where to reset a
 * group to): ms since the epoch, an ISO-8601 date-time with an offset, or one without, in UTC.
 */
public final class TimeArgument {
    private TimeArgument() {
    }

    /**
     * The time as ms since the epoch.
     *
     * @throws IllegalArgumentException saying what is expected
     */
    public static long parse(String value) {
        if (!value.isEmpty() && value.chars().allMatch(Character::isDigit)) {
            return Long.parseLong(value);
        }
        try {
            return OffsetDateTime.parse(value).toInstant().toEpochMilli();
        } catch (DateTimeParseException withoutOffset) {
            try {
                return LocalDateTime.parse(value).toInstant(ZoneOffset.UTC).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("'" + value + "' is neither ms since the epoch nor an ISO-8601 time "
                        + "such as 2024-05-01T12:00:00Z (UTC unless it has an offset)");
            }
        }
    }
}
