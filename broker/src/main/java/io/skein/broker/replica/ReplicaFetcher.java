package io.skein.broker.replica;

import io.skein.broker.kafka.BrokerConnection;
import io.skein.broker.kafka.LogRecords;
import io.skein.log.LeaderEpochCache;
import io.skein.log.PartitionLog;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that keeps this broker's replicas of the partitions one leader broker leads: for each
 * partition, after every leader-epoch change, it first asks the leader where this replica's latest
 * epoch ends and cuts exactly the suffix the leader does not hold (KIP-101/279); then it fetches from
 * the log end offset with Kafka Fetch requests carrying this broker's id, appends what comes as a
 * follower, and takes the leader's high watermark.
 */
final class ReplicaFetcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
    private static final short FETCH_VERSION = 12; // topics by name, replica id in the body
    private static final short OFFSETS_FOR_LEADER_EPOCH_VERSION = 4;
    private static final int CONNECT_TIMEOUT_MS = 5_000;

    /** Cuts partitions' logs, as the replica manager does it (checkpoints, producer state). */
    interface Logs {
        void truncate(Partition partition, long offset);

        /** Empties the log and starts it at {@code offset}, the leader's log start, which is past its end. */
        void truncateFullyAndStartAt(Partition partition, long offset);
    }

    /** How a follower fetches. */
    record Settings(int maxWaitMs, int partitionMaxBytes, int responseMaxBytes, int backoffMs) {
    }

    /** A partition followed in one leader epoch; until truncated, its log may hold a divergent suffix. */
    private record Followed(Partition partition, int leaderEpoch, boolean truncated) {
    }

    private final int localBrokerId;
    private final int leaderId;
    private final IntFunction<Optional<InetSocketAddress>> addresses;
    private final Logs logs;
    private final Settings settings;
    private final Map<TopicPartition, Followed> followed = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private BrokerConnection connection;

    ReplicaFetcher(int localBrokerId, int leaderId, IntFunction<Optional<InetSocketAddress>> addresses, Logs logs,
                   Settings settings) {
        this.localBrokerId = localBrokerId;
        this.leaderId = leaderId;
        this.addresses = addresses;
        this.logs = logs;
        this.settings = settings;
        this.thread = new Thread(this::run, "replica-fetcher-" + localBrokerId + "-from-" + leaderId);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Follows {@code partition} in {@code leaderEpoch}, starting with the truncation step. */
    void follow(Partition partition, int leaderEpoch) {
        followed.compute(partition.topicPartition(), (tp, current) -> current != null
                && current.partition() == partition && current.leaderEpoch() == leaderEpoch
                ? current : new Followed(partition, leaderEpoch, false));
    }

    void unfollow(TopicPartition tp) {
        followed.remove(tp);
    }

    boolean follows(TopicPartition tp) {
        return followed.containsKey(tp);
    }

    private void run() {
        while (running) {
            try {
                if (followed.isEmpty()) {
                    Thread.sleep(50);
                    continue;
                }
                BrokerConnection leader = connection();
                if (leader == null) {
                    Thread.sleep(settings.backoffMs());
                    continue;
                }
                truncate(leader);
                fetch(leader);
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (running) {
                    log.info("Broker {} cannot fetch from broker {}: {}", localBrokerId, leaderId, e.toString());
                }
                closeConnection();
                try {
                    Thread.sleep(settings.backoffMs());
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private BrokerConnection connection() throws IOException {
        if (connection == null) {
            Optional<InetSocketAddress> address = addresses.apply(leaderId);
            if (address.isEmpty()) {
                return null;
            }
            connection = new BrokerConnection(address.get(), "replica-fetcher-" + localBrokerId, CONNECT_TIMEOUT_MS,
                    settings.maxWaitMs() + 30_000);
        }
        return connection;
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (IOException ignored) {
                // closing a broken connection
            }
            connection = null;
        }
    }

    // ---------------------------------------------------------------- truncation

    /** For each partition in a new leader epoch: cut what the leader's log does not hold. */
    private void truncate(BrokerConnection leader) throws IOException {
        List<Followed> pending = followed.values().stream().filter(f -> !f.truncated()).toList();
        if (pending.isEmpty()) {
            return;
        }
        OffsetForLeaderTopicCollection topics = new OffsetForLeaderTopicCollection();
        List<Followed> asked = new ArrayList<>();
        for (Followed f : pending) {
            OptionalInt latest = f.partition().log().leaderEpochCache().latestEpoch();
            if (latest.isEmpty()) { // nothing written in any epoch: nothing can diverge
                markTruncated(f);
                continue;
            }
            TopicPartition tp = f.partition().topicPartition();
            OffsetForLeaderTopic topic = topics.find(tp.topic());
            if (topic == null) {
                topic = new OffsetForLeaderTopic().setTopic(tp.topic());
                topics.add(topic);
            }
            topic.partitions().add(new OffsetForLeaderPartition().setPartition(tp.partition())
                    .setCurrentLeaderEpoch(f.leaderEpoch()).setLeaderEpoch(latest.getAsInt()));
            asked.add(f);
        }
        if (asked.isEmpty()) {
            return;
        }
        OffsetForLeaderEpochResponseData response = leader.call(new OffsetForLeaderEpochRequestData()
                .setReplicaId(localBrokerId).setTopics(topics), OFFSETS_FOR_LEADER_EPOCH_VERSION);
        for (OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult topic : response.topics()) {
            for (EpochEndOffset end : topic.partitions()) {
                Followed f = followed.get(new TopicPartition(topic.topic(), end.partition()));
                if (f == null || f.truncated() || !asked.contains(f)) {
                    continue;
                }
                if (end.errorCode() != Errors.NONE.code()) {
                    log.debug("Broker {}: OffsetsForLeaderEpoch for {} failed: {}", localBrokerId,
                            f.partition().topicPartition(), Errors.forCode(end.errorCode()));
                    continue; // retried on the next round, or replaced by the next metadata
                }
                logs.truncate(f.partition(), truncationOffset(f.partition().log(), end));
                markTruncated(f);
            }
        }
    }

    /**
     * Where the leader's answer says this replica's log stops agreeing with it: the end of the
     * latest epoch both have, at the lower of the two ends (KIP-279); the high watermark if the
     * leader knows none of this replica's epochs.
     */
    static long truncationOffset(PartitionLog replica, EpochEndOffset leader) {
        if (leader.leaderEpoch() == LeaderEpochCache.UNDEFINED_EPOCH
                || leader.endOffset() == LeaderEpochCache.UNDEFINED_EPOCH_OFFSET) {
            return Math.min(replica.highWatermark(), replica.logEndOffset());
        }
        long localEnd = replica.endOffsetForEpoch(leader.leaderEpoch()).endOffset();
        if (localEnd == LeaderEpochCache.UNDEFINED_EPOCH_OFFSET) {
            localEnd = replica.logEndOffset();
        }
        return Math.min(Math.min(leader.endOffset(), localEnd), replica.logEndOffset());
    }

    private void markTruncated(Followed f) {
        followed.replace(f.partition().topicPartition(), f, new Followed(f.partition(), f.leaderEpoch(), true));
    }

    // ---------------------------------------------------------------- fetching

    private void fetch(BrokerConnection leader) throws IOException, InterruptedException {
        List<Followed> ready = followed.values().stream().filter(Followed::truncated).toList();
        if (ready.isEmpty()) {
            Thread.sleep(settings.backoffMs());
            return;
        }
        FetchRequestData request = new FetchRequestData().setReplicaId(localBrokerId)
                .setMaxWaitMs(settings.maxWaitMs()).setMinBytes(1).setMaxBytes(settings.responseMaxBytes())
                .setIsolationLevel((byte) 0).setSessionId(0).setSessionEpoch(-1);
        Map<String, FetchRequestData.FetchTopic> topics = new LinkedHashMap<>();
        for (Followed f : ready) {
            TopicPartition tp = f.partition().topicPartition();
            PartitionLog replica = f.partition().log();
            topics.computeIfAbsent(tp.topic(), name -> new FetchRequestData.FetchTopic().setTopic(name))
                    .partitions().add(new FetchRequestData.FetchPartition().setPartition(tp.partition())
                            .setCurrentLeaderEpoch(f.leaderEpoch()).setFetchOffset(replica.logEndOffset())
                            .setLastFetchedEpoch(replica.leaderEpochCache().latestEpoch().orElse(-1))
                            .setLogStartOffset(replica.logStartOffset())
                            .setPartitionMaxBytes(settings.partitionMaxBytes()));
        }
        request.setTopics(new ArrayList<>(topics.values()));
        FetchResponseData response = leader.call(request, FETCH_VERSION);
        boolean backOff = response.errorCode() != Errors.NONE.code();
        for (FetchResponseData.FetchableTopicResponse topic : response.responses()) {
            for (FetchResponseData.PartitionData data : topic.partitions()) {
                Followed f = followed.get(new TopicPartition(topic.topic(), data.partitionIndex()));
                if (f != null && !handle(f, data)) {
                    backOff = true;
                }
            }
        }
        if (backOff) {
            Thread.sleep(settings.backoffMs());
        }
    }

    /** @return false when the partition should wait before fetching again */
    private boolean handle(Followed f, FetchResponseData.PartitionData data) {
        Errors error = Errors.forCode(data.errorCode());
        Partition partition = f.partition();
        switch (error) {
            case NONE -> {
                ByteBuffer records = LogRecords.bufferOf(data.records());
                if (records.hasRemaining()) {
                    partition.appendAsFollower(records);
                }
                partition.updateFollowerHighWatermark(data.highWatermark());
                if (data.logStartOffset() > partition.log().logStartOffset()) {
                    partition.log().maybeIncrementLogStartOffset(Math.min(data.logStartOffset(),
                            partition.log().highWatermark()));
                }
                return true;
            }
            case OFFSET_OUT_OF_RANGE -> {
                if (data.logStartOffset() > partition.log().logEndOffset()) {
                    // The leader deleted (retention, DeleteRecords) all this replica lacks: start over where it starts.
                    logs.truncateFullyAndStartAt(partition, data.logStartOffset());
                    return true;
                }
                // The leader's log is shorter than this one: find where they agree again.
                followed.replace(partition.topicPartition(), f, new Followed(partition, f.leaderEpoch(), false));
                return false;
            }
            default -> {
                // Not the leader (yet, or any more), or a fenced epoch: the metadata will say who is.
                log.debug("Broker {}: fetching {} from broker {} failed: {}", localBrokerId,
                        partition.topicPartition(), leaderId, error);
                return false;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeConnection();
    }
}
