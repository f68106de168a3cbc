package io.skein.broker.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.skein.broker.metrics.BrokerMetrics;
import io.skein.broker.replica.Partition.IsrProposal;
import io.skein.log.FlushListener;
import io.skein.log.LogConfig;
import io.skein.log.LogManager;
import io.skein.log.LogManagerConfig;
import io.skein.log.MetaProperties;
import io.skein.log.PartitionLog;
import io.skein.metadata.image.PartitionRegistration;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader's rules, on a real log in a temp dir with real record batches: the high watermark (the
 * lowest log end offset of the maximal ISR, held while the ISR is below {@code min.insync.replicas}),
 * acks=all before and after the append, ISR expansion and shrinking, and the one ISR change in flight
 * (KIP-497). The controller is played by the test: it records the proposals and answers through
 * {@link Partition#update} or {@link Partition#isrChangeRefused}, as the metadata log would.
 */
class PartitionTest {
    private static final int LEADER = 1;
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final long MAX_LAG_MS = 10_000;

    @TempDir
    Path dir;
    private LogManager logs;
    private Partition partition;
    private final List<IsrProposal> proposals = new ArrayList<>();
    private final Set<Integer> alive = new HashSet<>(Set.of(1, 2, 3));
    private final PrometheusRegistry registry = new PrometheusRegistry();

    @BeforeEach
    void open() throws Exception {
        Path logDir = dir.resolve("logs");
        new MetaProperties("partition-test-cluster", LEADER).format(List.of(logDir));
        LogConfig config = LogConfig.DEFAULT.with(Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, 2));
        logs = LogManager.start(LogManagerConfig.defaults(List.of(logDir), LEADER), topic -> config, Clock.systemUTC(),
                FlushListener.NONE);
        PartitionLog log = logs.getOrCreateLog(TP, config);
        partition = new Partition(LEADER, TP, UUID.randomUUID(), logs, log,
                (p, proposal) -> proposals.add(proposal), alive::contains, BrokerMetrics.register(registry));
    }

    @AfterEach
    void close() throws Exception {
        logs.close();
    }

    private static PartitionRegistration leading(List<Integer> isr, int partitionEpoch) {
        return new PartitionRegistration(List.of(1, 2, 3), isr, LEADER, 1, partitionEpoch, LEADER);
    }

    private static ByteBuffer batch(int records) {
        SimpleRecord[] values = new SimpleRecord[records];
        for (int i = 0; i < records; i++) {
            values[i] = new SimpleRecord(("v" + i).getBytes());
        }
        return MemoryRecords.withRecords(Compression.NONE, values).buffer();
    }

    private long highWatermark() {
        return partition.log().highWatermark();
    }

    @Test
    void theHighWatermarkIsTheLowestLogEndOffsetOfTheIsr() {
        partition.update(leading(List.of(1, 2, 3), 0), 0);
        partition.appendAsLeader(batch(5), (short) -1);
        partition.updateFollowerFetch(2, 1, 5, 0, 1);
        assertEquals(0, highWatermark(), "follower 3 has fetched nothing yet");
        partition.updateFollowerFetch(3, 1, 2, 0, 1);
        assertEquals(2, highWatermark());
        partition.updateFollowerFetch(3, 1, 5, 0, 2);
        assertEquals(5, highWatermark());
    }

    @Test
    void aFollowerOutsideTheIsrDoesNotHoldTheHighWatermark() {
        partition.update(leading(List.of(1, 2), 0), 0);
        partition.appendAsLeader(batch(3), (short) -1);
        partition.updateFollowerFetch(2, 1, 3, 0, 1);
        assertEquals(3, highWatermark(), "replica 3 is not in the ISR");
    }

    @Test
    void theHighWatermarkStaysWhileTheIsrIsBelowMinInsyncReplicas() {
        partition.update(leading(List.of(1), 0), 0);
        partition.appendAsLeader(batch(3), (short) 1);
        assertEquals(0, highWatermark(), "on one disk of the two min.insync.replicas asks for");
        partition.update(leading(List.of(1, 2), 1), 1);
        partition.updateFollowerFetch(2, 1, 3, 0, 2);
        assertEquals(3, highWatermark());
    }

    @Test
    void anAcksAllAppendIsRefusedWhileTheIsrIsBelowMinInsyncReplicas() {
        partition.update(leading(List.of(1), 0), 0);
        long end = partition.log().logEndOffset();
        assertThrows(NotEnoughReplicasException.class, () -> partition.appendAsLeader(batch(1), (short) -1));
        assertEquals(end, partition.log().logEndOffset(), "nothing written");
        partition.appendAsLeader(batch(1), (short) 1); // acks=1 does not ask for the ISR
        assertEquals(end + 1, partition.log().logEndOffset());
    }

    @Test
    void anAcksAllWriteWhoseIsrShrankBelowMinInsyncWhileItWaitedFails() {
        partition.update(leading(List.of(1, 2, 3), 0), 0);
        partition.appendAsLeader(batch(2), (short) -1);
        assertEquals(Optional.empty(), partition.acksAllOutcome(2), "not yet replicated");
        partition.updateFollowerFetch(2, 1, 2, 0, 1);
        partition.updateFollowerFetch(3, 1, 2, 0, 1);
        assertEquals(Optional.of(Errors.NONE), partition.acksAllOutcome(2));
        partition.update(leading(List.of(1), 1), 2);
        assertEquals(Optional.of(Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND), partition.acksAllOutcome(2));
    }

    @Test
    void acksAllOutcomeOnABrokerThatNoLongerLeadsFails() {
        partition.update(leading(List.of(1, 2, 3), 0), 0);
        partition.appendAsLeader(batch(1), (short) -1);
        partition.update(new PartitionRegistration(List.of(1, 2, 3), List.of(2, 3), 2, 2, 1, 1), 1);
        assertThrows(NotLeaderOrFollowerException.class, () -> partition.acksAllOutcome(1));
    }

    @Test
    void onlyTheFollowersOfThePartitionMayFetchAsReplicas() {
        partition.update(leading(List.of(1, 2, 3), 0), 0);
        assertThrows(NotLeaderOrFollowerException.class, () -> partition.updateFollowerFetch(4, 1, 0, 0, 1));
    }

    @Test
    void aCaughtUpFollowerOnALiveBrokerIsProposedForTheIsrWithItsBrokerEpoch() {
        partition.update(leading(List.of(1, 2), 0), 0);
        partition.appendAsLeader(batch(3), (short) -1);
        partition.updateFollowerFetch(2, 1, 3, 0, 1);
        partition.updateFollowerFetch(3, 7, 1, 0, 1);
        assertEquals(List.of(), proposals, "replica 3 is behind the high watermark");
        partition.updateFollowerFetch(3, 7, 3, 0, 2);
        assertEquals(1, proposals.size());
        IsrProposal proposal = proposals.get(0);
        assertEquals(List.of(1, 2, 3), proposal.isr());
        assertEquals(List.of(-1L, -1L, 7L), proposal.brokerEpochs());
        assertEquals(0, proposal.basis().partitionEpoch());
    }

    @Test
    void aFollowerOnAFencedBrokerIsNotProposedForTheIsr() {
        partition.update(leading(List.of(1, 2), 0), 0);
        alive.remove(3);
        partition.updateFollowerFetch(3, 7, 0, 0, 1);
        assertEquals(List.of(), proposals);
    }

    @Test
    void aFollowerThatFellBehindForTheMaxLagIsProposedOutOfTheIsr() {
        partition.update(leading(List.of(1, 2, 3), 0), 0);
        partition.appendAsLeader(batch(2), (short) -1);
        partition.updateFollowerFetch(2, 1, 2, 0, 100);
        partition.maybeShrinkIsr(MAX_LAG_MS, MAX_LAG_MS);
        assertEquals(List.of(), proposals, "follower 3 has been behind for exactly the max lag, not more");
        partition.maybeShrinkIsr(MAX_LAG_MS + 1, MAX_LAG_MS);
        assertEquals(1, proposals.size());
        assertEquals(List.of(1, 2), proposals.get(0).isr());
    }

    @Test
    void oneIsrChangeIsInFlightAtATimeUntilTheControllerAnswers() {
        partition.update(leading(List.of(1, 2, 3), 0), 0);
        partition.maybeShrinkIsr(MAX_LAG_MS + 1, MAX_LAG_MS);
        partition.maybeShrinkIsr(MAX_LAG_MS + 2, MAX_LAG_MS);
        assertEquals(1, proposals.size(), "no second change while the first is in flight");
        IsrProposal first = proposals.get(0);
        assertTrue(partition.isInFlight(first));
        partition.isrChangeRefused(first);
        assertFalse(partition.isInFlight(first));
        partition.maybeShrinkIsr(MAX_LAG_MS + 3, MAX_LAG_MS);
        assertEquals(2, proposals.size(), "a refused change may be proposed again");
    }

    @Test
    void theMetadataLogResolvesTheChangeInFlight() {
        partition.update(leading(List.of(1, 2, 3), 0), 0);
        partition.maybeShrinkIsr(MAX_LAG_MS + 1, MAX_LAG_MS);
        IsrProposal shrink = proposals.get(0);
        partition.update(leading(List.of(1), 1), 1);
        assertFalse(partition.isInFlight(shrink), "the partition epoch moved: the controller has spoken");
    }

    @Test
    void aMemberBeingRemovedStillCountsForTheHighWatermarkUntilTheControllerAgrees() {
        partition.update(leading(List.of(1, 2, 3), 0), 0);
        partition.appendAsLeader(batch(4), (short) -1);
        partition.updateFollowerFetch(2, 1, 4, 0, MAX_LAG_MS);
        partition.maybeShrinkIsr(MAX_LAG_MS + 2, MAX_LAG_MS); // 3 has never caught up
        assertEquals(List.of(1, 2), proposals.get(0).isr());
        assertEquals(0, highWatermark(), "3 is still in the ISR the controller knows");
        partition.update(leading(List.of(1, 2), 1), MAX_LAG_MS + 3);
        partition.updateFollowerFetch(2, 1, 4, 0, MAX_LAG_MS + 4);
        assertEquals(4, highWatermark());
    }

    @Test
    void aMemberBeingAddedCountsForTheHighWatermarkAtOnce() {
        partition.update(leading(List.of(1, 2), 0), 0);
        partition.appendAsLeader(batch(2), (short) -1);
        partition.updateFollowerFetch(2, 1, 2, 0, 1);
        partition.updateFollowerFetch(3, 7, 2, 0, 1); // caught up: proposed, in flight
        partition.appendAsLeader(batch(2), (short) -1);
        partition.updateFollowerFetch(2, 1, 4, 0, 2);
        assertEquals(2, highWatermark(), "3 may already be in the controller's ISR, and electable");
        partition.updateFollowerFetch(3, 7, 4, 0, 3);
        assertEquals(4, highWatermark());
    }

    /** A counter's broker-wide value (its unlabelled series) in the broker's registry. */
    private double counted(String name) {
        return registry.scrape().stream().filter(m -> m.getMetadata().getName().equals(name))
                .flatMap(m -> m.getDataPoints().stream()).filter(p -> p.getLabels().isEmpty())
                .mapToDouble(p -> ((CounterSnapshot.CounterDataPointSnapshot) p).getValue()).sum();
    }

    @Test
    void appendsAndIsrChangesAreCountedAsKafkaCountsThem() {
        partition.update(leading(List.of(1, 2, 3), 0), 0);
        partition.appendAsLeader(batch(5), (short) 1);
        partition.appendAsLeader(batch(2), (short) 1);
        assertEquals(7, counted("kafka_server_brokertopicmetrics_messagesin"), "records, batch by batch");
        assertEquals(partition.log().size(), counted("kafka_server_brokertopicmetrics_bytesin"));
        partition.update(leading(List.of(1, 2), 1), 0);
        assertEquals(1, counted("kafka_server_replicamanager_isrshrinks"));
        assertEquals(0, counted("kafka_server_replicamanager_isrexpands"));
        partition.update(leading(List.of(1, 2, 3), 2), 0);
        assertEquals(1, counted("kafka_server_replicamanager_isrexpands"));
        partition.update(new PartitionRegistration(List.of(1, 2, 3), List.of(2, 3), 2, 2, 3, LEADER), 0);
        assertEquals(1, counted("kafka_server_replicamanager_isrshrinks"), "no longer the leader: not ours to count");
    }

    @Test
    void theHighWatermarkNeverMovesBack() {
        partition.update(leading(List.of(1, 2), 0), 0);
        partition.appendAsLeader(batch(3), (short) -1);
        partition.updateFollowerFetch(2, 1, 3, 0, 1);
        assertEquals(3, highWatermark());
        partition.updateFollowerFetch(2, 1, 1, 0, 2); // a follower's fetch from further back
        assertEquals(3, highWatermark());
    }
}
