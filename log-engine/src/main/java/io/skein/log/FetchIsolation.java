package io.skein.log;

/**
 * How far a read may go, as Kafka's: followers read to the log end offset, read_uncommitted consumers
 * to the high watermark, read_committed consumers to the last stable offset.
 */
public enum FetchIsolation {
    LOG_END,
    HIGH_WATERMARK,
    TXN_COMMITTED
}
