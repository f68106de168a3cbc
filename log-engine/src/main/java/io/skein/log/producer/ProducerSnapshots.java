package io.skein.log.producer;

import io.skein.log.checkpoint.AtomicFiles;
import io.skein.log.producer.ProducerStateManager.BatchMetadata;
import io.skein.log.producer.ProducerStateManager.ProducerStateEntry;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/**
 * The producer-state snapshots of one partition directory, Kafka's {@code <offset>.snapshot} files: each
 * holds the producer state as it was when the log ended at that offset (20 digits in its name), so
 * that a load replays only the batches after it.
 *
 * <p>Format, big-endian: {@code version} int16 (2), {@code crc} uint32 (CRC-32C of every byte after
 * it), {@code offset} int64 (as in the name), {@code producer count} int32, then per producer
 * {@code producer id} int64, {@code epoch} int16, {@code coordinator epoch} int32 (of its last marker,
 * -1 before any), {@code current txn first offset} int64 (its ongoing transaction's, -1 if none; as
 * in Kafka's snapshots, so a load knows the transactions still open), {@code last timestamp} int64,
 * {@code batch count} int8 (at most 5), and per batch, oldest first, {@code first sequence} int32,
 * {@code last sequence} int32, {@code first offset} int64, {@code last offset} int64. Version 1, from
 * before transactions, lacks the two transaction fields and is still read. Written through a fsynced
 * temp file renamed into place, so a file under its final name is whole unless the disk corrupted it.
 */
public final class ProducerSnapshots {
    public static final String SUFFIX = ".snapshot";
    static final short VERSION = 2;
    /** Snapshots written before transactions: no coordinator epoch nor transaction first offset. */
    private static final short VERSION_1 = 1;
    private static final int CRC_END = Short.BYTES + Integer.BYTES;
    private static final int PRODUCER_BYTES_V1 = Long.BYTES + Short.BYTES + Long.BYTES + Byte.BYTES;
    private static final int PRODUCER_BYTES = PRODUCER_BYTES_V1 + Integer.BYTES + Long.BYTES;
    private static final int BATCH_BYTES = 2 * Integer.BYTES + 2 * Long.BYTES;

    private ProducerSnapshots() {
    }

    /** A snapshot that cannot be trusted: the load deletes it and falls back to an older one or a scan. */
    public static final class CorruptSnapshotException extends IOException {
        CorruptSnapshotException(String message) {
            super(message);
        }
    }

    public static Path file(Path dir, long offset) {
        return dir.resolve(String.format("%020d", offset) + SUFFIX);
    }

    /** The offsets of the snapshots in {@code dir}, ascending. Files not named by 20 digits are not snapshots. */
    public static TreeSet<Long> offsets(Path dir) throws IOException {
        TreeSet<Long> offsets = new TreeSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                String digits = name.substring(0, name.length() - SUFFIX.length());
                if (digits.length() == 20 && digits.chars().allMatch(Character::isDigit)) {
                    offsets.add(Long.parseLong(digits));
                }
            }
        }
        return offsets;
    }

    /** Writes, durably, the snapshot of {@code entries} at {@code offset}, replacing any there. */
    public static void write(Path dir, long offset, List<ProducerStateEntry> entries) throws IOException {
        AtomicFiles.write(file(dir, offset), serialize(offset, entries));
    }

    static byte[] serialize(long offset, List<ProducerStateEntry> entries) {
        int size = CRC_END + Long.BYTES + Integer.BYTES;
        for (ProducerStateEntry entry : entries) {
            size += PRODUCER_BYTES + entry.batches().size() * BATCH_BYTES;
        }
        ByteBuffer buffer = ByteBuffer.allocate(size);
        buffer.putShort(VERSION).putInt(0).putLong(offset).putInt(entries.size());
        for (ProducerStateEntry entry : entries) {
            buffer.putLong(entry.producerId()).putShort(entry.producerEpoch()).putInt(entry.coordinatorEpoch())
                    .putLong(entry.currentTxnFirstOffset().orElse(-1)).putLong(entry.lastTimestamp())
                    .put((byte) entry.batches().size());
            for (BatchMetadata batch : entry.batches()) {
                buffer.putInt(batch.firstSequence()).putInt(batch.lastSequence()).putLong(batch.firstOffset())
                        .putLong(batch.lastOffset());
            }
        }
        buffer.putInt(Short.BYTES, (int) crc(buffer.array()));
        return buffer.array();
    }

    /**
     * The producers of the snapshot at {@code offset}.
     *
     * @throws CorruptSnapshotException if its version, CRC, offset or layout is wrong
     * @throws IOException              if it cannot be read
     */
    public static List<ProducerStateEntry> read(Path dir, long offset) throws IOException {
        Path file = file(dir, offset);
        ByteBuffer buffer = ByteBuffer.wrap(Files.readAllBytes(file));
        try {
            short version = buffer.getShort();
            if (version != VERSION && version != VERSION_1) {
                throw new CorruptSnapshotException(file + " has unknown version " + version);
            }
            long storedCrc = Integer.toUnsignedLong(buffer.getInt());
            long computedCrc = crc(buffer.array());
            if (storedCrc != computedCrc) {
                throw new CorruptSnapshotException(file + " fails its CRC: stored " + storedCrc + ", computed "
                        + computedCrc);
            }
            long storedOffset = buffer.getLong();
            if (storedOffset != offset) {
                throw new CorruptSnapshotException(file + " holds the state at offset " + storedOffset);
            }
            int count = buffer.getInt();
            if (count < 0 || (long) count * (version == VERSION_1 ? PRODUCER_BYTES_V1 : PRODUCER_BYTES) > buffer.remaining()) {
                throw new CorruptSnapshotException(file + " claims " + count + " producers");
            }
            List<ProducerStateEntry> entries = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                entries.add(readEntry(buffer, version, file));
            }
            if (buffer.hasRemaining()) {
                throw new CorruptSnapshotException(file + " has " + buffer.remaining() + " bytes after its producers");
            }
            return entries;
        } catch (BufferUnderflowException e) {
            throw new CorruptSnapshotException(file + " ends too early");
        }
    }

    private static ProducerStateEntry readEntry(ByteBuffer buffer, short version, Path file)
            throws CorruptSnapshotException {
        long producerId = buffer.getLong();
        short epoch = buffer.getShort();
        int coordinatorEpoch = version == VERSION_1 ? ProducerStateManager.NO_COORDINATOR_EPOCH : buffer.getInt();
        long txnFirstOffset = version == VERSION_1 ? -1 : buffer.getLong();
        if (txnFirstOffset < -1) {
            throw new CorruptSnapshotException(file + " has transaction first offset " + txnFirstOffset + " for producer "
                    + producerId);
        }
        long lastTimestamp = buffer.getLong();
        int batchCount = buffer.get();
        if (batchCount < 0 || batchCount > ProducerStateManager.BATCHES_TO_RETAIN) {
            throw new CorruptSnapshotException(file + " has " + batchCount + " batches for producer " + producerId);
        }
        List<BatchMetadata> batches = new ArrayList<>(batchCount);
        for (int j = 0; j < batchCount; j++) {
            batches.add(new BatchMetadata(buffer.getInt(), buffer.getInt(), buffer.getLong(), buffer.getLong()));
        }
        return new ProducerStateEntry(producerId, epoch, coordinatorEpoch, lastTimestamp,
                txnFirstOffset < 0 ? OptionalLong.empty() : OptionalLong.of(txnFirstOffset), batches);
    }

    private static long crc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, CRC_END, bytes.length - CRC_END);
        return crc.getValue();
    }

    /**
     * Deletes the snapshots above {@code maxOffset} (exclusive) or below {@code minOffset}, and makes
     * the deletions durable: a snapshot above a truncated log's end must not come back after a crash
     * and describe batches the log no longer has.
     *
     * @return how many were deleted
     */
    public static int deleteOutside(Path dir, long minOffset, long maxOffset) throws IOException {
        int deleted = 0;
        for (long offset : offsets(dir)) {
            if (offset < minOffset || offset > maxOffset) {
                deleted += Files.deleteIfExists(file(dir, offset)) ? 1 : 0;
            }
        }
        if (deleted > 0) {
            AtomicFiles.fsyncDirectory(dir);
        }
        return deleted;
    }

    /** Deletes every snapshot, durably, for a log that starts over. */
    public static void deleteAll(Path dir) throws IOException {
        deleteOutside(dir, Long.MAX_VALUE, Long.MIN_VALUE);
    }

    /** Deletes one snapshot, for a load that found it corrupt. */
    static void delete(Path dir, long offset) throws IOException {
        Files.deleteIfExists(file(dir, offset));
        AtomicFiles.fsyncDirectory(dir);
    }
}
