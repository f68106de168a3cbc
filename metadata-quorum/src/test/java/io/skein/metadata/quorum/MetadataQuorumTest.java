package io.skein.metadata.quorum;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.image.ImageRecords;
import io.skein.metadata.image.MetadataImage;
import io.skein.proto.Uuids;
import io.skein.proto.metadata.ConfigRecord;
import io.skein.proto.metadata.ConfigResourceType;
import io.skein.proto.metadata.MetadataRecord;
import io.skein.proto.metadata.MetadataRecordBatch;
import io.skein.proto.metadata.PartitionRecord;
import io.skein.proto.metadata.TopicRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataQuorumTest {
    @TempDir
    Path dir;

    static MetadataRecordBatch topicBatch(String name, int partitions) {
        UUID id = UUID.randomUUID();
        MetadataRecordBatch.Builder batch = MetadataRecordBatch.newBuilder()
                .addRecords(MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder().setName(name)
                        .setTopicId(Uuids.toProto(id))));
        for (int p = 0; p < partitions; p++) {
            batch.addRecords(MetadataRecord.newBuilder().setPartition(PartitionRecord.newBuilder()
                    .setTopicId(Uuids.toProto(id)).setPartitionId(p).addReplicas(1).addIsr(1).setLeader(1)
                    .setLastKnownLeader(-1)));
        }
        return batch.build();
    }

    /**
     * Ratis purges only closed log segments that end at or below a snapshot: appends config records
     * (which leave the topics alone) through whoever leads, and snapshots every node, until every
     * node has purged the start of its log.
     */
    /** Appends and snapshots until every running node's log starts after index {@code purgedPast}. */
    private static void appendUntilPurged(TestQuorum quorum, long purgedPast) {
        int[] written = {0};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            quorum.appendThroughLeader(MetadataRecordBatch.newBuilder().addRecords(MetadataRecord.newBuilder()
                    .setConfig(ConfigRecord.newBuilder().setResourceType(ConfigResourceType.BROKER)
                            .setName("purge.probe").setValue(Integer.toString(written[0]++)))).build());
            for (MetadataQuorum node : quorum.running()) {
                node.takeSnapshot();
            }
            return quorum.running().stream().allMatch(node -> node.logStartIndex() > purgedPast);
        });
    }

    private static void awaitSameImage(List<MetadataQuorum> nodes, int topics) {
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream()
                .allMatch(node -> node.image().topicsById().size() == topics));
        MetadataImage first = nodes.get(0).image();
        await().atMost(Duration.ofSeconds(30)).until(() -> nodes.stream()
                .allMatch(node -> node.image().offset() == nodes.get(0).image().offset()));
        for (MetadataQuorum node : nodes) {
            assertEquals(ImageRecords.of(first), ImageRecords.of(node.image()), "node " + node.nodeId());
        }
    }

    @Test
    void votersReplayTheSameLogIntoTheSameImage() throws Exception {
        try (TestQuorum quorum = TestQuorum.start(dir, 3, 10_000)) {
            long previous = 0;
            for (int i = 0; i < 10; i++) {
                TestQuorum.Appended appended = quorum.appendThroughLeader(topicBatch("topic-" + i, 3));
                assertTrue(appended.index() > previous, "indexes grow");
                previous = appended.index();
                assertTrue(appended.leader().image().offset() >= appended.index(),
                        "applied on the leader before the append completes");
                assertTrue(appended.leader().image().topic("topic-" + i) != null);
            }
            awaitSameImage(quorum.running(), 10);
            assertEquals(3, quorum.running().get(0).image().topic("topic-7").partitions().size());
            await().atMost(Duration.ofSeconds(30)).until(() -> { // the voters agree on who leads
                MetadataQuorum leader = quorum.awaitLeader();
                return quorum.running().stream().filter(n -> !n.isLeader())
                        .allMatch(n -> n.leaderId().orElse(-1) == leader.nodeId());
            });
        }
    }

    @Test
    void aRestartedVoterRecoversFromItsSnapshotAndLogTail() throws Exception {
        try (TestQuorum quorum = TestQuorum.start(dir, 3, 10_000)) {
            for (int i = 0; i < 5; i++) {
                quorum.appendThroughLeader(topicBatch("before-" + i, 2));
            }
            awaitSameImage(quorum.running(), 5);
            for (MetadataQuorum node : quorum.running()) {
                assertTrue(node.takeSnapshot() > 0);
            }
            appendUntilPurged(quorum, 1);
            for (int i = 0; i < 5; i++) {
                quorum.appendThroughLeader(topicBatch("after-" + i, 2));
            }
            int restarted = quorum.running().stream().filter(n -> !n.isLeader()).findFirst().orElseThrow().nodeId();
            awaitSameImage(quorum.running(), 10);
            quorum.stop(restarted);

            quorum.restart(restarted);

            awaitSameImage(quorum.running(), 10);
        }
    }

    @Test
    void aLaggingFollowerCatchesUpByInstallingASnapshot() throws Exception {
        try (TestQuorum quorum = TestQuorum.start(dir, 3, 10_000)) {
            MetadataQuorum leader = quorum.awaitLeader();
            int lagging = quorum.running().stream().filter(n -> n != leader).findFirst().orElseThrow().nodeId();
            long laggingEnd = quorum.node(lagging).image().offset();
            quorum.stop(lagging);
            for (int i = 0; i < 20; i++) {
                quorum.appendThroughLeader(topicBatch("while-away-" + i, 2));
            }
            for (MetadataQuorum node : quorum.running()) {
                node.takeSnapshot();
            }
            // Past the entry after the lagging node's last: no leader can send it the log, only a snapshot.
            appendUntilPurged(quorum, laggingEnd + 1);
            long purgedTo = quorum.awaitLeader().logStartIndex();

            quorum.restart(lagging);

            awaitSameImage(quorum.running(), 20);
            // A node that installed the snapshot has no log until the next entry (its start index is then
            // invalid); one that was sent the log starts at 0 for good.
            quorum.appendThroughLeader(topicBatch("after-catch-up", 1));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertTrue(
                    quorum.node(lagging).logStartIndex() >= purgedTo - 1, "it got the snapshot, not the log: its log "
                            + "starts at " + quorum.node(lagging).logStartIndex() + ", the leader's at " + purgedTo));
        }
    }
}
