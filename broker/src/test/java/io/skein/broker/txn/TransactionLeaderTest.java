package io.skein.broker.txn;

import static io.skein.testing.RawKafkaClient.only;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.broker.group.GroupCoordinator;
import io.skein.log.PartitionLog;
import io.skein.testing.RawKafkaClient;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarkerTopic;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition leader's side of transactions on a real node with transactions served: it appends
 * the markers its coordinators send (WriteTxnMarkers), checked against the producer's epoch and
 * the coordinator's epoch, and a marker ends the transaction in the log (its last stable offset).
 * READ_COMMITTED fetches and ListOffsets stop at the last stable offset and name the aborted
 * transactions among the records they return. A producer's transactional batch is appended only to
 * partitions its coordinator confirms are in its transaction, and so are its offsets (TxnOffsetCommit),
 * whose marker the group coordinator writes.
 */
@Timeout(120)
class TransactionLeaderTest {
    private static final short PRODUCE_TV2 = 12;
    private static final short FETCH_WITH_NAMES = 12;

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir, Map.of("transaction.state.log.num.partitions", "1",
                "offsets.topic.num.partitions", "1"));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("markers", 1, (short) 1), new NewTopic("isolation", 1, (short) 1),
                    new NewTopic("verified", 1, (short) 1), new NewTopic("consumed", 1, (short) 1)))
                    .all().get();
        }
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    /** A transactional producer's id, epoch 0, once the coordinator (which FindCoordinator creates) has loaded. */
    private static long initProducerId(RawKafkaClient client, String transactionalId) {
        AtomicReference<InitProducerIdResponseData> init = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            client.call(new FindCoordinatorRequestData().setKeyType(CoordinatorType.TRANSACTION.id())
                    .setCoordinatorKeys(List.of(transactionalId)), ApiKeys.FIND_COORDINATOR.latestVersion());
            init.set(client.call(new InitProducerIdRequestData().setTransactionalId(transactionalId)
                    .setTransactionTimeoutMs(60_000), ApiKeys.INIT_PRODUCER_ID.latestVersion()));
            return init.get().errorCode() == Errors.NONE.code();
        });
        return init.get().producerId();
    }

    /** A producer's AddPartitionsToTxn (v3, as a client sends it). */
    private static Errors addPartition(RawKafkaClient client, String transactionalId, long producerId, TopicPartition tp)
            throws Exception {
        AddPartitionsToTxnTopicCollection topics = new AddPartitionsToTxnTopicCollection();
        topics.add(new AddPartitionsToTxnTopic().setName(tp.topic()).setPartitions(List.of(tp.partition())));
        AddPartitionsToTxnResponseData response = client.call(new AddPartitionsToTxnRequestData()
                .setV3AndBelowTransactionalId(transactionalId).setV3AndBelowProducerId(producerId)
                .setV3AndBelowProducerEpoch((short) 0).setV3AndBelowTopics(topics), (short) 3);
        return Errors.forCode(response.resultsByTopicV3AndBelow().find(tp.topic()).resultsByPartition()
                .find(tp.partition()).partitionErrorCode());
    }

    private static ProduceResponseData.PartitionProduceResponse produceTransactional(
            RawKafkaClient client, String transactionalId, long producerId, TopicPartition tp, String value)
            throws Exception {
        return produceTransactional(client, transactionalId, producerId, tp, value, PRODUCE_TV2);
    }

    private static ProduceResponseData.PartitionProduceResponse produceTransactional(
            RawKafkaClient client, String transactionalId, long producerId, TopicPartition tp, String value,
            short version) throws Exception {
        MemoryRecords records = MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, (short) 0, 0,
                new SimpleRecord(value.getBytes()));
        ProduceRequestData request = RawKafkaClient.produce(tp.topic(), tp.partition(), (short) -1, records)
                .setTransactionalId(transactionalId);
        return only(client.call(request, version));
    }

    private static WriteTxnMarkersResponseData marker(RawKafkaClient client, long producerId, int producerEpoch,
                                                      int coordinatorEpoch, boolean commit, TopicPartition... tps)
            throws Exception {
        WritableTxnMarker marker = new WritableTxnMarker().setProducerId(producerId).setProducerEpoch((short) producerEpoch)
                .setCoordinatorEpoch(coordinatorEpoch).setTransactionResult(commit).setTransactionVersion((byte) 2);
        for (TopicPartition tp : tps) {
            marker.topics().add(new WritableTxnMarkerTopic().setName(tp.topic()).setPartitionIndexes(List.of(tp.partition())));
        }
        return client.call(new WriteTxnMarkersRequestData().setMarkers(List.of(marker)),
                ApiKeys.WRITE_TXN_MARKERS.latestVersion());
    }

    private static Errors error(WriteTxnMarkersResponseData response, int topicIndex) {
        return Errors.forCode(response.markers().get(0).topics().get(topicIndex).partitions().get(0).errorCode());
    }

    @Test
    void theLeaderAppendsMarkersCheckedAgainstTheProducerAndCoordinatorEpochs() throws Exception {
        TopicPartition tp = new TopicPartition("markers", 0);
        PartitionLog log = node.replica(tp).orElseThrow();
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            long producerId = initProducerId(client, "markers-txn");
            assertEquals(Errors.NONE, addPartition(client, "markers-txn", producerId, tp));
            long start = log.logEndOffset();
            assertEquals(Errors.NONE.code(), produceTransactional(client, "markers-txn", producerId, tp, "a").errorCode());
            await().atMost(Duration.ofSeconds(10)).until(() -> log.highWatermark() == start + 1);
            assertEquals(start, log.lastStableOffset(), "the open transaction holds the last stable offset");

            WriteTxnMarkersResponseData written = marker(client, producerId, 0, 5, true, tp,
                    new TopicPartition("no-such-topic", 0));
            assertEquals(Errors.NONE, error(written, 0));
            assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, error(written, 1));
            assertEquals(start + 2, log.logEndOffset(), "the batch and its marker");
            assertEquals(start + 2, log.highWatermark(), "answered once replicated as acks=all is");
            assertEquals(start + 2, log.lastStableOffset(), "the marker ended the transaction");

            assertEquals(Errors.NONE, error(marker(client, producerId, 1, 5, false, tp), 0),
                    "a coordinator's bumped epoch is taken");
            assertEquals(Errors.INVALID_PRODUCER_EPOCH, error(marker(client, producerId, 0, 5, false, tp), 0));
            assertEquals(Errors.TRANSACTION_COORDINATOR_FENCED, error(marker(client, producerId, 1, 4, false, tp), 0));
            assertEquals(start + 3, log.logEndOffset(), "refused markers are not written");
        }
    }

    private static FetchResponseData.PartitionData fetch(RawKafkaClient client, TopicPartition tp, long offset,
                                                         IsolationLevel isolation) throws Exception {
        FetchRequestData request = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(0).setMinBytes(0)
                .setMaxBytes(1 << 20).setIsolationLevel(isolation.id()).setSessionId(0).setSessionEpoch(-1)
                .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(tp.topic()).setPartitions(List.of(
                        new FetchRequestData.FetchPartition().setPartition(tp.partition()).setFetchOffset(offset)
                                .setPartitionMaxBytes(1 << 20).setCurrentLeaderEpoch(-1).setLogStartOffset(-1)))));
        FetchResponseData response = client.call(request, FETCH_WITH_NAMES);
        return response.responses().get(0).partitions().get(0);
    }

    private static long latestOffset(RawKafkaClient client, TopicPartition tp, IsolationLevel isolation) throws Exception {
        ListOffsetsRequestData request = new ListOffsetsRequestData().setReplicaId(-1).setIsolationLevel(isolation.id())
                .setTopics(List.of(new ListOffsetsRequestData.ListOffsetsTopic().setName(tp.topic()).setPartitions(List.of(
                        new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(tp.partition())
                                .setTimestamp(-1).setCurrentLeaderEpoch(-1)))));
        ListOffsetsResponseData response = client.call(request, ApiKeys.LIST_OFFSETS.latestVersion());
        return response.topics().get(0).partitions().get(0).offset();
    }

    private static int bytes(FetchResponseData.PartitionData data) {
        return data.records() == null ? 0 : data.records().sizeInBytes();
    }

    @Test
    void readCommittedStopsAtTheLastStableOffsetAndNamesAbortedTransactions() throws Exception {
        TopicPartition tp = new TopicPartition("isolation", 0);
        PartitionLog log = node.replica(tp).orElseThrow();
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            long producerId = initProducerId(client, "isolation-txn");
            assertEquals(Errors.NONE, addPartition(client, "isolation-txn", producerId, tp));
            assertEquals(Errors.NONE.code(), produceTransactional(client, "isolation-txn", producerId, tp, "a").errorCode());
            await().atMost(Duration.ofSeconds(10)).until(() -> log.highWatermark() == 1);

            FetchResponseData.PartitionData committed = fetch(client, tp, 0, IsolationLevel.READ_COMMITTED);
            assertEquals(0, bytes(committed), "the open transaction's batch is not stable");
            assertEquals(0, committed.lastStableOffset());
            assertEquals(1, committed.highWatermark());
            assertEquals(List.of(), committed.abortedTransactions());
            FetchResponseData.PartitionData uncommitted = fetch(client, tp, 0, IsolationLevel.READ_UNCOMMITTED);
            assertTrue(bytes(uncommitted) > 0);
            assertEquals(0, uncommitted.lastStableOffset());
            assertNull(uncommitted.abortedTransactions(), "read_uncommitted is told of no aborted transactions");
            assertEquals(0, latestOffset(client, tp, IsolationLevel.READ_COMMITTED));
            assertEquals(1, latestOffset(client, tp, IsolationLevel.READ_UNCOMMITTED));

            assertEquals(Errors.NONE, error(marker(client, producerId, 0, 0, false, tp), 0));
            committed = fetch(client, tp, 0, IsolationLevel.READ_COMMITTED);
            assertTrue(bytes(committed) > 0, "the aborted batch and its marker are stable");
            assertEquals(2, committed.lastStableOffset());
            assertEquals(List.of(new FetchResponseData.AbortedTransaction().setProducerId(producerId).setFirstOffset(0)),
                    committed.abortedTransactions(), "its consumer drops the aborted records");
            assertEquals(List.of(), fetch(client, tp, 2, IsolationLevel.READ_COMMITTED).abortedTransactions());
            assertEquals(2, latestOffset(client, tp, IsolationLevel.READ_COMMITTED));
        }
    }

    @Test
    void aTv2ProducersFirstWriteAddsThePartitionAndAnOlderProducersMustHaveAddedIt() throws Exception {
        TopicPartition tp = new TopicPartition("verified", 0);
        PartitionLog log = node.replica(tp).orElseThrow();
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            long producerId = initProducerId(client, "verified-txn");
            assertEquals(Errors.TRANSACTION_ABORTABLE.code(),
                    produceTransactional(client, "verified-txn", producerId, tp, "stray", (short) 11).errorCode(),
                    "before TV2 the producer adds its partitions itself; this one did not");
            assertEquals(Errors.INVALID_TXN_STATE.code(),
                    produceTransactional(client, "verified-txn", producerId, tp, "stray", (short) 10).errorCode(),
                    "producers before Produce v11 do not know TRANSACTION_ABORTABLE");
            assertEquals(Errors.INVALID_PRODUCER_ID_MAPPING.code(),
                    produceTransactional(client, "verified-txn", producerId + 1000, tp, "stray").errorCode(),
                    "not this transactional id's producer");
            assertEquals(0, log.logEndOffset(), "nothing was written");

            assertEquals(Errors.NONE.code(), produceTransactional(client, "verified-txn", producerId, tp, "a").errorCode(),
                    "a TV2 producer's write adds the partition");
            assertEquals(1, log.logEndOffset());
            assertEquals(0, log.lastStableOffset(), "its transaction is open");
        }
    }

    private static Errors txnOffsetCommit(RawKafkaClient client, String transactionalId, long producerId,
                                          String groupId, TopicPartition tp, long offset, short version) throws Exception {
        return txnOffsetCommit(client, transactionalId, producerId, groupId,
                new TxnOffsetCommitRequestTopic().setName(tp.topic()), tp.partition(), offset, version);
    }

    /** TxnOffsetCommit of one partition of {@code topic}, named by name (up to v5) or id (v6). */
    private static Errors txnOffsetCommit(RawKafkaClient client, String transactionalId, long producerId,
                                          String groupId, TxnOffsetCommitRequestTopic topic, int partition, long offset,
                                          short version) throws Exception {
        TxnOffsetCommitResponseData response = client.call(new TxnOffsetCommitRequestData()
                .setTransactionalId(transactionalId).setGroupId(groupId).setProducerId(producerId).setProducerEpoch((short) 0)
                .setTopics(List.of(topic.setPartitions(List.of(
                        new TxnOffsetCommitRequestPartition().setPartitionIndex(partition).setCommittedOffset(offset))))),
                version);
        return Errors.forCode(response.topics().get(0).partitions().get(0).errorCode());
    }

    /**
     * The leader of a group's offsets partition has the coordinator verify a TxnOffsetCommit as a
     * produce: before v5 the producer must have added the partition (AddOffsetsToTxn), from v5 the
     * commit adds it. The transaction's marker there is the group coordinator's to write, under the
     * log's checks, and it makes the offsets the group's.
     */
    @Test
    void aTransactionsOffsetsAreVerifiedThenEndedByTheMarkerTheGroupCoordinatorWrites() throws Exception {
        TopicPartition consumed = new TopicPartition("consumed", 0);
        TopicPartition offsets = new TopicPartition(GroupCoordinator.OFFSETS_TOPIC, 0);
        try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
            long producerId = initProducerId(client, "offsets-txn");
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                client.call(new FindCoordinatorRequestData().setKeyType(CoordinatorType.GROUP.id())
                        .setCoordinatorKeys(List.of("consumers")), ApiKeys.FIND_COORDINATOR.latestVersion());
                return client.committedOffset("consumers", consumed, false).errorCode() == Errors.NONE.code();
            });
            assertEquals(Errors.TRANSACTION_ABORTABLE,
                    txnOffsetCommit(client, "offsets-txn", producerId, "consumers", consumed, 5, (short) 4),
                    "before TV2 the producer adds the offsets partition itself; this one did not");
            assertEquals(Errors.INVALID_TXN_STATE,
                    txnOffsetCommit(client, "offsets-txn", producerId, "consumers", consumed, 5, (short) 3));
            assertEquals(Errors.NONE,
                    txnOffsetCommit(client, "offsets-txn", producerId, "consumers", consumed, 4, (short) 5));
            Uuid topicId;
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
                topicId = admin.describeTopics(List.of(consumed.topic())).allTopicNames().get().get(consumed.topic()).topicId();
            }
            assertEquals(Errors.NONE, txnOffsetCommit(client, "offsets-txn", producerId, "consumers",
                    new TxnOffsetCommitRequestTopic().setTopicId(topicId), 0, 5, (short) 6), "v6 names topics by id");
            assertEquals(Errors.UNKNOWN_TOPIC_ID, txnOffsetCommit(client, "offsets-txn", producerId, "consumers",
                    new TxnOffsetCommitRequestTopic().setTopicId(Uuid.randomUuid()), 0, 5, (short) 6));
            assertEquals(Errors.UNSTABLE_OFFSET_COMMIT.code(), client.committedOffset("consumers", consumed, true).errorCode());

            EndTxnResponseData ended = client.call(new EndTxnRequestData().setTransactionalId("offsets-txn")
                    .setProducerId(producerId).setProducerEpoch((short) 0).setCommitted(true), (short) 5);
            assertEquals(Errors.NONE.code(), ended.errorCode());
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    client.committedOffset("consumers", consumed, true).errorCode() == Errors.NONE.code());
            assertEquals(5, client.committedOffset("consumers", consumed, true).committedOffset());

            PartitionLog log = node.replica(offsets).orElseThrow();
            long end = log.logEndOffset();
            assertEquals(Errors.INVALID_PRODUCER_EPOCH, error(marker(client, producerId, 0, 100, false, offsets), 0),
                    "the transaction's marker bumped the epoch past it");
            assertEquals(end, log.logEndOffset(), "a refused marker is not written");
            assertEquals(5, client.committedOffset("consumers", consumed, true).committedOffset());
        }
    }
}
