package io.skein.chaos.nemesis;


import io.skein.chaos.cluster.ChaosNode;
import io.skein.chaos.nemesis.ProtocolWatch.PartitionState;
import io.skein.chaos.replica.ReplicaLog;
import io.skein.chaos.replica.ReplicaLog.Batch;
import io.skein.log.LogManager;
import io.skein.log.checkpoint.OffsetCheckpointFile;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code bit-rot}, for negative controls only: one byte of a committed batch flips on a follower's
 * disk, where nothing reads it again (consumers read from the leader). Silent corruption is beyond
 * what replication protects against; the divergence check must report that replica at that batch.
 */
final class BitRot implements Fault {
    /** The high watermark checkpoint is written every 5 s: long enough to see one after the first batch. */
    private static final Duration COMMITTED_BOUND = Duration.ofSeconds(15);

    @Override
    public String start(Target target, Random random) throws Exception {
        Optional<PartitionState> struck = target.watch().awaitHealthyPartition(random, info -> true);
        if (struck.isEmpty()) {
            return "bit-rot: " + ProtocolWatch.NONE_HEALTHY;
        }
        String topic = target.watch().topic();
        int partition = struck.get().partition();
        List<Integer> followers = struck.get().followers();
        ChaosNode follower = target.cluster().node(followers.get(random.nextInt(followers.size())));
        TopicPartition tp = new TopicPartition(topic, partition);
        Optional<Batch> committed = ProtocolWatch.await(COMMITTED_BOUND, () -> firstCommitted(follower, tp));
        if (committed.isEmpty()) {
            return "bit-rot: node " + follower.id() + " had no committed batch of " + tp + " within "
                    + COMMITTED_BOUND.toSeconds() + " s";
        }
        Batch batch = committed.get();
        try (RandomAccessFile file = new RandomAccessFile(batch.segment().toFile(), "rw")) {
            long last = batch.position() + batch.sizeInBytes() - 1; // in its last record: the header stays readable
            file.seek(last);
            int old = file.read();
            file.seek(last);
            file.write(old ^ 0xFF);
        }
        return "bit-rot: flip a byte of the batch at offset " + batch.baseOffset() + " in node " + follower.id()
                + "'s replica of " + tp;
    }

    /** Its first batch below the high watermark it last checkpointed, if there is one yet. */
    private static Optional<Batch> firstCommitted(ChaosNode node, TopicPartition tp) {
        try {
            Path checkpoint = node.logDir().resolve(LogManager.HIGH_WATERMARK_CHECKPOINT);
            long highWatermark = Files.exists(checkpoint)
                    ? new OffsetCheckpointFile(checkpoint).read().getOrDefault(tp, 0L) : 0;
            return ReplicaLog.read(node.partitionDir(tp.topic(), tp.partition())).batches().stream()
                    .filter(batch -> batch.lastOffset() < highWatermark).findFirst();
        } catch (IOException e) {
            return Optional.empty(); // being rewritten as we read: look again
        }
    }

    @Override
    public void heal(Target target) {
        // Nothing heals a rotten byte.
    }
}
