package io.skein.metadata.controller;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;

/**
 * Milliseconds from {@link System#nanoTime()}: they only ever move forward, whatever happens to the
 * wall clock. The controller measures broker sessions with it, so that a step of the active
 * controller's wall clock neither fences every broker nor keeps a silent one unfenced. Its instants
 * are not dates: only differences between them mean anything.
 */
public final class MonotonicClock extends Clock {
    @Override
    public long millis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
