package io.skein.log;

/**
 * An offset and where it sits in the log: the base offset of its segment and its byte position in
 * that segment. Kept for the log end offset and the high watermark so that a read bounded by either
 * knows where to stop without a lookup.
 */
public record LogOffsetMetadata(long offset, long segmentBaseOffset, int position) {
}
