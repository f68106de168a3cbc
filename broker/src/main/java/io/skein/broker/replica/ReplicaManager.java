package io.skein.broker.replica;

import io.skein.broker.kafka.BrokerConnector;
import io.skein.broker.metrics.BrokerMetrics;
import io.skein.broker.util.Futures;
import io.skein.broker.purgatory.DelayedOperation;
import io.skein.broker.purgatory.DelayedOperationPurgatory;
import io.skein.broker.replica.Partition.LeaderAppend;
import io.skein.log.FetchIsolation;
import io.skein.log.FileSlice;
import io.skein.log.LeaderEpochCache;
import io.skein.log.LeaderEpochCache.EpochEndOffset;
import io.skein.log.LogConfig;
import io.skein.log.LogDirFailure;
import io.skein.log.LogManager;
import io.skein.log.PartitionLog;
import io.skein.log.index.AbortedTxn;
import io.skein.metadata.image.BrokerRegistration;
import io.skein.metadata.image.ConfigResource;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.MetadataPublisher;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicDelta;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.metadata.ConfigResourceType;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions this broker holds replicas of, kept in step with the metadata log: it creates and
 * deletes their logs and tells each partition its role. As leader a partition takes produce requests
 * and serves fetches from consumers and from its followers, whose progress moves its high watermark
 * and its ISR; as follower it is kept by a replica fetcher. Requests that must wait (acks=all,
 * long-poll fetches, DeleteRecords) wait in its purgatories, which it pokes when a partition's log,
 * high watermark or low watermark moves.
 */
public final class ReplicaManager implements MetadataPublisher, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaManager.class);

    private final int brokerId;
    private final LogManager logManager;
    /** The defaults of every topic in force with an image: the broker's config file and its dynamic configs. */
    private final Function<MetadataImage, LogConfig> topicDefaultsInForce;
    /** Those of the latest image; read and written by the metadata thread only. */
    private LogConfig topicDefaults;
    private final Clock clock;
    private final Replication replication;
    private final BrokerMetrics metrics;
    private final ReplicaFetcherManager fetchers;
    /** The leader side of replication throttles: bytes sent to throttled replicas' followers. */
    private final ReplicationQuota leaderQuota = new ReplicationQuota(ReplicaManager::monotonicMs);
    /** The follower side: bytes fetched for throttled replicas here. */
    private final ReplicationQuota followerQuota = new ReplicationQuota(ReplicaManager::monotonicMs);
    private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();
    /**
     * Replicas whose log directory failed, with their topic's id: never hosted again while this broker
     * runs (requests for them are KAFKA_STORAGE_ERROR), and reported to the controller while the
     * metadata shows this broker in their ISR.
     */
    private final Map<TopicPartition, UUID> offlineReplicas = new ConcurrentHashMap<>();
    /** Held while the set of hosted and offline replicas changes: by the metadata, or by a failed directory. */
    private final Object hosting = new Object();
    private final DelayedOperationPurgatory<TopicPartition> producePurgatory = new DelayedOperationPurgatory<>("produce");
    private final DelayedOperationPurgatory<TopicPartition> fetchPurgatory = new DelayedOperationPurgatory<>("fetch");
    private final DelayedOperationPurgatory<TopicPartition> deleteRecordsPurgatory =
            new DelayedOperationPurgatory<>("delete-records");
    private final CountDownLatch firstImageApplied = new CountDownLatch(1);
    private final LogCreationCheckpoint logCreations;
    /** A log the metadata does not assign here waits for metadata at least as new as {@link #logCreations}. */
    private boolean reconciliationPending;
    private volatile MetadataImage image = MetadataImage.EMPTY;

    /** What a partition of a produce request came to. */
    public record ProduceResult(Errors error, String message, long baseOffset, long logStartOffset) {
        static ProduceResult failed(Throwable error) {
            Errors code = Errors.forException(error);
            return new ProduceResult(code, error.getMessage(), -1, -1);
        }
    }

    /**
     * How a fetch may wait: for {@code minBytes} at most {@code maxWaitMs}; at most {@code maxBytes} in
     * all. A follower ({@code replicaId} a broker id, not -1) reads up to the log end offset, and names
     * its broker epoch from Fetch v15 ({@code replicaEpoch}, else -1); a consumer up to the high
     * watermark, or with READ_COMMITTED up to the last stable offset. {@code adminRead}: the admin API's
     * own read (browsing, lag in time), which is not client traffic, so not counted in bytes out.
     */
    public record FetchParams(int replicaId, long replicaEpoch, long maxWaitMs, int minBytes, int maxBytes,
                              IsolationLevel isolationLevel, boolean adminRead) {
        public static final int CONSUMER = -1;
        /** The client id of every admin API's reads starts so: how a leader tells them from consumers'. */
        public static final String ADMIN_CLIENT_ID_PREFIX = "skein-admin-api-";

        boolean fromFollower() {
            return replicaId >= 0;
        }

        FetchIsolation isolation() {
            return fromFollower() ? FetchIsolation.LOG_END
                    : isolationLevel == IsolationLevel.READ_COMMITTED ? FetchIsolation.TXN_COMMITTED
                    : FetchIsolation.HIGH_WATERMARK;
        }

        /** The offset this fetch may read up to. */
        long readableEnd(PartitionLog log) {
            return switch (isolation()) {
                case LOG_END -> log.logEndOffset();
                case HIGH_WATERMARK -> log.highWatermark();
                case TXN_COMMITTED -> log.lastStableOffset();
            };
        }
    }

    /**
     * How this broker replicates.
     *
     * @param interBrokerListenerName the listener of the leaders its followers fetch from
     * @param connector               how it connects to other brokers' inter-broker listener
     * @param replicaLagTimeMaxMs     {@code replica.lag.time.max.ms}: a follower behind for this long leaves the ISR
     * @param fetchWaitMaxMs          {@code replica.fetch.wait.max.ms}
     * @param fetchMaxBytes           {@code replica.fetch.max.bytes}, per partition
     * @param fetchResponseMaxBytes   {@code replica.fetch.response.max.bytes}
     * @param fetchBackoffMs          {@code replica.fetch.backoff.ms}
     * @param isrChanges              where leaders send ISR changes (the controller)
     * @param brokerEpoch             this broker's epoch, which its followers' fetches name
     * @param offlineReplicas         where the replicas of failed log directories are reported (the controller)
     * @param throttleRatesInForce    the replication throttles of this broker with an image's dynamic configs
     */
    public record Replication(String interBrokerListenerName, BrokerConnector connector, long replicaLagTimeMaxMs, int fetchWaitMaxMs,
                              int fetchMaxBytes, int fetchResponseMaxBytes, int fetchBackoffMs,
                              Partition.IsrChanges isrChanges, LongSupplier brokerEpoch, OfflineReplicas offlineReplicas,
                              Function<MetadataImage, ThrottleRates> throttleRatesInForce) {
    }

    /**
     * Where a broker reports the replicas it no longer has, with their topics' ids: their log directory
     * failed. Their leaderships are to move and their ISRs to go on without this broker.
     */
    @FunctionalInterface
    public interface OfflineReplicas {
        void report(Map<TopicPartition, UUID> partitions);
    }

    /**
     * {@code leader.replication.throttled.rate} and {@code follower.replication.throttled.rate}, bytes
     * per second ({@link Long#MAX_VALUE}: none).
     */
    public record ThrottleRates(long leaderBytesPerSecond, long followerBytesPerSecond) {
        public static final ThrottleRates NONE = new ThrottleRates(Long.MAX_VALUE, Long.MAX_VALUE);
    }

    /**
     * One partition of a fetch request. A follower also reports its log start offset (-1 from
     * consumers), from which its leader learns the partition's low watermark.
     */
    public record FetchPartition(TopicPartition topicPartition, long fetchOffset, int maxBytes, int currentLeaderEpoch,
                                 long logStartOffset, int lastFetchedEpoch) {
    }

    /**
     * What a partition of a fetch got: records up to where its isolation reads, or an error. To a
     * follower whose log diverged, instead of records, where its last fetched epoch ends on the leader.
     * A READ_COMMITTED fetch also gets the aborted transactions among its records, whose records its
     * consumer drops; the others get null there.
     */
    public record FetchResult(Errors error, long highWatermark, long lastStableOffset, long logStartOffset,
                              FileSlice records, Optional<EpochEndOffset> divergingEpoch,
                              List<AbortedTxn> abortedTransactions) {
        private FetchResult(Errors error, PartitionLog log, FileSlice records, Optional<EpochEndOffset> divergingEpoch,
                            List<AbortedTxn> abortedTransactions) {
            this(error, log.highWatermark(), log.lastStableOffset(), log.logStartOffset(), records, divergingEpoch,
                    abortedTransactions);
        }

        static FetchResult failed(Throwable error) {
            return new FetchResult(Errors.forException(error), -1, -1, -1, FileSlice.EMPTY, Optional.empty(), null);
        }
    }

    /** What a partition of a DeleteRecords request came to: its low watermark, or an error (and -1). */
    public record DeleteRecordsResult(Errors error, long lowWatermark) {
        static DeleteRecordsResult failed(Throwable error) {
            return new DeleteRecordsResult(Errors.forException(error), -1);
        }
    }

    /**
     * @param topicDefaultsInForce the settings of topics that set none of their own, with an image (the
     *                             broker's config file, overridden by the dynamic broker configs there)
     */
    public ReplicaManager(int brokerId, LogManager logManager, Function<MetadataImage, LogConfig> topicDefaultsInForce,
                          Clock clock,
                          Replication replication,
                          BrokerMetrics metrics) throws IOException {
        this.brokerId = brokerId;
        this.logManager = logManager;
        this.topicDefaultsInForce = topicDefaultsInForce;
        this.topicDefaults = topicDefaultsInForce.apply(MetadataImage.EMPTY);
        this.clock = clock;
        this.replication = replication;
        this.metrics = metrics;
        this.logCreations = LogCreationCheckpoint.load(logManager.logDirs().get(0));
        this.fetchers = new ReplicaFetcherManager(brokerId, this::brokerAddress, new ReplicaFetcher.Settings(
                replication.fetchWaitMaxMs(), replication.fetchMaxBytes(), replication.fetchResponseMaxBytes(),
                replication.fetchBackoffMs(), replication.brokerEpoch(), replication.connector(), followerQuota));
    }

    /**
     * Milliseconds for followers' progress and ISR lag: monotonic, so that a step of the wall clock
     * neither drops every follower from the ISR nor keeps a silent one in.
     */
    private static long monotonicMs() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    }

    /** Whether broker {@code id} is alive as the metadata says: registered and unfenced (Kafka's hasAliveBroker). */
    private boolean isAlive(int id) {
        BrokerRegistration broker = image.broker(id);
        return broker != null && !broker.fenced();
    }

    /** How this broker connects to the address {@link #brokerAddress} gives. */
    public BrokerConnector brokerConnector() {
        return replication.connector();
    }

    /** Where a broker serves other brokers, as the metadata says. */
    public Optional<InetSocketAddress> brokerAddress(int id) {
        BrokerRegistration broker = image.brokers().get(id);
        return broker == null ? Optional.empty() : broker.endpoints().stream()
                .filter(e -> e.getName().equals(replication.interBrokerListenerName())).findFirst()
                .map(e -> new InetSocketAddress(e.getHost(), e.getPort()));
    }

    /** Followers that have not caught up for {@code replica.lag.time.max.ms} leave the ISRs this broker leads. */
    public void shrinkIsrs() {
        long now = monotonicMs();
        partitions.values().forEach(p -> p.maybeShrinkIsr(now, replication.replicaLagTimeMaxMs()));
    }

    /** The settings of {@code topic} in {@code image}: its own over the broker's {@code defaults}. */
    public static LogConfig topicConfig(LogConfig defaults, MetadataImage image, String topic) {
        return defaults.with(image.configs(new ConfigResource(ConfigResourceType.TOPIC, topic)));
    }

    /** Waits until the first image has been applied: logs exist for every partition this broker holds. */
    public void awaitFirstImage() throws InterruptedException {
        firstImageApplied.await();
    }

    /** Every partition this broker holds a replica of, as leader or follower: a live view. */
    public Collection<Partition> partitions() {
        return Collections.unmodifiableCollection(partitions.values());
    }

    public Optional<Partition> partition(TopicPartition topicPartition) {
        return Optional.ofNullable(partitions.get(topicPartition));
    }

    // ---------------------------------------------------------------- metadata

    @Override
    public void onMetadataUpdate(MetadataDelta delta, MetadataImage newImage) {
        synchronized (hosting) {
            applyMetadata(delta, newImage);
        }
    }

    private void applyMetadata(MetadataDelta delta, MetadataImage newImage) {
        image = newImage;
        if (delta.image() == MetadataImage.EMPTY) {
            topicDefaults = topicDefaultsInForce.apply(newImage);
            updateThrottleRates(newImage);
            applyWholeImage(newImage);
        } else {
            updateBrokerConfigs(delta, newImage);
            // A removed topic id never comes back: its logs go whatever the image's age.
            delta.removedTopics().values().forEach(topic -> topic.partitions().keySet()
                    .forEach(p -> deleteLog(new TopicPartition(topic.name(), p), topic.id())));
            for (TopicDelta topicDelta : delta.changedTopics().values()) {
                TopicImage topic = newImage.topic(topicDelta.id());
                topicDelta.changedPartitions().forEach((partitionId, registration) ->
                        applyPartition(newImage, topic, partitionId, registration));
            }
            delta.changedConfigs().keySet().stream()
                    .filter(resource -> resource.type() == ConfigResourceType.TOPIC)
                    .forEach(resource -> updateTopicConfig(newImage, resource.name()));
            if (reconciliationPending && mayDeleteLogs(newImage)) {
                applyWholeImage(newImage); // the metadata has caught up with the logs on disk: settle what waited
            }
        }
        // A role change may end waits: a deposed leader answers its parked requests at once.
        affected(delta).forEach(this::checkWaiting);
        if (!delta.changedBrokers().isEmpty()) {
            // A broker fenced or gone no longer holds low watermarks back.
            deleteRecordsPurgatory.checkAndCompleteAll();
        }
        firstImageApplied.countDown();
    }

    private Set<TopicPartition> affected(MetadataDelta delta) {
        Set<TopicPartition> affected = new HashSet<>();
        if (delta.image() == MetadataImage.EMPTY) {
            affected.addAll(partitions.keySet());
        }
        delta.removedTopics().values().forEach(t -> t.partitions().keySet()
                .forEach(p -> affected.add(new TopicPartition(t.name(), p))));
        delta.changedTopics().values().forEach(t -> t.changedPartitions().keySet()
                .forEach(p -> affected.add(new TopicPartition(t.name(), p))));
        return affected;
    }

    /**
     * Whether {@code newImage} is evidence enough to delete a log it does not assign here: it is at least
     * as new as every image this broker created a log under. An older one, such as the first image of a
     * restart before the broker caught up, may simply predate the log.
     */
    private boolean mayDeleteLogs(MetadataImage newImage) {
        return newImage.offset() >= logCreations.offset();
    }

    /**
     * The metadata replaces all that came before: apply what it assigns here and, if it is evidence enough,
     * delete every other log; if not, that waits until the metadata catches up.
     */
    private void applyWholeImage(MetadataImage newImage) {
        reconciliationPending = false;
        Set<TopicPartition> assigned = new HashSet<>();
        for (TopicImage topic : newImage.topicsById().values()) {
            topic.partitions().forEach((partitionId, registration) -> {
                if (registration.replicas().contains(brokerId)) {
                    assigned.add(new TopicPartition(topic.name(), partitionId));
                }
                applyPartition(newImage, topic, partitionId, registration);
            });
            updateTopicConfig(newImage, topic.name());
        }
        for (PartitionLog stray : logManager.allLogs()) {
            if (!assigned.contains(stray.topicPartition()) && deferUnlessEvidence(newImage, stray.topicPartition())) {
                log.info("Deleting the log of {}: the metadata log assigns no replica of it to broker {}",
                        stray.topicPartition(), brokerId);
                deleteLog(stray.topicPartition());
            }
        }
    }

    /**
     * Whether a log the metadata does not want may go now; if not, it is reconsidered once the metadata
     * catches up.
     */
    private boolean deferUnlessEvidence(MetadataImage newImage, TopicPartition tp) {
        if (mayDeleteLogs(newImage)) {
            return true;
        }
        if (!reconciliationPending) {
            log.info("Broker {} keeps the logs that metadata offset {} does not assign it, {} among them, until the "
                    + "metadata reaches offset {}, under which it created logs", brokerId, newImage.offset(), tp,
                    logCreations.offset());
        }
        reconciliationPending = true;
        return false;
    }

    private void applyPartition(MetadataImage newImage, TopicImage topic, int partitionId,
                                PartitionRegistration registration) {
        TopicPartition tp = new TopicPartition(topic.name(), partitionId);
        if (!registration.replicas().contains(brokerId)) {
            if (deferUnlessEvidence(newImage, tp)) {
                deleteLog(tp, topic.id());
            }
            return;
        }
        UUID offline = offlineReplicas.get(tp);
        if (topic.id().equals(offline)) {
            reportIfInIsr(tp, topic.id(), registration);
            return;
        }
        if (offline != null) { // an earlier topic's: this one's replica is new, in an online directory
            offlineReplicas.remove(tp);
        }
        Partition partition = partitions.get(tp);
        if (partition == null || !partition.topicId().equals(topic.id())) {
            try {
                partition = openPartition(newImage, topic, tp);
            } catch (KafkaStorageException e) {
                log.error("Broker {} cannot open the log of {}: its replica is offline", brokerId, tp, e);
                offlineReplicas.put(tp, topic.id());
                reportIfInIsr(tp, topic.id(), registration);
                return;
            }
            if (partition == null) {
                return;
            }
        }
        partition.update(registration, monotonicMs());
        if (registration.hasLeader() && registration.leader() != brokerId) {
            fetchers.follow(partition, registration.leader(), registration.leaderEpoch());
        } else {
            fetchers.unfollow(tp);
        }
    }

    /** Opens, or creates, the log of {@code tp} for {@code topic}; null if that must wait for newer metadata. */
    private Partition openPartition(MetadataImage newImage, TopicImage topic, TopicPartition tp) {
        PartitionLog partitionLog = logManager.getLog(tp).orElse(null);
        if (partitionLog != null && partitionLog.topicId().isPresent() && !partitionLog.topicId().get().equals(topic.id())) {
            if (!deferUnlessEvidence(newImage, tp)) {
                return null;
            }
            log.info("Deleting the log of {}: it belongs to an earlier topic of that name", tp);
            deleteLog(tp);
            partitionLog = null;
        }
        if (partitionLog == null) {
            try {
                logCreations.advanceTo(newImage.offset());
            } catch (IOException e) {
                throw new KafkaStorageException("Cannot record the metadata offset before creating the log of " + tp, e);
            }
            partitionLog = logManager.getOrCreateLog(tp, topicConfig(topicDefaults, newImage, topic.name()));
        }
        if (partitionLog.topicId().isEmpty()) {
            partitionLog.assignTopicId(topic.id());
        }
        Partition partition = new Partition(brokerId, tp, topic.id(), logManager, partitionLog,
                replication.isrChanges(), this::isAlive, metrics);
        partitions.put(tp, partition);
        return partition;
    }

    /** An offline replica the metadata still has in the ISR: the controller is to move on without it. */
    private void reportIfInIsr(TopicPartition tp, UUID topicId, PartitionRegistration registration) {
        fetchers.unfollow(tp);
        if (registration.isr().contains(brokerId)) {
            replication.offlineReplicas().report(Map.of(tp, topicId));
        }
    }

    /**
     * A log directory failed (see {@link LogManager#onLogDirFailure}): the replicas it held are offline
     * here while this broker runs. Requests for them are KAFKA_STORAGE_ERROR, their waiting requests
     * are answered, they are not followed, and the controller is told, so that their leaderships move
     * and their ISRs go on without this broker (KIP-858's report, naming the replicas); the replicas in
     * the other directories go on as before.
     */
    public void logDirFailed(LogDirFailure failure) {
        Map<TopicPartition, UUID> lost = new HashMap<>();
        synchronized (hosting) {
            for (TopicPartition tp : failure.partitions()) {
                Partition partition = partitions.remove(tp);
                if (partition != null) {
                    fetchers.unfollow(tp);
                    offlineReplicas.put(tp, partition.topicId());
                    lost.put(tp, partition.topicId());
                }
            }
        }
        log.error("Broker {} lost its replicas of {} partitions with log directory {}{}", brokerId, lost.size(),
                failure.dir(), failure.anyDirOnline() ? "" : "; no log directory is left online: it holds no replica");
        lost.keySet().forEach(this::checkWaiting);
        if (!lost.isEmpty()) {
            replication.offlineReplicas().report(lost);
        }
    }

    /** Deletes the log of {@code tp} if it belongs to topic {@code topicId} (or names none): not a newer topic's. */
    private void deleteLog(TopicPartition tp, UUID topicId) {
        offlineReplicas.remove(tp, topicId);
        Optional<UUID> owner = logManager.getLog(tp).flatMap(PartitionLog::topicId);
        if (owner.isEmpty() || owner.get().equals(topicId)) {
            deleteLog(tp);
        }
    }

    private void deleteLog(TopicPartition tp) {
        fetchers.unfollow(tp);
        partitions.remove(tp);
        logManager.deleteLog(tp);
        if (partitions.keySet().stream().noneMatch(held -> held.topic().equals(tp.topic()))) {
            metrics.topics().remove(tp.topic()); // as Kafka: a topic's meters live while the broker holds it
        }
    }

    /**
     * A dynamic broker config changed: every log without a setting of its own takes the new default, and
     * the replication throttles their new rates.
     */
    private void updateBrokerConfigs(MetadataDelta delta, MetadataImage newImage) {
        if (delta.changedConfigs().keySet().stream().noneMatch(r -> r.type() == ConfigResourceType.BROKER)) {
            return;
        }
        updateThrottleRates(newImage);
        LogConfig defaults = topicDefaultsInForce.apply(newImage);
        if (!defaults.equals(topicDefaults)) {
            topicDefaults = defaults;
            partitions.keySet().stream().map(TopicPartition::topic).distinct()
                    .forEach(topic -> updateTopicConfig(newImage, topic));
        }
    }

    private void updateThrottleRates(MetadataImage newImage) {
        ThrottleRates rates = replication.throttleRatesInForce().apply(newImage);
        leaderQuota.bound(rates.leaderBytesPerSecond());
        followerQuota.bound(rates.followerBytesPerSecond());
    }

    private void updateTopicConfig(MetadataImage newImage, String topic) {
        LogConfig config = topicConfig(topicDefaults, newImage, topic);
        partitions.values().stream().filter(p -> p.topicPartition().topic().equals(topic))
                .forEach(p -> p.updateConfig(config));
    }

    /** Forgets idempotent producers of every partition that have been silent for {@code expirationMs}. */
    public void removeExpiredProducers(long expirationMs) {
        long now = clock.millis();
        partitions.values().forEach(p -> p.log().removeExpiredProducers(now, expirationMs));
    }

    // ---------------------------------------------------------------- produce

    /**
     * Appends each partition's records as leader and answers, through {@code callback}, when the
     * acknowledgement {@code requiredAcks} asks for holds: 1, once written (and flushed, if the topic's
     * flush policy says so); -1, once also below the high watermark, or with REQUEST_TIMED_OUT after
     * {@code timeoutMs}. With 0 the callback still reports errors, for the caller to act on.
     */
    public void appendRecords(long timeoutMs, short requiredAcks, Map<TopicPartition, ByteBuffer> entries,
                              Consumer<Map<TopicPartition, ProduceResult>> callback) {
        Map<TopicPartition, Function<Partition, LeaderAppend>> appends = new LinkedHashMap<>();
        entries.forEach((tp, records) -> appends.put(tp, partition -> partition.appendAsLeader(records, requiredAcks)));
        append(timeoutMs, requiredAcks, appends, callback);
    }

    /**
     * Whether a transactional write of the producer to {@code tp}, its first batch at
     * {@code baseSequence}, must wait for its transaction coordinator (KIP-890): the producer has no
     * transaction ongoing there in this epoch yet, so the write would start one; the log then holds
     * back the producer's later batches until this one is written (Kafka's verification guard). A
     * partition not hosted here fails its append anyway.
     */
    public boolean beginTransactionVerification(TopicPartition tp, long producerId, short producerEpoch,
                                                int baseSequence) {
        Partition partition = partitions.get(tp);
        return partition != null && partition.log().beginTransactionVerification(producerId, producerEpoch,
                baseSequence);
    }

    /**
     * A coordinator's write to its own partition, answered through {@code callback} as an acks=all
     * produce is; its transactional batches (the group coordinator's offsets of a transaction) are
     * checked as Kafka checks a coordinator's, without sequences.
     */
    public void appendCoordinatorRecords(long timeoutMs, TopicPartition tp, ByteBuffer records,
                                         Consumer<ProduceResult> callback) {
        append(timeoutMs, Partition.ACKS_ALL, Map.of(tp, partition -> partition.appendAsCoordinator(records)),
                results -> callback.accept(results.get(tp)));
    }

    /** A transaction's marker, as its coordinator sends it (WriteTxnMarkers). */
    public record TxnMarker(long producerId, short producerEpoch, int coordinatorEpoch, boolean commit) {
    }

    /**
     * WriteTxnMarkers: appends {@code marker} to each of {@code partitions} as leader and answers
     * through {@code callback} as an acks=all produce does: once each is below the high watermark, or
     * with REQUEST_TIMED_OUT after {@code timeoutMs}.
     */
    public void appendMarkers(long timeoutMs, TxnMarker marker, Collection<TopicPartition> partitions,
                              Consumer<Map<TopicPartition, ProduceResult>> callback) {
        Map<TopicPartition, Function<Partition, LeaderAppend>> appends = new LinkedHashMap<>();
        partitions.forEach(tp -> appends.put(tp, partition -> partition.appendMarkerAsLeader(marker.producerId(),
                marker.producerEpoch(), marker.coordinatorEpoch(), marker.commit())));
        append(timeoutMs, Partition.ACKS_ALL, appends, callback);
    }

    private void append(long timeoutMs, short requiredAcks, Map<TopicPartition, Function<Partition, LeaderAppend>> appends,
                        Consumer<Map<TopicPartition, ProduceResult>> callback) {
        Map<TopicPartition, ProduceResult> results = new LinkedHashMap<>();
        Map<TopicPartition, Long> awaitedOffsets = new HashMap<>();
        Map<TopicPartition, CompletableFuture<?>> flushes = new HashMap<>();
        appends.forEach((tp, append) -> {
            try {
                Partition partition = hostedPartition(tp);
                LeaderAppend appended = append.apply(partition);
                results.put(tp, new ProduceResult(Errors.NONE, null, appended.firstOffset(), appended.logStartOffset()));
                awaitedOffsets.put(tp, appended.lastOffset() + 1);
                if (!appended.flushed().isDone() || appended.flushed().isCompletedExceptionally()) {
                    flushes.put(tp, appended.flushed());
                }
                checkWaiting(tp);
            } catch (RuntimeException e) {
                results.put(tp, ProduceResult.failed(e));
            }
        });
        CompletableFuture.allOf(flushes.values().toArray(CompletableFuture[]::new)).whenComplete((ignored, e) -> {
            flushes.forEach((tp, flushed) -> failureOf(flushed).ifPresent(error -> {
                partition(tp).ifPresent(partition -> logManager.reportStorageError(partition.log(), error));
                results.put(tp, ProduceResult.failed(error));
                awaitedOffsets.remove(tp);
            }));
            if (requiredAcks != -1 || awaitedOffsets.isEmpty()) {
                callback.accept(results);
                return;
            }
            DelayedProduce delayed = new DelayedProduce(timeoutMs, awaitedOffsets, results, callback);
            producePurgatory.tryCompleteElseWatch(delayed, awaitedOffsets.keySet());
        });
    }

    /** Why a completed future failed, if it did. */
    private static Optional<Throwable> failureOf(CompletableFuture<?> done) {
        return Optional.ofNullable(done.handle((value, failure) -> failure).join()).map(Futures::cause);
    }

    /**
     * The partition, which this broker must lead, in the leader epoch the client names ({@code -1}:
     * any).
     *
     * @throws org.apache.kafka.common.errors.ApiException UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER,
     *                                                     FENCED_LEADER_EPOCH or UNKNOWN_LEADER_EPOCH
     */
    public Partition leaderPartition(TopicPartition tp, int currentLeaderEpoch) {
        Partition partition = hostedPartition(tp);
        partition.checkLeader(currentLeaderEpoch);
        return partition;
    }

    /**
     * The partition, if this broker holds a replica of it, as leader or follower.
     *
     * @throws UnknownTopicOrPartitionException if the metadata log knows no such partition
     * @throws NotLeaderOrFollowerException     if it does, but not here (yet)
     * @throws KafkaStorageException            if its replica here was in a log directory that failed
     */
    public Partition hostedPartition(TopicPartition tp) {
        Partition partition = partitions.get(tp);
        if (partition != null) {
            return partition;
        }
        if (offlineReplicas.containsKey(tp)) {
            throw new KafkaStorageException("The replica of " + tp + " on broker " + brokerId
                    + " is in an offline log directory");
        }
        TopicImage topic = image.topic(tp.topic());
        if (topic == null || topic.partition(tp.partition()) == null) {
            throw new UnknownTopicOrPartitionException("This server does not host this topic-partition.");
        }
        throw new NotLeaderOrFollowerException("Broker " + brokerId + " holds no replica of " + tp);
    }

    /** Waits for the high watermark to pass every partition's append. */
    private final class DelayedProduce extends DelayedPartitionOffsets<ProduceResult> {
        DelayedProduce(long timeoutMs, Map<TopicPartition, Long> awaitedOffsets,
                       Map<TopicPartition, ProduceResult> results, Consumer<Map<TopicPartition, ProduceResult>> callback) {
            super(timeoutMs, awaitedOffsets, results, callback);
        }

        @Override
        ProduceResult check(TopicPartition tp, long offset, ProduceResult appended) {
            Partition partition = partitions.get(tp);
            if (partition == null) {
                return ProduceResult.failed(new NotLeaderOrFollowerException("Broker " + brokerId
                        + " stopped leading " + tp + " before the write was replicated"));
            }
            try {
                return partition.acksAllOutcome(offset).map(error -> error == Errors.NONE ? appended
                        : new ProduceResult(error, "The ISR of " + tp + " fell below min.insync.replicas while the "
                        + "write waited to be replicated", -1, -1)).orElse(null);
            } catch (NotLeaderOrFollowerException e) {
                return ProduceResult.failed(e);
            }
        }

        @Override
        ProduceResult timedOut(TopicPartition tp, ProduceResult appended) {
            return new ProduceResult(Errors.REQUEST_TIMED_OUT,
                    "The write was not replicated to the in-sync replicas within the request timeout", -1, -1);
        }
    }

    // ---------------------------------------------------------------- fetch

    /**
     * Reads each partition from its fetch offset up to the high watermark, and answers through
     * {@code callback} once at least {@code minBytes} are there, or {@code maxWaitMs} has passed, or
     * a partition fails.
     */
    public void fetch(FetchParams params, List<FetchPartition> requested, Consumer<List<FetchResult>> callback) {
        List<FetchResult> results = read(params, requested);
        long bytes = results.stream().mapToLong(r -> r.records().length()).sum();
        boolean mustAnswer = results.stream().anyMatch(r -> r.error() != Errors.NONE || r.divergingEpoch().isPresent());
        if (params.maxWaitMs() <= 0 || requested.isEmpty() || bytes >= params.minBytes() || mustAnswer) {
            answer(params, requested, results, callback);
            return;
        }
        DelayedFetch delayed = new DelayedFetch(params, requested, callback);
        fetchPurgatory.tryCompleteElseWatch(delayed, requested.stream().map(FetchPartition::topicPartition).toList());
    }

    /**
     * Answers a fetch with what was read for it, counted as Kafka's bytes out (a follower's as
     * replication, the admin API's own reads not at all).
     */
    private void answer(FetchParams params, List<FetchPartition> requested, List<FetchResult> results,
                        Consumer<List<FetchResult>> callback) {
        for (int i = 0; i < results.size(); i++) {
            long bytes = results.get(i).records().length();
            if (bytes == 0) {
                continue;
            }
            if (params.fromFollower()) {
                metrics.topics().replicatedOut(bytes);
                // As Kafka, in-sync followers' bytes count too: the throttle bounds all of the replicas' traffic.
                Partition partition = partitions.get(requested.get(i).topicPartition());
                if (partition != null && partition.leaderThrottled()) {
                    leaderQuota.record(bytes);
                }
            } else if (!params.adminRead()) {
                metrics.topics().topic(requested.get(i).topicPartition().topic()).fetched(bytes);
            }
        }
        callback.accept(results);
    }

    /**
     * Reads every partition, sharing {@code maxBytes} among them in order. The first partition with
     * data returns at least one whole batch even if it is larger, so that a consumer always progresses.
     */
    private List<FetchResult> read(FetchParams params, List<FetchPartition> requested) {
        List<FetchResult> results = new ArrayList<>(requested.size());
        int budget = params.maxBytes();
        boolean minOneBatch = true;
        for (FetchPartition wanted : requested) {
            try {
                Partition partition = leaderPartition(wanted.topicPartition(), wanted.currentLeaderEpoch());
                PartitionLog partitionLog = partition.log();
                if (wanted.lastFetchedEpoch() != LeaderEpochCache.UNDEFINED_EPOCH) {
                    Optional<EpochEndOffset> diverging = partition.divergingEpoch(wanted.lastFetchedEpoch(),
                            wanted.fetchOffset());
                    if (diverging.isPresent()) { // its fetch offset means nothing yet: it must not count
                        results.add(new FetchResult(Errors.NONE, partitionLog, FileSlice.EMPTY, diverging, null));
                        continue;
                    }
                }
                if (params.fromFollower()) {
                    if (partition.updateFollowerFetch(params.replicaId(), params.replicaEpoch(), wanted.fetchOffset(),
                            wanted.logStartOffset(), monotonicMs())) {
                        checkWaiting(wanted.topicPartition()); // the follower's progress committed more
                    } else {
                        // Its log start offset may have raised the low watermark DeleteRecords requests wait for.
                        deleteRecordsPurgatory.checkAndComplete(wanted.topicPartition());
                    }
                }
                long highWatermark = partitionLog.highWatermark();
                long lastStableOffset = partitionLog.lastStableOffset();
                FileSlice slice = throttled(params, partition) ? FileSlice.EMPTY : partitionLog.read(
                        wanted.fetchOffset(), Math.min(wanted.maxBytes(), budget), params.isolation(), minOneBatch);
                if (!slice.isEmpty()) {
                    minOneBatch = false;
                    budget = Math.max(0, budget - slice.length());
                }
                List<AbortedTxn> aborted = params.isolation() == FetchIsolation.TXN_COMMITTED
                        ? partitionLog.abortedTransactionsForRead(wanted.fetchOffset(), slice) : null;
                results.add(new FetchResult(Errors.NONE, highWatermark, lastStableOffset, partitionLog.logStartOffset(),
                        slice, Optional.empty(), aborted));
            } catch (OffsetOutOfRangeException e) {
                // With the log's bounds, so that a follower behind the log start knows where to start over.
                results.add(partition(wanted.topicPartition()).map(Partition::log)
                        .map(log -> new FetchResult(Errors.OFFSET_OUT_OF_RANGE, log, FileSlice.EMPTY, Optional.empty(),
                                null))
                        .orElseGet(() -> FetchResult.failed(e)));
            } catch (RuntimeException e) {
                partition(wanted.topicPartition()).ifPresent(p -> logManager.reportStorageError(p.log(), e));
                results.add(FetchResult.failed(e));
            }
        }
        return results;
    }

    /**
     * Whether a follower's fetch of {@code partition} gets nothing for now: the leader throttles its
     * replica, the follower is out of sync, and the leader's throttle is exceeded (Kafka's
     * shouldLeaderThrottle).
     */
    private boolean throttled(FetchParams params, Partition partition) {
        return params.fromFollower() && partition.throttlesFetchesOf(params.replicaId()) && leaderQuota.isExceeded();
    }

    /**
     * Waits for data to fetch: a partition's high watermark (a follower: log end offset; READ_COMMITTED:
     * last stable offset) moving past its fetch offset. A throttled partition's data does not count.
     */
    private final class DelayedFetch extends DelayedOperation {
        private final FetchParams params;
        private final List<FetchPartition> requested;
        private final Consumer<List<FetchResult>> callback;

        DelayedFetch(FetchParams params, List<FetchPartition> requested, Consumer<List<FetchResult>> callback) {
            super(params.maxWaitMs());
            this.params = params;
            this.requested = requested;
            this.callback = callback;
        }

        @Override
        protected boolean tryComplete() {
            long available = 0;
            for (FetchPartition wanted : requested) {
                Partition partition = partitions.get(wanted.topicPartition());
                if (partition == null || !partition.leads(wanted.currentLeaderEpoch())) {
                    return forceComplete(); // the read says what changed
                }
                PartitionLog partitionLog = partition.log();
                if (wanted.fetchOffset() < partitionLog.logStartOffset() || wanted.fetchOffset() > partitionLog.logEndOffset()) {
                    return forceComplete(); // out of range: the read says so
                }
                if (params.readableEnd(partitionLog) > wanted.fetchOffset() && !throttled(params, partition)) {
                    if (params.minBytes() <= 1) {
                        return forceComplete();
                    }
                    available += read(params, List.of(wanted)).get(0).records().length();
                }
            }
            return available >= params.minBytes() && forceComplete();
        }

        @Override
        protected void onComplete() {
            answer(params, requested, read(params, requested), callback);
        }
    }

    // ---------------------------------------------------------------- delete records

    /**
     * DeleteRecords: raises each partition's log start offset as its leader (to its high watermark for
     * offset -1), checkpoints the new log start offsets, and answers through {@code callback} once each
     * partition's low watermark (the lowest log start offset of its live replicas, which followers
     * report in their fetches) has reached the requested offset, or with REQUEST_TIMED_OUT and the low
     * watermark at the start after {@code timeoutMs}. Segments below a log start offset go in the next
     * retention pass.
     */
    public void deleteRecords(long timeoutMs, Map<TopicPartition, Long> offsets,
                              Consumer<Map<TopicPartition, DeleteRecordsResult>> callback) {
        Map<TopicPartition, DeleteRecordsResult> results = new LinkedHashMap<>();
        Map<TopicPartition, Long> awaited = new HashMap<>();
        offsets.forEach((tp, offset) -> {
            try {
                Partition partition = hostedPartition(tp);
                long requested = partition.deleteRecordsOnLeader(offset);
                results.put(tp, new DeleteRecordsResult(Errors.NONE, partition.lowWatermark()));
                awaited.put(tp, requested);
                checkWaiting(tp); // fetches parked below the new log start answer now
            } catch (RuntimeException e) {
                results.put(tp, DeleteRecordsResult.failed(e));
            }
        });
        if (!awaited.isEmpty()) {
            try {
                logManager.checkpointLogStartOffsets(awaited.keySet());
            } catch (IOException e) {
                // Deleted from this broker's reads, but a crash before the next checkpoint would bring them back.
                log.error("Cannot checkpoint the log start offsets of {} after DeleteRecords", awaited.keySet(), e);
                awaited.keySet().forEach(tp -> results.put(tp, DeleteRecordsResult.failed(
                        new KafkaStorageException("Cannot checkpoint the log start offset of " + tp, e))));
                awaited.clear();
            }
        }
        if (awaited.isEmpty()) {
            callback.accept(results);
            return;
        }
        deleteRecordsPurgatory.tryCompleteElseWatch(new DelayedDeleteRecords(timeoutMs, awaited, results, callback),
                awaited.keySet());
    }

    /** Waits for each partition's low watermark to reach the offset records were deleted to. */
    private final class DelayedDeleteRecords extends DelayedPartitionOffsets<DeleteRecordsResult> {
        DelayedDeleteRecords(long timeoutMs, Map<TopicPartition, Long> awaited,
                             Map<TopicPartition, DeleteRecordsResult> results,
                             Consumer<Map<TopicPartition, DeleteRecordsResult>> callback) {
            super(timeoutMs, awaited, results, callback);
        }

        @Override
        DeleteRecordsResult check(TopicPartition tp, long offset, DeleteRecordsResult current) {
            try {
                long lowWatermark = hostedPartition(tp).lowWatermark();
                return lowWatermark >= offset ? new DeleteRecordsResult(Errors.NONE, lowWatermark) : null;
            } catch (RuntimeException e) { // no longer the leader, or the topic is gone
                return DeleteRecordsResult.failed(e);
            }
        }

        @Override
        DeleteRecordsResult timedOut(TopicPartition tp, DeleteRecordsResult current) {
            return new DeleteRecordsResult(Errors.REQUEST_TIMED_OUT, current.lowWatermark());
        }
    }

    /** Whether {@code logDir}, one of this broker's {@code log.dirs}, was taken offline after a failure. */
    public boolean isLogDirOffline(Path logDir) {
        return logManager.isOffline(logDir);
    }

    /** Fetches waiting for data (long polls). */
    public int waitingFetches() {
        return fetchPurgatory.watched();
    }

    /** Tells the produce, fetch and DeleteRecords requests waiting on {@code tp} to look again. */
    private void checkWaiting(TopicPartition tp) {
        producePurgatory.checkAndComplete(tp);
        fetchPurgatory.checkAndComplete(tp);
        deleteRecordsPurgatory.checkAndComplete(tp);
    }

    /** Answers every waiting request with what it has now, and stops the purgatories' timers. */
    @Override
    public void close() {
        fetchers.close();
        producePurgatory.close();
        fetchPurgatory.close();
        deleteRecordsPurgatory.close();
    }
}
