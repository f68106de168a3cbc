package io.skein.broker.api;

import io.skein.broker.api.ClusterView.RequestedTopics;
import io.skein.broker.kafka.LogRecords;
import io.skein.broker.network.RequestContext;
import io.skein.broker.quota.ClientQuotas;
import io.skein.broker.replica.ReplicaManager.FetchParams;
import io.skein.broker.replica.ReplicaManager.FetchPartition;
import io.skein.broker.replica.ReplicaManager.FetchResult;
import io.skein.broker.replica.ReplicaManager;
import io.skein.broker.security.Authorization;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.TopicImage;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData.AbortedTransaction;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.NodeEndpoint;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Fetch, for consumers: each partition's batches from the fetch offset up to the high watermark (with
 * READ_COMMITTED, up to the last stable offset, with the aborted transactions among them),
 * sent from the log file with {@code sendfile}; the answer waits up to {@code maxWaitMs} for
 * {@code minBytes}. No fetch sessions: every response says session 0, so clients send full fetches
 * (a legal choice for a broker). From version 13, topics are named by id. From version 16, a partition
 * refused with NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH names its current leader and the response
 * that leader's endpoint (KIP-951, {@link CurrentLeaders}), as Kafka's. A consumer needs READ on each
 * topic, a follower CLUSTER_ACTION on the cluster (else TOPIC_AUTHORIZATION_FAILED, as in Kafka). A
 * consumer's fetch returns at most what its fetch quota lets through at once ({@link RequestThrottling}
 * throttles its answer).
 */
final class FetchApi implements Api {
    private static final short TOPIC_IDS_FROM = 13;
    private static final short READ_COMMITTED_FROM = 4;
    /** The first version whose responses name a refused partition's current leader (KIP-951). */
    private static final short CURRENT_LEADER_FROM = 16;

    private final ClusterView cluster;
    private final ReplicaManager replicaManager;
    private final Authorization authorization;
    private final ClientQuotas quotas;

    FetchApi(ClusterView cluster, ReplicaManager replicaManager, Authorization authorization, ClientQuotas quotas) {
        this.cluster = cluster;
        this.replicaManager = replicaManager;
        this.authorization = authorization;
        this.quotas = quotas;
    }

    /** A partition as the client named it, with the error found before reading, if any. */
    private record Asked(FetchTopic topic, int partition, TopicPartition resolved, Errors error) {
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        FetchRequestData request = (FetchRequestData) context.request().data();
        short version = context.request().apiVersion();
        if (request.sessionId() != 0 || request.sessionEpoch() > 0) {
            return CompletableFuture.completedFuture(new FetchResponseData()
                    .setErrorCode(Errors.FETCH_SESSION_ID_NOT_FOUND.code()).setSessionId(0));
        }
        MetadataImage image = cluster.image();
        // A follower names itself, and from v15 its broker epoch too, in its replica state.
        int replicaId = context.request().fetchReplicaId();
        RequestedTopics named = cluster.requested(image, request.topics(), version >= TOPIC_IDS_FROM,
                FetchTopic::topic, FetchTopic::topicId);
        Set<String> readable = readable(context, replicaId, named.known());
        List<Asked> asked = new ArrayList<>();
        List<FetchPartition> reads = new ArrayList<>();
        int topicIndex = 0;
        for (FetchTopic topic : request.topics()) {
            TopicImage found = named.found().get(topicIndex);
            String name = named.names().get(topicIndex++);
            for (FetchRequestData.FetchPartition partition : topic.partitions()) {
                Errors refusal = name == null ? Errors.UNKNOWN_TOPIC_ID
                        : !readable.contains(name) ? Errors.TOPIC_AUTHORIZATION_FAILED
                        : found == null ? Errors.UNKNOWN_TOPIC_OR_PARTITION : Errors.NONE;
                if (refusal != Errors.NONE) {
                    asked.add(new Asked(topic, partition.partition(), null, refusal));
                    continue;
                }
                TopicPartition tp = new TopicPartition(found.name(), partition.partition());
                asked.add(new Asked(topic, partition.partition(), tp, Errors.NONE));
                reads.add(new FetchPartition(tp, partition.fetchOffset(), partition.partitionMaxBytes(),
                        partition.currentLeaderEpoch(), partition.logStartOffset(), partition.lastFetchedEpoch()));
            }
        }
        long replicaEpoch = version >= 15 ? request.replicaState().replicaEpoch() : -1;
        // READ_COMMITTED from v4; a follower reads to the log end whatever it says.
        IsolationLevel isolation = version >= READ_COMMITTED_FROM
                ? IsolationLevel.forId(request.isolationLevel()) : IsolationLevel.READ_UNCOMMITTED;
        String clientId = context.request().clientId();
        boolean adminRead = clientId != null && clientId.startsWith(FetchParams.ADMIN_CLIENT_ID_PREFIX);
        // A consumer asks for no more than its fetch quota lets through at once, as in Kafka: more would be throttled
        // whatever it fetched before, and never reach it.
        int maxBytes = replicaId >= 0 ? request.maxBytes() : Math.min(request.maxBytes(),
                quotas.maxFetchBytes(context.principal().getName(), clientId == null ? "" : clientId));
        FetchParams params = new FetchParams(replicaId, replicaEpoch, request.maxWaitMs(),
                Math.min(request.minBytes(), maxBytes), maxBytes, isolation, adminRead);
        CompletableFuture<ApiMessage> response = new CompletableFuture<>();
        replicaManager.fetch(params, reads, results -> response.complete(response(version, asked, results,
                version >= CURRENT_LEADER_FROM ? new CurrentLeaders(cluster.image(), context.listenerName()) : null)));
        return response;
    }

    /**
     * The topics the fetch may read, as Kafka decides: a follower (a replica id) needs CLUSTER_ACTION on
     * the cluster, and then reads every topic; a consumer needs READ on each topic.
     */
    private Set<String> readable(RequestContext context, int replicaId, List<String> names) {
        if (replicaId >= 0) {
            return authorization.authorizeCluster(context, AclOperation.CLUSTER_ACTION) ? Set.copyOf(names) : Set.of();
        }
        return authorization.authorized(context, AclOperation.READ, ResourceType.TOPIC, names);
    }

    /** @param leaders names the current leader of a partition this broker does not lead; null below version 16 */
    private static FetchResponseData response(short version, List<Asked> asked, List<FetchResult> results,
                                              CurrentLeaders leaders) {
        FetchResponseData response = new FetchResponseData().setSessionId(0);
        Iterator<FetchResult> read = results.iterator();
        FetchableTopicResponse current = null;
        FetchTopic currentTopic = null;
        for (Asked partition : asked) {
            if (partition.topic() != currentTopic) {
                currentTopic = partition.topic();
                current = new FetchableTopicResponse();
                if (version >= TOPIC_IDS_FROM) {
                    current.setTopicId(currentTopic.topicId());
                } else {
                    current.setTopic(currentTopic.topic());
                }
                response.responses().add(current);
            }
            PartitionData data = new PartitionData().setPartitionIndex(partition.partition());
            if (partition.error() != Errors.NONE) {
                data.setErrorCode(partition.error().code()).setHighWatermark(-1).setLastStableOffset(-1)
                        .setLogStartOffset(-1).setRecords(LogRecords.empty());
            } else {
                FetchResult result = read.next();
                data.setErrorCode(result.error().code())
                        .setHighWatermark(result.highWatermark())
                        .setLastStableOffset(result.lastStableOffset())
                        .setLogStartOffset(result.logStartOffset())
                        .setAbortedTransactions(result.abortedTransactions() == null ? null
                                : result.abortedTransactions().stream().map(txn -> new AbortedTransaction()
                                .setProducerId(txn.producerId()).setFirstOffset(txn.firstOffset())).toList())
                        .setRecords(LogRecords.of(result.records()));
                result.divergingEpoch().ifPresent(end -> data.divergingEpoch()
                        .setEpoch(end.epoch()).setEndOffset(end.endOffset()));
                if (leaders != null && (result.error() == Errors.NOT_LEADER_OR_FOLLOWER
                        || result.error() == Errors.FENCED_LEADER_EPOCH)) {
                    CurrentLeaders.Leader leader = leaders.of(partition.resolved().topic(), partition.partition());
                    data.currentLeader().setLeaderId(leader.id()).setLeaderEpoch(leader.epoch());
                }
            }
            current.partitions().add(data);
        }
        if (leaders != null) {
            leaders.endpoints().forEach(node -> response.nodeEndpoints().add(new NodeEndpoint().setNodeId(node.id())
                    .setHost(node.host()).setPort(node.port()).setRack(node.rack())));
        }
        return response;
    }
}
