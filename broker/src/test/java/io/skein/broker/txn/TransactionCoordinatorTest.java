package io.skein.broker.txn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.skein.broker.kafka.BrokerConnector;
import io.skein.broker.metrics.BrokerMetrics;
import io.skein.broker.metrics.RequestMetrics;
import io.skein.broker.network.KafkaServer;
import io.skein.broker.network.RequestContext;
import io.skein.broker.network.RequestHandler;
import io.skein.broker.replica.ReplicaManager;
import io.skein.log.FlushListener;
import io.skein.log.LogConfig;
import io.skein.log.LogManager;
import io.skein.log.LogManagerConfig;
import io.skein.log.MetaProperties;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.proto.Uuids;
import io.skein.proto.metadata.Endpoint;
import io.skein.proto.metadata.MetadataRecord;
import io.skein.proto.metadata.PartitionChangeRecord;
import io.skein.proto.metadata.PartitionRecord;
import io.skein.proto.metadata.RegisterBrokerRecord;
import io.skein.proto.metadata.TopicRecord;
import io.skein.proto.metadata.UnfenceBrokerRecord;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transaction coordinator of broker 1 over its real replica manager and logs: it loads
 * {@code __transaction_state-0} when the metadata makes it leader, writes there, and sends markers
 * over the network to broker 2, which leads the data partitions. Broker 2 is Skein's network layer
 * answering WriteTxnMarkers as a leader would (the leader's append is not built yet), failing the
 * partitions a test asks it to. A new leader epoch is a new coordinator, which rebuilds its state
 * from the log and resumes the markers of the transactions it finds prepared.
 */
@Timeout(60)
class TransactionCoordinatorTest {
    private static final int BROKER = 1;
    private static final int LEADER = 2;
    private static final TopicPartition STATE = new TopicPartition(TransactionCoordinator.TRANSACTION_STATE_TOPIC, 0);
    private static final TopicPartition P0 = new TopicPartition("data", 0);
    private static final TopicPartition P1 = new TopicPartition("data", 1);
    private static final TransactionConfig CONFIG = new TransactionConfig(1, (short) 1, 1, 1024 * 1024, 900_000,
            3_600_000, 10_000, 60_000, 5_000);
    private static final UUID STATE_ID = UUID.randomUUID();
    private static final UUID DATA_ID = UUID.randomUUID();

    @TempDir
    Path dir;
    private LogManager logs;
    private ReplicaManager replicas;
    private TransactionCoordinator coordinator;
    private KafkaServer leader;
    private ExecutorService leaderThreads;
    private MetadataImage image = MetadataImage.EMPTY;
    private final AtomicLong producerIds = new AtomicLong(5000);
    /** The markers broker 2 was sent, as they came. */
    private final Queue<WritableTxnMarker> received = new ConcurrentLinkedQueue<>();
    /** The errors broker 2 answers for a partition, one per request, before it writes its marker. */
    private final Map<TopicPartition, Queue<Errors>> failures = new ConcurrentHashMap<>();
    private volatile boolean leaderDown;

    @BeforeEach
    void start() throws Exception {
        leaderThreads = Executors.newFixedThreadPool(2);
        leader = KafkaServer.bind("PLAINTEXT", "127.0.0.1", 0, new KafkaServer.Settings(1, 1 << 20, -1, -1),
                leaderThreads, new RequestMetrics(new PrometheusRegistry()));
        leader.startAccepting(new RequestHandler() {
            @Override
            public boolean supports(ApiKeys apiKey, short version) {
                return apiKey == ApiKeys.WRITE_TXN_MARKERS;
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext context) {
                return CompletableFuture.completedFuture(writeMarkers(
                        (WriteTxnMarkersRequestData) context.request().data()));
            }
        });
        Path logDir = dir.resolve("logs");
        new MetaProperties("txn-test-cluster", BROKER).format(List.of(logDir));
        logs = LogManager.start(LogManagerConfig.defaults(List.of(logDir), BROKER), topic -> LogConfig.DEFAULT,
                Clock.systemUTC(), FlushListener.NONE);
        replicas = new ReplicaManager(BROKER, logs, image -> LogConfig.DEFAULT, Clock.systemUTC(),
                new ReplicaManager.Replication("PLAINTEXT", BrokerConnector.PLAINTEXT, 30_000, 500, 1 << 20, 10 << 20, 1_000,
                        (partition, proposal) -> {
                            throw new AssertionError("a single replica proposes no ISR change");
                        }, () -> 1L, partitions -> {
                            throw new AssertionError("no log directory fails here");
                        }, image -> ReplicaManager.ThrottleRates.NONE), BrokerMetrics.register(new PrometheusRegistry()));
        coordinator = new TransactionCoordinator(BROKER, CONFIG, replicas, Clock.systemUTC(),
                producerIds::getAndIncrement);
        publish(1, cluster());
    }

    @AfterEach
    void stop() throws Exception {
        coordinator.close();
        replicas.close();
        logs.close();
        leader.close();
        leaderThreads.shutdownNow();
    }

    private WriteTxnMarkersResponseData writeMarkers(WriteTxnMarkersRequestData request) {
        WriteTxnMarkersResponseData response = new WriteTxnMarkersResponseData();
        for (WritableTxnMarker marker : request.markers()) {
            WritableTxnMarkerResult result = new WritableTxnMarkerResult().setProducerId(marker.producerId());
            marker.topics().forEach(topic -> {
                WritableTxnMarkerTopicResult topicResult = new WritableTxnMarkerTopicResult().setName(topic.name());
                topic.partitionIndexes().forEach(p -> {
                    Errors error = leaderDown ? Errors.NOT_ENOUGH_REPLICAS : failures.getOrDefault(
                            new TopicPartition(topic.name(), p), new ConcurrentLinkedQueue<>()).poll();
                    topicResult.partitions().add(new WritableTxnMarkerPartitionResult().setPartitionIndex(p)
                            .setErrorCode((error == null ? Errors.NONE : error).code()));
                });
                result.topics().add(topicResult);
            });
            if (!leaderDown) {
                received.add(marker.duplicate());
            }
            response.markers().add(result);
        }
        return response;
    }

    /** Broker 1 (this coordinator) and broker 2, the leader of "data"; broker 1 leads the state partition. */
    private List<MetadataRecord> cluster() {
        List<MetadataRecord> records = new ArrayList<>();
        for (int id : List.of(BROKER, LEADER)) {
            int port = id == LEADER ? leader.port() : 1;
            records.add(MetadataRecord.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder().setBrokerId(id)
                    .setBrokerEpoch(1).setIncarnationId(Uuids.toProto(UUID.randomUUID()))
                    .addEndpoints(Endpoint.newBuilder().setName("PLAINTEXT").setHost("127.0.0.1").setPort(port))).build());
            records.add(MetadataRecord.newBuilder().setUnfenceBroker(UnfenceBrokerRecord.newBuilder().setBrokerId(id)
                    .setBrokerEpoch(1)).build());
        }
        records.add(topic(STATE.topic(), STATE_ID));
        records.add(partition(STATE_ID, 0, BROKER));
        records.add(topic("data", DATA_ID));
        records.add(partition(DATA_ID, 0, LEADER));
        records.add(partition(DATA_ID, 1, LEADER));
        return records;
    }

    private static MetadataRecord topic(String name, UUID id) {
        return MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder().setName(name).setTopicId(Uuids.toProto(id)))
                .build();
    }

    private static MetadataRecord partition(UUID topicId, int partition, int leader) {
        return MetadataRecord.newBuilder().setPartition(PartitionRecord.newBuilder().setTopicId(Uuids.toProto(topicId))
                .setPartitionId(partition).addReplicas(leader).addIsr(leader).setLeader(leader).setLastKnownLeader(-1))
                .build();
    }

    /** A new leader epoch of the state partition, on the same broker: a new coordinator. */
    private static MetadataRecord newCoordinatorEpoch(int leaderEpoch) {
        return MetadataRecord.newBuilder().setPartitionChange(PartitionChangeRecord.newBuilder()
                .setTopicId(Uuids.toProto(STATE_ID)).setPartitionId(0).addIsr(BROKER).setLeader(BROKER)
                .setLeaderEpoch(leaderEpoch).setPartitionEpoch(leaderEpoch).setLastKnownLeader(-1)).build();
    }

    private void publish(long offset, List<MetadataRecord> records) {
        MetadataDelta delta = new MetadataDelta(image);
        records.forEach(delta::replay);
        image = delta.apply(offset);
        replicas.onMetadataUpdate(delta, image);
        coordinator.onMetadataUpdate(delta, image);
    }

    private static <T> T get(CompletableFuture<T> future) throws Exception {
        return future.get(10, TimeUnit.SECONDS);
    }

    /** A producer's first InitProducerId, once the coordinator has loaded. */
    private long initProducerId(String transactionalId) {
        AtomicLong producerId = new AtomicLong();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            var response = get(coordinator.initProducerId(transactionalId, 60_000, -1, (short) -1));
            producerId.set(response.producerId());
            return response.errorCode() == Errors.NONE.code();
        });
        return producerId.get();
    }

    @Test
    void aCommitsMarkersReachTheLeaderDespiteErrorsAndTheTransactionCompletes() throws Exception {
        long producerId = initProducerId("t1");
        assertEquals(Errors.NONE, get(coordinator.addPartitionsToTxn("t1", producerId, (short) 0, Set.of(P0, P1),
                TransactionMetadata.TV_2)));
        failures.put(P1, new ConcurrentLinkedQueue<>(List.of(Errors.NOT_LEADER_OR_FOLLOWER, Errors.REQUEST_TIMED_OUT)));
        var ended = get(coordinator.endTxn("t1", producerId, (short) 0, true, TransactionMetadata.TV_2));
        assertEquals(Errors.NONE.code(), ended.errorCode());
        assertEquals(1, ended.producerEpoch());

        await().atMost(Duration.ofSeconds(10)).until(() -> stateOf("t1") == TransactionState.COMPLETE_COMMIT);
        assertTrue(failures.get(P1).isEmpty(), "P1's marker was sent until its leader took it");
        WritableTxnMarker last = List.copyOf(received).get(received.size() - 1);
        assertEquals(producerId, last.producerId());
        assertEquals(1, last.producerEpoch(), "written with the bumped epoch");
        assertTrue(last.transactionResult());
        assertEquals(0, last.coordinatorEpoch());
        assertEquals(TransactionMetadata.TV_2, last.transactionVersion());
    }

    /** DescribeTransactions of a committing transaction names only the partitions its markers have still to reach. */
    @Test
    void whileMarkersAreWrittenADescriptionNamesThePartitionsStillWithoutTheirs() throws Exception {
        long producerId = initProducerId("t3");
        assertEquals(Errors.NONE, get(coordinator.addPartitionsToTxn("t3", producerId, (short) 0, Set.of(P0, P1),
                TransactionMetadata.TV_2)));
        assertEquals(Set.of(P0, P1), describedPartitions("t3"));
        ConcurrentLinkedQueue<Errors> refusals = new ConcurrentLinkedQueue<>(
                Collections.nCopies(100_000, Errors.NOT_ENOUGH_REPLICAS));
        failures.put(P1, refusals);
        assertEquals(Errors.NONE.code(), get(coordinator.endTxn("t3", producerId, (short) 0, true,
                TransactionMetadata.TV_2)).errorCode());

        await().atMost(Duration.ofSeconds(10)).until(() -> describedPartitions("t3").equals(Set.of(P1)));
        assertEquals("PrepareCommit", get(coordinator.describeTransaction("t3")).transactionState());
        refusals.clear();
        await().atMost(Duration.ofSeconds(10)).until(() -> get(coordinator.describeTransaction("t3"))
                .transactionState().equals("CompleteCommit"));
        assertEquals(Set.of(), describedPartitions("t3"));
        assertEquals(Errors.TRANSACTIONAL_ID_NOT_FOUND.code(), get(coordinator.describeTransaction("t-none")).errorCode());
    }

    private Set<TopicPartition> describedPartitions(String transactionalId) throws Exception {
        Set<TopicPartition> partitions = new HashSet<>();
        get(coordinator.describeTransaction(transactionalId)).topics().forEach(topic -> topic.partitions()
                .forEach(p -> partitions.add(new TopicPartition(topic.topic(), p))));
        return partitions;
    }

    @Test
    void aNewCoordinatorRebuildsFromTheLogAndResumesTheMarkersItFindsPrepared() throws Exception {
        long producerId = initProducerId("t2");
        assertEquals(Errors.NONE, get(coordinator.addPartitionsToTxn("t2", producerId, (short) 0, Set.of(P0), (short) 0)));
        leaderDown = true;
        assertEquals(Errors.NONE.code(), get(coordinator.endTxn("t2", producerId, (short) 0, false, (short) 0)).errorCode());
        assertEquals(TransactionState.PREPARE_ABORT, stateOf("t2"));

        publish(2, List.of(newCoordinatorEpoch(1)));
        leaderDown = false;
        await().atMost(Duration.ofSeconds(10)).until(() -> stateOf("t2") == TransactionState.COMPLETE_ABORT);
        // The deposed coordinator's last request may still land; the leader's coordinator epoch check refuses it.
        assertTrue(received.stream().anyMatch(m -> m.coordinatorEpoch() == 1), "the new coordinator sent the markers");
        assertTrue(received.stream().noneMatch(WritableTxnMarker::transactionResult), "aborts only: " + received);
        assertEquals(Errors.PRODUCER_FENCED, get(coordinator.addPartitionsToTxn("t2", producerId, (short) 1, Set.of(P0),
                (short) 0)), "the state was rebuilt: the epoch is still 0");
        assertEquals(Errors.NONE, get(coordinator.addPartitionsToTxn("t2", producerId, (short) 0, Set.of(P1), (short) 0)));
    }

    /**
     * Leaders' adds of one transaction that reach the coordinator together (a producer's first batches
     * to many partitions) each wait for the one being written instead of being refused
     * CONCURRENT_TRANSACTIONS: all are added.
     */
    @Test
    void addsOfOneTransactionArrivingTogetherAreAllAdded() throws Exception {
        long producerId = initProducerId("t4");
        List<TopicPartition> partitions = IntStream.range(0, 10).mapToObj(p -> new TopicPartition("data", p)).toList();
        List<CompletableFuture<Errors>> adds = partitions.stream().map(tp -> coordinator.addPartitionsToTxn("t4",
                producerId, (short) 0, Set.of(tp), TransactionMetadata.TV_2)).toList();
        for (CompletableFuture<Errors> add : adds) {
            assertEquals(Errors.NONE, get(add));
        }
        assertEquals(Set.copyOf(partitions), get(coordinator.describe("t4")).orElseThrow().topicPartitions());
    }

    /** A transaction committed (TV2: its producer goes on at epoch 1) whose markers the leader refuses for now. */
    private long preparedWhileTheLeaderIsDown(String transactionalId) throws Exception {
        long producerId = initProducerId(transactionalId);
        assertEquals(Errors.NONE, get(coordinator.addPartitionsToTxn(transactionalId, producerId, (short) 0, Set.of(P0),
                TransactionMetadata.TV_2)));
        leaderDown = true;
        assertEquals(1, get(coordinator.endTxn(transactionalId, producerId, (short) 0, true, TransactionMetadata.TV_2))
                .producerEpoch());
        return producerId;
    }

    /**
     * A leader whose own retry of an add refused CONCURRENT_TRANSACTIONS would come only after a minute,
     * longer than any test waits for an answer: an add answered is one the coordinator answered when
     * first asked.
     */
    private AddPartitionsToTxnManager leaderThatDoesNotRetry(int retryBackoffMaxMs) {
        return new AddPartitionsToTxnManager(BROKER, coordinator, id -> Optional.empty(), BrokerConnector.PLAINTEXT, 30_000, 60_000,
                retryBackoffMaxMs);
    }

    /**
     * A leader's add for the producer's next transaction, which arrives while the previous one's
     * markers are being written, waits at the coordinator for the transaction to complete and is
     * then added, without the leader asking again.
     */
    @Test
    void aLeadersAddWaitsAtTheCoordinatorWhileThePreviousTransactionCompletes() throws Exception {
        long producerId = preparedWhileTheLeaderIsDown("t5");
        try (AddPartitionsToTxnManager leaderSide = leaderThatDoesNotRetry(30_000)) {
            CompletableFuture<Map<TopicPartition, Errors>> adding = leaderSide.verifyTransaction("t5", producerId,
                    (short) 1, Set.of(P1), false);
            // Operations on the shard run in order: the add was asked, and is waiting, when this one sees it prepared.
            assertEquals(TransactionState.PREPARE_COMMIT, stateOf("t5"));
            assertFalse(adding.isDone(), "waiting for the markers");
            leaderDown = false;
            assertEquals(Map.of(P1, Errors.NONE), get(adding));
        }
        assertEquals(TransactionState.ONGOING, stateOf("t5"));
        assertEquals(Set.of(P1), get(coordinator.describe("t5")).orElseThrow().topicPartitions());
    }

    /**
     * A transaction that stays prepared longer than {@code add.partitions.to.txn.retry.backoff.max.ms}
     * is still refused CONCURRENT_TRANSACTIONS, as in Kafka: the coordinator answers when that window,
     * which it shares with the leader, has passed.
     */
    @Test
    void aLeadersAddToATransactionThatStaysPreparedIsRefusedWhenTheWindowEnds() throws Exception {
        long producerId = preparedWhileTheLeaderIsDown("t6");
        try (AddPartitionsToTxnManager leaderSide = leaderThatDoesNotRetry(200)) {
            long started = System.nanoTime();
            assertEquals(Map.of(P1, Errors.CONCURRENT_TRANSACTIONS), get(leaderSide.verifyTransaction("t6", producerId,
                    (short) 1, Set.of(P1), false)));
            assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(200), "held until then");
        }
        assertEquals(TransactionState.PREPARE_COMMIT, stateOf("t6"));
    }

    /** A client's add (AddPartitionsToTxn v3 and older) is refused at once while the transaction completes. */
    @Test
    void aClientsAddToATransactionStillPreparedIsRefusedAtOnce() throws Exception {
        long producerId = preparedWhileTheLeaderIsDown("t7");
        assertEquals(Errors.CONCURRENT_TRANSACTIONS, get(coordinator.addPartitionsToTxn("t7", producerId, (short) 1,
                Set.of(P1), (short) 0)));
        assertEquals(TransactionState.PREPARE_COMMIT, stateOf("t7"));
    }

    private TransactionState stateOf(String transactionalId) throws Exception {
        return get(coordinator.describe(transactionalId)).map(TransactionMetadata::state).orElse(null);
    }
}
