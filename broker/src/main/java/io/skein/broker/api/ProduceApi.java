package io.skein.broker.api;

import io.skein.broker.api.ClusterView.RequestedTopics;
import io.skein.broker.kafka.LogRecords.TransactionalProducer;
import io.skein.broker.kafka.LogRecords;
import io.skein.broker.network.RequestContext;
import io.skein.broker.replica.ReplicaManager.ProduceResult;
import io.skein.broker.replica.ReplicaManager;
import io.skein.broker.security.Authorization;
import io.skein.broker.txn.AddPartitionsToTxnManager;
import io.skein.log.record.RecordBatchView;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.TopicImage;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData.NodeEndpoint;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Produce: appends each partition's batches as leader and answers per {@code acks}. As in Kafka, each
 * topic needs WRITE (else TOPIC_AUTHORIZATION_FAILED, whether it exists or not), and transactional
 * records WRITE on their transactional id (else the whole request is refused). With acks=0 no
 * response is sent; a failed write then closes the connection instead, as Kafka does, so that the
 * producer notices and refreshes its metadata. From version 13, topics are named by id. From version
 * 10, a partition refused with NOT_LEADER_OR_FOLLOWER names its current leader and the response that
 * leader's endpoint (KIP-951, {@link CurrentLeaders}), as Kafka's.
 *
 * <p>A producer's first transactional batch of a transaction in a
 * partition is appended only once its coordinator has the partition in the transaction (KIP-890): a
 * TV2 producer's (Produce v12+) first write adds it; an older producer's is only verified, as it adds
 * its partitions itself. A late or stray write cannot open a transaction no coordinator will end. What
 * the coordinator answers reaches the producer as Kafka translates it.
 * While the batch waits, the log holds back the producer's later batches there (Kafka's verification
 * guard, see {@link ReplicaManager#beginTransactionVerification}). Not yet: the guard's other half,
 * which refuses the batch if the transaction ended between the answer and the append (with TV2 the
 * epoch bump at its end fences it anyway).
 */
final class ProduceApi implements Api {
    private static final short TOPIC_IDS_FROM = 13;
    private static final CompletableFuture<Void> VERIFIED = CompletableFuture.completedFuture(null);

    /** The first version of TV2 producers, whose first write to a partition adds it to their transaction (KIP-890). */
    private static final short ADDS_PARTITIONS_FROM = 12;
    /** The first version whose producers know TRANSACTION_ABORTABLE; older ones are told INVALID_TXN_STATE. */
    private static final short TRANSACTION_ABORTABLE_FROM = 11;
    /** The first version whose responses name a refused partition's current leader (KIP-951). */
    private static final short CURRENT_LEADER_FROM = 10;

    private final ClusterView cluster;
    private final ReplicaManager replicaManager;
    private final AddPartitionsToTxnManager transactions;
    private final Authorization authorization;

    ProduceApi(ClusterView cluster, ReplicaManager replicaManager, AddPartitionsToTxnManager transactions,
               Authorization authorization) {
        this.cluster = cluster;
        this.replicaManager = replicaManager;
        this.transactions = transactions;
        this.authorization = authorization;
    }

    /** A partition of the request, by the position of its topic in the request. */
    private record Target(int topicIndex, int partition) {
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        ProduceRequestData request = (ProduceRequestData) context.request().data();
        short version = context.request().apiVersion();
        short acks = request.acks();
        MetadataImage image = cluster.image();
        RequestedTopics named = cluster.requested(image, request.topicData(), version >= TOPIC_IDS_FROM,
                TopicProduceData::name, TopicProduceData::topicId);
        Set<String> writable = authorization.authorized(context, AclOperation.WRITE, ResourceType.TOPIC,
                named.known());
        Map<Target, ProduceResult> failed = new LinkedHashMap<>();
        Map<Target, TopicPartition> resolved = new LinkedHashMap<>();
        Map<TopicPartition, ByteBuffer> entries = new LinkedHashMap<>();
        Map<TopicPartition, TransactionalProducer> producers = new LinkedHashMap<>();
        boolean transactional = false;
        int topicIndex = 0;
        for (TopicProduceData topic : request.topicData()) {
            TopicImage found = named.found().get(topicIndex);
            String name = named.names().get(topicIndex++);
            for (PartitionProduceData partition : topic.partitionData()) {
                Target target = new Target(topicIndex, partition.index());
                Optional<TransactionalProducer> producer = LogRecords.transactionalProducer(partition.records());
                transactional |= producer.isPresent();
                if (acks != 0 && acks != 1 && acks != -1) {
                    failed.put(target, error(Errors.INVALID_REQUIRED_ACKS, "acks must be -1 (all), 0 or 1, not " + acks));
                } else if (name == null) {
                    failed.put(target, error(Errors.UNKNOWN_TOPIC_ID, "No topic has id " + topic.topicId()));
                } else if (!writable.contains(name)) {
                    failed.put(target, error(Errors.TOPIC_AUTHORIZATION_FAILED, null));
                } else if (found == null) {
                    failed.put(target, error(Errors.UNKNOWN_TOPIC_OR_PARTITION,
                            "This server does not host this topic-partition."));
                } else if (TopicImage.isInternal(found.name())) {
                    failed.put(target, error(Errors.INVALID_TOPIC_EXCEPTION, "Cannot append to internal topic "
                            + found.name()));
                } else {
                    TopicPartition tp = new TopicPartition(found.name(), partition.index());
                    resolved.put(target, tp);
                    entries.put(tp, LogRecords.bufferOf(partition.records()));
                    producer.ifPresent(p -> producers.put(tp, p));
                }
            }
        }
        // Transactional records need their producer's transactional id, and WRITE on it: else the whole request
        // is refused, as in Kafka (a transaction no coordinator ends would hold back the last stable offset).
        if (transactional && (request.transactionalId() == null || !authorization.authorize(context,
                AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId()))) {
            if (acks == 0) {
                context.closeConnection().run();
                return CompletableFuture.completedFuture(null);
            }
            return Refusals.refused(context, new TransactionalIdAuthorizationException(
                    Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.message()));
        }
        Map<TopicPartition, Target> targets = new HashMap<>();
        resolved.forEach((target, tp) -> targets.put(tp, target));
        CompletableFuture<ApiMessage> response = new CompletableFuture<>();
        Map<TopicPartition, TransactionalProducer> unverified = unverified(producers);
        CompletableFuture<Void> verified = VERIFIED;
        if (!unverified.isEmpty()) {
            TransactionalProducer producer = unverified.values().iterator().next();
            verified = transactions.verifyTransaction(request.transactionalId(), producer.producerId(),
                    producer.producerEpoch(), unverified.keySet(), version < ADDS_PARTITIONS_FROM)
                    .handle((errors, e) -> {
                        unverified.keySet().forEach(tp -> {
                            Errors error = e != null ? Errors.forException(e) : errors.getOrDefault(tp, Errors.NONE);
                            if (error != Errors.NONE) {
                                failed.put(targets.get(tp), verificationFailed(error, version));
                                entries.remove(tp);
                            }
                        });
                        return null;
                    });
        }
        // Later requests of the connection append after this one, even while it waits for its coordinator.
        context.appendOrder().submit(verified, () -> append(context, request, failed, resolved, entries, response));
        return acks == 0 ? CompletableFuture.completedFuture(null) : response;
    }

    /**
     * The partitions whose transactional batch must wait for the coordinator. A request carries one
     * producer's batches, as Kafka takes it.
     */
    private Map<TopicPartition, TransactionalProducer> unverified(Map<TopicPartition, TransactionalProducer> producers) {
        Map<TopicPartition, TransactionalProducer> unverified = new LinkedHashMap<>();
        producers.forEach((tp, producer) -> {
            if (replicaManager.beginTransactionVerification(tp, producer.producerId(), producer.producerEpoch(),
                    producer.baseSequence())) {
                unverified.put(tp, producer);
            }
        });
        return unverified;
    }

    /** A coordinator's answer as Kafka gives it to a producer: the retriable ones as one it retries without fuss. */
    private static ProduceResult verificationFailed(Errors error, short version) {
        return switch (error) {
            case INVALID_TXN_STATE -> error(error, "Partition was not added to the transaction");
            case TRANSACTION_ABORTABLE -> version >= TRANSACTION_ABORTABLE_FROM
                    ? error(error, "Partition was not added to the transaction")
                    : error(Errors.INVALID_TXN_STATE, "Partition was not added to the transaction");
            case CONCURRENT_TRANSACTIONS, NETWORK_EXCEPTION, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE,
                 NOT_COORDINATOR -> error(Errors.NOT_ENOUGH_REPLICAS, "Unable to verify the partition has been added "
                    + "to the transaction. Underlying error: " + error);
            default -> error(error, error.message());
        };
    }

    private void append(RequestContext context, ProduceRequestData request, Map<Target, ProduceResult> failed,
                        Map<Target, TopicPartition> resolved, Map<TopicPartition, ByteBuffer> entries,
                        CompletableFuture<ApiMessage> response) {
        short version = context.request().apiVersion();
        short acks = request.acks();
        replicaManager.appendRecords(request.timeoutMs(), acks, entries, results -> {
            if (acks == 0) {
                if (!failed.isEmpty() || results.values().stream().anyMatch(r -> r.error() != Errors.NONE)) {
                    context.closeConnection().run();
                }
                response.complete(null);
                return;
            }
            // The latest image, not the request's: a leader elected while this write waited is the one to name.
            CurrentLeaders leaders = version >= CURRENT_LEADER_FROM
                    ? new CurrentLeaders(cluster.image(), context.listenerName()) : null;
            response.complete(response(version, request, failed, resolved, results, entries, leaders));
        });
    }

    /**
     * The time the leader stamped the batches with, for a topic with {@code message.timestamp.type=LogAppendTime}
     * (the log stamps the request's own batches), else -1: the producer reports it as each record's timestamp.
     */
    private static long logAppendTime(ByteBuffer records) {
        if (records.remaining() < RecordBatchView.HEADER_SIZE) {
            return -1;
        }
        RecordBatchView first = new RecordBatchView().at(records, records.position());
        return first.isLogAppendTime() ? first.maxTimestamp() : -1;
    }

    private static ProduceResult error(Errors error, String message) {
        return new ProduceResult(error, message, -1, -1);
    }

    /** @param leaders names the current leader of a partition this broker does not lead; null below version 10 */
    private static ProduceResponseData response(short version, ProduceRequestData request, Map<Target, ProduceResult> failed,
                                                Map<Target, TopicPartition> resolved,
                                                Map<TopicPartition, ProduceResult> results,
                                                Map<TopicPartition, ByteBuffer> entries, CurrentLeaders leaders) {
        ProduceResponseData response = new ProduceResponseData();
        int topicIndex = 0;
        for (TopicProduceData topic : request.topicData()) {
            topicIndex++;
            TopicProduceResponse topicResponse = new TopicProduceResponse();
            if (version >= TOPIC_IDS_FROM) {
                topicResponse.setTopicId(topic.topicId());
            } else {
                topicResponse.setName(topic.name());
            }
            for (PartitionProduceData partition : topic.partitionData()) {
                Target target = new Target(topicIndex, partition.index());
                ProduceResult result = failed.containsKey(target) ? failed.get(target) : results.get(resolved.get(target));
                boolean appended = resolved.containsKey(target) && !failed.containsKey(target);
                PartitionProduceResponse partitionResponse = new PartitionProduceResponse()
                        .setIndex(partition.index())
                        .setErrorCode(result.error().code())
                        .setErrorMessage(result.error() == Errors.NONE ? null : result.message())
                        .setBaseOffset(result.baseOffset())
                        .setLogAppendTimeMs(result.error() == Errors.NONE && appended
                                ? logAppendTime(entries.get(resolved.get(target))) : -1)
                        .setLogStartOffset(result.logStartOffset());
                if (leaders != null && result.error() == Errors.NOT_LEADER_OR_FOLLOWER && resolved.containsKey(target)) {
                    CurrentLeaders.Leader leader = leaders.of(resolved.get(target).topic(), partition.index());
                    partitionResponse.currentLeader().setLeaderId(leader.id()).setLeaderEpoch(leader.epoch());
                }
                topicResponse.partitionResponses().add(partitionResponse);
            }
            response.responses().add(topicResponse);
        }
        if (leaders != null) {
            leaders.endpoints().forEach(node -> response.nodeEndpoints().add(new NodeEndpoint().setNodeId(node.id())
                    .setHost(node.host()).setPort(node.port()).setRack(node.rack())));
        }
        return response;
    }
}
