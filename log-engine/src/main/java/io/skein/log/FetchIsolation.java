package io.skein.log;

/** How far a read may go: followers read to the log end offset, consumers to the high watermark. */
public enum FetchIsolation {
    LOG_END,
    HIGH_WATERMARK
}
