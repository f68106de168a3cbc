package io.skein.chaos.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.chaos.checker.Anomaly;
import io.skein.chaos.checker.Anomaly.Kind;
import io.skein.log.LogManager;
import io.skein.log.checkpoint.OffsetCheckpointFile;
import io.skein.log.record.RecordBatchView;
import io.skein.metadata.image.PartitionRegistration;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The divergence check and the replica reader against log directories written here: v2 batches in
 * segment files and high watermarks in {@code replication-offset-checkpoint}, as nodes leave them.
 */
class DivergenceCheckTest {
    private static final TopicPartition TP = new TopicPartition("chaos", 2);

    @TempDir
    Path root;

    private final Map<Integer, Path> logDirs = new HashMap<>();

    /** A v2 batch of {@code count} offsets from {@code base}, written in {@code epoch}; the payload stands for records. */
    private static byte[] batch(long base, int count, int epoch, String payload) {
        byte[] records = payload.getBytes();
        ByteBuffer buffer = ByteBuffer.allocate(RecordBatchView.HEADER_SIZE + records.length);
        buffer.putLong(0, base);
        buffer.putInt(8, buffer.capacity() - RecordBatchView.LOG_OVERHEAD);
        buffer.put(16, RecordBatchView.MAGIC_V2);
        buffer.putInt(23, count - 1);
        buffer.putInt(57, count);
        buffer.put(RecordBatchView.HEADER_SIZE, records);
        RecordBatchView view = new RecordBatchView().at(buffer, 0);
        view.setPartitionLeaderEpoch(epoch);
        view.setMaxTimestamp(base); // also stamps the CRC
        return buffer.array();
    }

    /** Node {@code node}'s replica of {@link #TP}: these batches in one segment, and this high watermark. */
    private void replica(int node, long highWatermark, byte[]... batches) throws IOException {
        Path logDir = logDirs.computeIfAbsent(node, n -> root.resolve("node-" + n));
        Path dir = Files.createDirectories(logDir.resolve(TP.topic() + "-" + TP.partition()));
        ByteArrayOutputStream segment = new ByteArrayOutputStream();
        for (byte[] batch : batches) {
            segment.write(batch);
        }
        Files.write(dir.resolve("00000000000000000000.log"), segment.toByteArray());
        new OffsetCheckpointFile(logDir.resolve(LogManager.HIGH_WATERMARK_CHECKPOINT)).write(Map.of(TP, highWatermark));
    }

    /** The check with every node written so far as a replica, and {@code isr} in sync. */
    private List<Anomaly> check(Integer... isr) throws IOException {
        List<Integer> replicas = logDirs.keySet().stream().sorted().toList();
        return DivergenceCheck.check(logDirs, Map.of(TP, new PartitionRegistration(replicas, List.of(isr), isr[0], 1, 1,
                isr[0])));
    }

    @Test
    void replicasWithTheSameBatchesUpToTheHighWatermarkAgree() throws IOException {
        for (int node = 1; node <= 3; node++) {
            replica(node, 5, batch(0, 3, 0, "abc"), batch(3, 2, 1, "de"));
        }
        assertEquals(List.of(), check(1, 2, 3));
    }

    @Test
    void aBatchOfAnotherEpochBelowTheHighWatermarkDiverges() throws IOException {
        replica(1, 5, batch(0, 3, 0, "abc"), batch(3, 2, 1, "de"));
        replica(2, 5, batch(0, 3, 0, "abc"), batch(3, 2, 1, "de"));
        replica(3, 5, batch(0, 3, 0, "abc"), batch(3, 2, 0, "xy")); // kept a deposed leader's suffix
        List<Anomaly> found = check(1, 2, 3);
        assertEquals(1, found.size(), found.toString());
        Anomaly anomaly = found.get(0);
        assertEquals(Kind.DIVERGENT, anomaly.kind());
        assertEquals(2, anomaly.partition());
        assertEquals(3, anomaly.offset());
        assertTrue(anomaly.detail().startsWith("chaos-2 at offset 3: node 1 has offsets 3-4 epoch 1"), anomaly.detail());
        assertTrue(anomaly.detail().contains("node 3 has offsets 3-4 epoch 0"), anomaly.detail());
    }

    @Test
    void recordsThatDifferUnderTheSameHeaderDivergeByTheirCrc() throws IOException {
        replica(1, 3, batch(0, 3, 0, "abc"));
        replica(2, 3, batch(0, 3, 0, "abd"));
        List<Anomaly> found = check(1, 2);
        assertEquals(1, found.size());
        assertEquals(0, found.get(0).offset());
        assertTrue(found.get(0).detail().contains("crc"), found.get(0).detail());
    }

    @Test
    void aCopyCorruptedUnderAnIntactHeaderDiverges() throws IOException {
        byte[] rotten = batch(0, 3, 0, "abc");
        rotten[rotten.length - 1] ^= (byte) 0xFF; // the header, and the CRC it stores, unchanged
        replica(1, 3, batch(0, 3, 0, "abc"));
        replica(2, 3, rotten);
        List<Anomaly> found = check(1, 2);
        assertEquals(1, found.size());
        assertTrue(found.get(0).detail().contains("node 2 has offsets 0-2 epoch 0 crc"), found.get(0).detail());
        assertTrue(found.get(0).detail().endsWith("(not the one its header stores); compared from 0 up to 3, the lower "
                + "high watermark of the two; ISR [1, 2]"), found.get(0).detail());
    }

    @Test
    void aReplicaMissingCommittedBatchesDiverges() throws IOException {
        replica(1, 5, batch(0, 3, 0, "abc"), batch(3, 2, 1, "de"));
        replica(2, 5, batch(0, 3, 0, "abc")); // says 5 are committed, holds 3
        List<Anomaly> found = check(1, 2);
        assertEquals(1, found.size());
        assertEquals(3, found.get(0).offset());
        assertTrue(found.get(0).detail().contains("node 2's log ends before it"), found.get(0).detail());
    }

    @Test
    void differencesAboveTheLowestHighWatermarkAreUncommittedAndAllowed() throws IOException {
        replica(1, 3, batch(0, 3, 0, "abc"), batch(3, 2, 1, "de"));
        replica(2, 5, batch(0, 3, 0, "abc"), batch(3, 2, 2, "fg"));
        assertEquals(List.of(), check(1, 2));
    }

    @Test
    void aReplicaOutOfTheIsrIsComparedAsFarAsItsOwnHighWatermark() throws IOException {
        replica(1, 5, batch(0, 3, 0, "abc"), batch(3, 2, 1, "de"));
        replica(2, 5, batch(0, 3, 0, "abc"), batch(3, 2, 1, "de"));
        replica(3, 3, batch(0, 3, 0, "abc"), batch(3, 2, 0, "xy")); // behind, with an uncommitted suffix of its own
        assertEquals(List.of(), check(1, 2));

        replica(3, 5, batch(0, 3, 0, "abc"), batch(3, 2, 0, "xy")); // the same, but it says it was committed
        List<Anomaly> found = check(1, 2);
        assertEquals(1, found.size(), found.toString());
        assertEquals(3, found.get(0).offset());
        assertTrue(found.get(0).detail().contains("node 3 has offsets 3-4 epoch 0"), found.get(0).detail());
    }

    @Test
    void anInSyncReplicaWithoutALogDiverges() throws IOException {
        replica(1, 3, batch(0, 3, 0, "abc"));
        logDirs.put(2, Files.createDirectories(root.resolve("node-2")));
        assertEquals(List.of(), check(1), "out of the ISR, it may not have its log yet");
        List<Anomaly> found = check(1, 2);
        assertEquals(1, found.size());
        assertTrue(found.get(0).detail().contains("node 2 is in the ISR [1, 2] but holds no log"), found.get(0).detail());
    }

    @Test
    void aTornTailEndsTheLogAndTruncationCutsAtABatchBoundary() throws IOException {
        byte[] torn = batch(5, 1, 1, "f");
        replica(1, 5, batch(0, 3, 0, "abc"), batch(3, 2, 1, "de"), Arrays.copyOf(torn, torn.length - 3));
        Path dir = logDirs.get(1).resolve("chaos-2");
        ReplicaLog log = ReplicaLog.read(dir);
        assertEquals(5, log.logEndOffset());
        assertEquals(2, log.batches().size());

        long removed = log.truncateTo(4); // the batch holding offset 4 goes whole
        ReplicaLog cut = ReplicaLog.read(dir);
        assertEquals(3, cut.logEndOffset());
        assertEquals(RecordBatchView.HEADER_SIZE + 2 + torn.length - 3, removed);
    }
}
