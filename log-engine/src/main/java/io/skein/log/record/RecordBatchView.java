package io.skein.log.record;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * A movable view of one Kafka v2 record batch inside a buffer.
 *
 * <p>The v2 layout is fixed by its magic byte, so Skein reads it directly: one view is re-pointed
 * from batch to batch, which keeps scanning a produce request, a segment file or a recovery pass
 * free of per-batch garbage. Absolute reads and writes leave the buffer's position untouched.
 *
 * <pre>
 * baseOffset: int64 | batchLength: int32 | partitionLeaderEpoch: int32 | magic: int8 | crc: uint32 |
 * attributes: int16 | lastOffsetDelta: int32 | baseTimestamp: int64 | maxTimestamp: int64 |
 * producerId: int64 | producerEpoch: int16 | baseSequence: int32 | recordCount: int32 | records
 * </pre>
 *
 * The CRC-32C covers attributes to the end; base offset and partition leader epoch are outside it
 * so that a leader can stamp them in place.
 */
public final class RecordBatchView {
    /** Bytes before the length-counted part: base offset and batch length. */
    public static final int LOG_OVERHEAD = 12;
    public static final int HEADER_SIZE = 61;
    public static final byte MAGIC_V2 = 2;
    public static final int NO_PARTITION_LEADER_EPOCH = -1;
    public static final long NO_TIMESTAMP = -1L;
    /** The CRC covers the batch from this byte (attributes) to its end. */
    public static final int CRC_COVERED_FROM = 21;

    private static final int BASE_OFFSET = 0;
    private static final int LENGTH = 8;
    private static final int PARTITION_LEADER_EPOCH = 12;
    private static final int MAGIC = 16;
    private static final int CRC = 17;
    private static final int ATTRIBUTES = 21;
    private static final int LAST_OFFSET_DELTA = 23;
    private static final int BASE_TIMESTAMP = 27;
    private static final int MAX_TIMESTAMP = 35;
    private static final int PRODUCER_ID = 43;
    private static final int PRODUCER_EPOCH = 51;
    private static final int BASE_SEQUENCE = 53;
    private static final int RECORD_COUNT = 57;

    private static final int COMPRESSION_MASK = 0x07;
    private static final int LOG_APPEND_TIME_FLAG = 0x08;
    private static final int TRANSACTIONAL_FLAG = 0x10;
    private static final int CONTROL_FLAG = 0x20;

    private ByteBuffer buffer;
    private int start;

    /** Points this view at the batch starting at {@code start}; the caller has checked the header fits. */
    public RecordBatchView at(ByteBuffer buffer, int start) {
        this.buffer = buffer;
        this.start = start;
        return this;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    public int start() {
        return start;
    }

    public long baseOffset() {
        return buffer.getLong(start + BASE_OFFSET);
    }

    public int lastOffsetDelta() {
        return buffer.getInt(start + LAST_OFFSET_DELTA);
    }

    public long lastOffset() {
        return baseOffset() + lastOffsetDelta();
    }

    public long nextOffset() {
        return lastOffset() + 1;
    }

    /** Size of the whole batch, header included, as its length field declares it. */
    public int sizeInBytes() {
        return LOG_OVERHEAD + buffer.getInt(start + LENGTH);
    }

    public int partitionLeaderEpoch() {
        return buffer.getInt(start + PARTITION_LEADER_EPOCH);
    }

    public byte magic() {
        return buffer.get(start + MAGIC);
    }

    public int storedCrc() {
        return buffer.getInt(start + CRC);
    }

    public short attributes() {
        return buffer.getShort(start + ATTRIBUTES);
    }

    /** Kafka's compression type id: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
    public int compressionId() {
        return attributes() & COMPRESSION_MASK;
    }

    public boolean isCompressed() {
        return compressionId() != 0;
    }

    public boolean isLogAppendTime() {
        return (attributes() & LOG_APPEND_TIME_FLAG) != 0;
    }

    public boolean isTransactional() {
        return (attributes() & TRANSACTIONAL_FLAG) != 0;
    }

    public boolean isControlBatch() {
        return (attributes() & CONTROL_FLAG) != 0;
    }

    public long baseTimestamp() {
        return buffer.getLong(start + BASE_TIMESTAMP);
    }

    public long maxTimestamp() {
        return buffer.getLong(start + MAX_TIMESTAMP);
    }

    public long producerId() {
        return buffer.getLong(start + PRODUCER_ID);
    }

    public short producerEpoch() {
        return buffer.getShort(start + PRODUCER_EPOCH);
    }

    public int baseSequence() {
        return buffer.getInt(start + BASE_SEQUENCE);
    }

    public int recordCount() {
        return buffer.getInt(start + RECORD_COUNT);
    }

    /** Position of the first record, relative to the buffer. */
    public int recordsStart() {
        return start + HEADER_SIZE;
    }

    public void setBaseOffset(long baseOffset) {
        buffer.putLong(start + BASE_OFFSET, baseOffset);
    }

    public void setPartitionLeaderEpoch(int epoch) {
        buffer.putInt(start + PARTITION_LEADER_EPOCH, epoch);
    }

    /** Rewrites the max timestamp, which the CRC covers, and recomputes the CRC. */
    public void setMaxTimestamp(long maxTimestamp) {
        buffer.putLong(start + MAX_TIMESTAMP, maxTimestamp);
        buffer.putInt(start + CRC, computeCrc());
    }

    /**
     * Stamps the batch with a leader's append time, as Kafka's leader does for a topic with
     * {@code message.timestamp.type=LogAppendTime}: the timestamp type bit set and the max timestamp,
     * which every record then reports as its timestamp, set to {@code appendTime}; the CRC recomputed.
     */
    public void setLogAppendTime(long appendTime) {
        buffer.putShort(start + ATTRIBUTES, (short) (attributes() | LOG_APPEND_TIME_FLAG));
        setMaxTimestamp(appendTime);
    }

    /** CRC-32C of attributes through the end of the batch, as the length field bounds it. */
    public int computeCrc() {
        ByteBuffer covered = buffer.duplicate();
        covered.limit(start + sizeInBytes()).position(start + CRC_COVERED_FROM);
        CRC32C crc = new CRC32C();
        crc.update(covered);
        return (int) crc.getValue();
    }

    public boolean isCrcValid() {
        return storedCrc() == computeCrc();
    }
}
