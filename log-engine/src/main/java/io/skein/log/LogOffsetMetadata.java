package io.skein.log;

/**
 * An offset and where it sits in the log: the base offset of its segment and its byte position in
 * that segment. Kept for the log end offset, the high watermark and the last stable offset so that a
 * read bounded by one knows where to stop without a lookup.
 */
public record LogOffsetMetadata(long offset, long segmentBaseOffset, int position) {
    private static final int UNKNOWN = -1;

    /** An offset whose place in the log is not looked up yet, as Kafka's message-offset-only metadata. */
    static LogOffsetMetadata offsetOnly(long offset) {
        return new LogOffsetMetadata(offset, UNKNOWN, UNKNOWN);
    }

    boolean messageOffsetOnly() {
        return position == UNKNOWN;
    }
}
