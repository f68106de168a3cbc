package io.skein.broker.replica;

import io.skein.broker.kafka.TopicIds;
import io.skein.broker.kafka.BrokerConnection;
import io.skein.broker.kafka.BrokerConnector;
import io.skein.broker.kafka.LogRecords;
import io.skein.metadata.util.RetryLog;
import io.skein.log.LeaderEpochCache;
import io.skein.log.PartitionLog;
import io.skein.log.UnexpectedAppendOffsetException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that keeps this broker's replicas of the partitions one leader broker leads: for each
 * partition, after every leader-epoch change, it first asks the leader where this replica's latest
 * epoch ends and cuts exactly the suffix the leader does not hold, asking again until the answer names
 * an epoch this replica has (KIP-101/279); then it fetches from the log end offset with Kafka Fetch
 * requests carrying this broker's id and its last fetched epoch, appends what comes as a follower, and
 * takes the leader's high watermark. A leader that finds the last fetched epoch diverging answers with
 * where it ends instead of records (Fetch v12), and the fetcher cuts there the same way.
 *
 * <p>Partitions fail alone: an error while handling one partition's answer sends that partition back
 * to truncation, or, for a storage error or one this thread cannot explain, stops fetching it until the
 * next leader epoch (as Kafka marks a partition failed); the other partitions of the response go on.
 */
final class ReplicaFetcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
    private static final short FETCH_VERSION = 15; // diverging epochs (12), topic ids (13), the replica's broker epoch (15)
    private static final short OFFSETS_FOR_LEADER_EPOCH_VERSION = 4;
    private static final int CONNECT_TIMEOUT_MS = 5_000;

    /**
     * How a follower fetches; its fetches name its broker's current epoch (KIP-903); {@code quota} is the
     * follower side of the broker's replication throttle.
     */
    record Settings(int maxWaitMs, int partitionMaxBytes, int responseMaxBytes, int backoffMs, LongSupplier brokerEpoch,
                    BrokerConnector connector, ReplicationQuota quota) {
    }

    /** Where a partition stands in its leader epoch. */
    private enum State {
        /** Its log may hold a suffix the leader does not: ask OffsetsForLeaderEpoch first. */
        TRUNCATING,
        FETCHING,
        /** Its log failed here: left alone until the next leader epoch. */
        FAILED
    }

    /**
     * A partition followed in one leader epoch; {@code inSync} once a fetch brought it to the leader's
     * high watermark (Kafka's isReplicaInSync), which frees it from the follower's throttle.
     */
    private record Followed(Partition partition, int leaderEpoch, State state, boolean inSync) {
        Followed in(State next) {
            return new Followed(partition, leaderEpoch, next, inSync);
        }

        /** Whether the follower's throttle holds this partition back now. */
        boolean throttled(ReplicationQuota quota) {
            return !inSync && partition.followerThrottled() && quota.isExceeded();
        }
    }

    /** A partition as Fetch v13+ names it in responses. */
    private record FetchedPartition(Uuid topicId, int partition) {
    }

    /**
     * Where to cut after the leader said that its {@code leaderEpoch}, the largest of its epochs not above
     * the one this replica asked about, ends at {@code leaderEndOffset}; {@code complete} is false when
     * this replica lacks that epoch, so that it must ask again about its own latest epoch after the cut.
     */
    record Truncation(long offset, boolean complete) {
    }

    private final int localBrokerId;
    private final int leaderId;
    private final IntFunction<Optional<InetSocketAddress>> addresses;
    private final Settings settings;
    private final Map<TopicPartition, Followed> followed = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private BrokerConnection connection;
    private final RetryLog retries = new RetryLog(log); // the fetcher thread's

    ReplicaFetcher(int localBrokerId, int leaderId, IntFunction<Optional<InetSocketAddress>> addresses,
                   Settings settings) {
        this.localBrokerId = localBrokerId;
        this.leaderId = leaderId;
        this.addresses = addresses;
        this.settings = settings;
        this.thread = new Thread(this::run, "replica-fetcher-" + localBrokerId + "-from-" + leaderId);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Follows {@code partition} in {@code leaderEpoch}, starting with the truncation step. */
    void follow(Partition partition, int leaderEpoch) {
        followed.compute(partition.topicPartition(), (tp, current) -> current != null
                && current.partition() == partition && current.leaderEpoch() == leaderEpoch
                ? current : new Followed(partition, leaderEpoch, State.TRUNCATING, false));
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
                // Said once after failures: a leader that is down stays so until the controller fences
                // it (seconds), or for as long as it is partitioned away.
                retries.succeeded("Broker {} fetches from broker {} again", localBrokerId, leaderId);
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (running) {
                    // One kind: a leader going down fails a fetch (EOF), then the connections (refused).
                    retries.failed("fetch", "Broker {} cannot fetch from broker {}: {}; retrying every {} ms",
                            localBrokerId, leaderId, e.toString(), settings.backoffMs());
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
            connection = settings.connector().connect(address.get(), "replica-fetcher-" + localBrokerId,
                    CONNECT_TIMEOUT_MS, settings.maxWaitMs() + 30_000);
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

    /** Moves {@code f} to {@code next}, unless the metadata replaced it meanwhile. */
    private void transition(Followed f, State next) {
        followed.replace(f.partition().topicPartition(), f, f.in(next));
    }

    /** An error while handling one partition: it alone pays for it. */
    private void failed(Followed f, RuntimeException e) {
        TopicPartition tp = f.partition().topicPartition();
        if (e instanceof FencedLeaderEpochException || e instanceof UnexpectedAppendOffsetException) {
            // The leader's batches do not continue this log as it is: it diverged, find where.
            log.info("Broker {}: the log of {} does not continue with what leader {} sent ({}); truncating again",
                    localBrokerId, tp, leaderId, e.getMessage());
            transition(f, State.TRUNCATING);
        } else {
            log.error("Broker {} stops fetching {} from broker {} until its next leader epoch", localBrokerId, tp,
                    leaderId, e);
            transition(f, State.FAILED);
        }
    }

    // ---------------------------------------------------------------- truncation

    /** For each partition that may have diverged: cut what the leader's log does not hold. */
    private void truncate(BrokerConnection leader) throws IOException {
        List<Followed> pending = followed.values().stream().filter(f -> f.state() == State.TRUNCATING).toList();
        if (pending.isEmpty()) {
            return;
        }
        OffsetForLeaderTopicCollection topics = new OffsetForLeaderTopicCollection();
        List<Followed> asked = new ArrayList<>();
        for (Followed f : pending) {
            OptionalInt latest = f.partition().log().leaderEpochCache().latestEpoch();
            if (latest.isEmpty()) { // nothing written in any epoch: nothing can diverge
                transition(f, State.FETCHING);
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
                if (f == null || !asked.contains(f)) {
                    continue;
                }
                if (end.errorCode() != Errors.NONE.code()) {
                    log.debug("Broker {}: OffsetsForLeaderEpoch for {} failed: {}", localBrokerId,
                            f.partition().topicPartition(), Errors.forCode(end.errorCode()));
                    continue; // retried on the next round, or replaced by the next metadata
                }
                try {
                    cut(f, end.leaderEpoch(), end.endOffset());
                } catch (RuntimeException e) {
                    failed(f, e);
                }
            }
        }
    }

    /** Cuts {@code f}'s log where the leader's {@code leaderEpoch} ends, and asks again if that is not final. */
    private void cut(Followed f, int leaderEpoch, long leaderEndOffset) {
        Truncation truncation = truncation(f.partition().log(), leaderEpoch, leaderEndOffset);
        if (f.partition().truncateAsFollower(f.leaderEpoch(), truncation.offset())) {
            transition(f, truncation.complete() ? State.FETCHING : State.TRUNCATING);
        }
    }

    /**
     * Where the leader's answer says this replica's log stops agreeing with it (Kafka's
     * {@code getOffsetTruncationState}): if the replica has the epoch the leader named, the lower of the
     * two ends of that epoch, and that is final; if not, the end of the largest epoch it has below that
     * one, and it must ask again; the high watermark if the leader knows none of this replica's epochs.
     */
    static Truncation truncation(PartitionLog replica, int leaderEpoch, long leaderEndOffset) {
        long replicaEnd = replica.logEndOffset();
        if (leaderEndOffset == LeaderEpochCache.UNDEFINED_EPOCH_OFFSET) {
            return new Truncation(Math.min(replica.highWatermark(), replicaEnd), true);
        }
        LeaderEpochCache.EpochEndOffset local = leaderEpoch == LeaderEpochCache.UNDEFINED_EPOCH
                ? LeaderEpochCache.EpochEndOffset.UNDEFINED : replica.endOffsetForEpoch(leaderEpoch);
        if (local.endOffset() == LeaderEpochCache.UNDEFINED_EPOCH_OFFSET) {
            return new Truncation(Math.min(leaderEndOffset, replicaEnd), true);
        }
        if (local.epoch() != leaderEpoch) {
            return new Truncation(Math.min(local.endOffset(), replicaEnd), false);
        }
        return new Truncation(Math.min(Math.min(local.endOffset(), leaderEndOffset), replicaEnd), true);
    }

    // ---------------------------------------------------------------- fetching

    private void fetch(BrokerConnection leader) throws IOException, InterruptedException {
        // As Kafka's follower, a throttled partition is left out of the fetch while the quota is exceeded.
        List<Followed> ready = followed.values().stream()
                .filter(f -> f.state() == State.FETCHING && !f.throttled(settings.quota())).toList();
        if (ready.isEmpty()) {
            Thread.sleep(settings.backoffMs());
            return;
        }
        FetchRequestData request = new FetchRequestData()
                .setReplicaState(new FetchRequestData.ReplicaState().setReplicaId(localBrokerId)
                        .setReplicaEpoch(settings.brokerEpoch().getAsLong()))
                .setMaxWaitMs(settings.maxWaitMs()).setMinBytes(1).setMaxBytes(settings.responseMaxBytes())
                .setIsolationLevel((byte) 0).setSessionId(0).setSessionEpoch(-1);
        Map<Uuid, FetchRequestData.FetchTopic> topics = new LinkedHashMap<>();
        Map<FetchedPartition, Followed> asked = new HashMap<>();
        for (Followed f : ready) {
            TopicPartition tp = f.partition().topicPartition();
            Uuid topicId = TopicIds.toKafka(f.partition().topicId());
            asked.put(new FetchedPartition(topicId, tp.partition()), f);
            PartitionLog replica = f.partition().log();
            topics.computeIfAbsent(topicId, id -> new FetchRequestData.FetchTopic().setTopicId(id))
                    .partitions().add(new FetchRequestData.FetchPartition().setPartition(tp.partition())
                            .setCurrentLeaderEpoch(f.leaderEpoch()).setFetchOffset(replica.logEndOffset())
                            .setLastFetchedEpoch(replica.leaderEpochCache().latestEpoch()
                                    .orElse(LeaderEpochCache.UNDEFINED_EPOCH))
                            .setLogStartOffset(replica.logStartOffset())
                            .setPartitionMaxBytes(settings.partitionMaxBytes()));
        }
        request.setTopics(new ArrayList<>(topics.values()));
        FetchResponseData response = leader.call(request, FETCH_VERSION);
        boolean backOff = response.errorCode() != Errors.NONE.code();
        for (FetchResponseData.FetchableTopicResponse topic : response.responses()) {
            for (FetchResponseData.PartitionData data : topic.partitions()) {
                Followed sent = asked.get(new FetchedPartition(topic.topicId(), data.partitionIndex()));
                Followed f = sent == null ? null : followed.get(sent.partition().topicPartition());
                if (sent == null || f != sent || f.state() != State.FETCHING) {
                    continue; // not asked, or replaced by the metadata meanwhile
                }
                try {
                    if (!handle(f, data)) {
                        backOff = true;
                    }
                } catch (CorruptRecordException | InvalidRecordException e) {
                    log.warn("Broker {}: leader {} sent a bad batch of {}: {}", localBrokerId, leaderId,
                            f.partition().topicPartition(), e.getMessage());
                    backOff = true;
                } catch (RuntimeException e) {
                    failed(f, e);
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
                if (data.divergingEpoch().epoch() != LeaderEpochCache.UNDEFINED_EPOCH) {
                    cut(f, data.divergingEpoch().epoch(), data.divergingEpoch().endOffset());
                    return true;
                }
                ByteBuffer records = LogRecords.bufferOf(data.records());
                int bytes = records.remaining();
                if (bytes > 0 && !partition.appendAsFollower(f.leaderEpoch(), records)) {
                    return true; // no longer its follower in this epoch: the metadata replaces this fetch
                }
                if (bytes > 0 && partition.followerThrottled()) {
                    settings.quota().record(bytes); // in sync or not, as Kafka: the throttle bounds all of it
                }
                boolean inSync = partition.log().logEndOffset() >= data.highWatermark();
                if (inSync != f.inSync()) {
                    followed.replace(partition.topicPartition(), f, new Followed(partition, f.leaderEpoch(),
                            f.state(), inSync));
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
                    partition.truncateFullyAsFollower(f.leaderEpoch(), data.logStartOffset());
                    return true;
                }
                // The leader's log is shorter than this one, or cannot place its last epoch: find where they agree.
                transition(f, State.TRUNCATING);
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
