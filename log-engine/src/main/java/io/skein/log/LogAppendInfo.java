package io.skein.log;

/**
 * What an append wrote: its offsets (-1 for an empty append), its largest timestamp and the offset
 * that reached it, and the log start offset after it (the produce response carries it).
 */
public record LogAppendInfo(long firstOffset, long lastOffset, long maxTimestamp, long offsetOfMaxTimestamp,
                            int recordCount, int sizeInBytes, long logStartOffset) {
}
