package io.skein.broker.group;

/**
 * A group's committed position in one partition: the next offset it will read.
 *
 * @param leaderEpoch     the epoch of the last record read, -1 if unknown
 * @param expireTimestamp when it expires, or -1 to follow {@code offsets.retention.minutes}
 */
public record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestamp, long expireTimestamp) {
}
