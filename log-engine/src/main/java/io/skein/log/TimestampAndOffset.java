package io.skein.log;

/** A record found by timestamp (ListOffsets): its timestamp, its offset and its batch's leader epoch. */
public record TimestampAndOffset(long timestamp, long offset, int leaderEpoch) {
}
