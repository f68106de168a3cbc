package io.skein.broker.group;

/**
 * A group's committed position in one partition: the next offset it will read.
 *
 * @param leaderEpoch     the epoch of the last record read, -1 if unknown
 * @param expireTimestamp when it expires, or -1 to follow {@code offsets.retention.minutes}
 * @param recordOffset    where its record is in the offsets partition, -1 before it is written: of a
 *                        commit and a transaction's offset for the same partition, the later record
 *                        is the one that counts, as the log cleaner keeps it
 */
public record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestamp, long expireTimestamp,
                              long recordOffset) {
    /** An offset to write, not yet written. */
    static CommittedOffset toWrite(long offset, int leaderEpoch, String metadata, long commitTimestamp,
                                   long expireTimestamp) {
        return new CommittedOffset(offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp, -1);
    }
}
