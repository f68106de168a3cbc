package io.skein.broker.api;

import io.skein.broker.group.GroupCoordinator;
import io.skein.broker.kafka.AddPartitionsWait;
import io.skein.broker.network.RequestContext;
import io.skein.broker.security.Authorization;
import io.skein.broker.txn.TransactionCoordinator;
import io.skein.broker.txn.TransactionMetadata;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.TopicImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The transaction APIs a producer sends its coordinator (AddPartitionsToTxn v0-3, AddOffsetsToTxn,
 * EndTxn) and those a partition leader sends it (AddPartitionsToTxn v4+, batched, to add a TV2
 * producer's partition or to verify a TV1 producer's), between Kafka's messages in all their
 * versions and the {@link TransactionCoordinator}. A producer's requests need WRITE on its transactional
 * id (and on the topics it adds, and READ on the group whose offsets it adds); a leader's, CLUSTER_ACTION
 * on the cluster, as in Kafka.
 */
final class TransactionApis {
    /** The first version of EndTxn that bumps the epoch (KIP-890 part 2). */
    private static final short END_TXN_TV2_FROM = 5;
    /** The first version of AddPartitionsToTxn sent by brokers, batched and possibly verify-only. */
    private static final short ADD_PARTITIONS_BROKER_FROM = 4;
    /** The first versions that know PRODUCER_FENCED; older ones are told INVALID_PRODUCER_EPOCH. */
    private static final short PRODUCER_FENCED_FROM = 2;

    private final ClusterView cluster;
    private final TransactionCoordinator coordinator;
    private final GroupCoordinator groups;
    private final Authorization authorization;

    TransactionApis(ClusterView cluster, TransactionCoordinator coordinator, GroupCoordinator groups,
                    Authorization authorization) {
        this.cluster = cluster;
        this.coordinator = coordinator;
        this.groups = groups;
        this.authorization = authorization;
    }

    static Errors forVersion(Errors error, short version, short producerFencedFrom) {
        return error == Errors.PRODUCER_FENCED && version < producerFencedFrom ? Errors.INVALID_PRODUCER_EPOCH : error;
    }

    // ---------------------------------------------------------------- AddPartitionsToTxn

    CompletableFuture<ApiMessage> addPartitionsToTxn(RequestContext context) {
        AddPartitionsToTxnRequestData request = (AddPartitionsToTxnRequestData) context.request().data();
        short version = context.request().apiVersion();
        MetadataImage image = cluster.image();
        if (version < ADD_PARTITIONS_BROKER_FROM) {
            AddPartitionsToTxnTransaction only = new AddPartitionsToTxnTransaction()
                    .setTransactionalId(request.v3AndBelowTransactionalId())
                    .setProducerId(request.v3AndBelowProducerId()).setProducerEpoch(request.v3AndBelowProducerEpoch())
                    .setTopics(request.v3AndBelowTopics());
            return producerTransaction(context, image, only, version).thenApply(result -> new AddPartitionsToTxnResponseData()
                    .setResultsByTopicV3AndBelow(result.topicResults()));
        }
        // From v4 only brokers send it, each adding or verifying its producers' partitions.
        if (!authorization.authorizeCluster(context, AclOperation.CLUSTER_ACTION)) {
            return Refusals.clusterAuthorizationFailed(context);
        }
        List<CompletableFuture<AddPartitionsToTxnResult>> results = new ArrayList<>();
        request.transactions().forEach(transaction -> results.add(transaction(image, transaction, version, null)));
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            AddPartitionsToTxnResponseData response = new AddPartitionsToTxnResponseData();
            results.forEach(result -> response.resultsByTransaction().add(result.join()));
            return response;
        });
    }

    /**
     * A producer's own AddPartitionsToTxn (before v4): as in Kafka, it needs WRITE on its transactional
     * id, and WRITE on each topic it adds (never on an internal topic: those are added by AddOffsetsToTxn).
     */
    private CompletableFuture<AddPartitionsToTxnResult> producerTransaction(RequestContext context, MetadataImage image,
                                                                            AddPartitionsToTxnTransaction transaction,
                                                                            short version) {
        if (!authorization.authorize(context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID,
                transaction.transactionalId())) {
            Map<TopicPartition, Errors> refused = new LinkedHashMap<>();
            transaction.topics().forEach(topic -> topic.partitions().forEach(partition -> refused.put(
                    new TopicPartition(topic.name(), partition), Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)));
            return CompletableFuture.completedFuture(result(transaction.transactionalId(), refused));
        }
        Set<String> writable = authorization.authorized(context, AclOperation.WRITE, ResourceType.TOPIC,
                transaction.topics().stream().map(AddPartitionsToTxnTopic::name)
                        .filter(name -> !TopicImage.isInternal(name)).toList());
        return transaction(image, transaction, version, writable);
    }

    /**
     * One transaction's partitions, added (or verified) together. As Kafka does, partitions of topics
     * the client may not write fail with TOPIC_AUTHORIZATION_FAILED, partitions the metadata does not
     * know with UNKNOWN_TOPIC_OR_PARTITION, and the others are not attempted.
     *
     * @param writable the topics the client may add; null: any (a leader's request, authorized whole)
     */
    private CompletableFuture<AddPartitionsToTxnResult> transaction(MetadataImage image,
                                                                    AddPartitionsToTxnTransaction transaction,
                                                                    short version, Set<String> writable) {
        Set<TopicPartition> partitions = new LinkedHashSet<>();
        Map<TopicPartition, Errors> refused = new LinkedHashMap<>();
        for (AddPartitionsToTxnTopic topic : transaction.topics()) {
            TopicImage found = image.topic(topic.name());
            for (int partition : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), partition);
                if (writable != null && !writable.contains(topic.name())) {
                    refused.put(tp, Errors.TOPIC_AUTHORIZATION_FAILED);
                } else if (found == null || found.partition(partition) == null) {
                    refused.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                } else {
                    partitions.add(tp);
                }
            }
        }
        CompletableFuture<Map<TopicPartition, Errors>> errors;
        if (!refused.isEmpty()) {
            Map<TopicPartition, Errors> notAttempted = new LinkedHashMap<>(refused);
            partitions.forEach(tp -> notAttempted.put(tp, Errors.OPERATION_NOT_ATTEMPTED));
            errors = CompletableFuture.completedFuture(notAttempted);
        } else if (version >= ADD_PARTITIONS_BROKER_FROM && transaction.verifyOnly()) {
            errors = coordinator.verifyPartitionsInTxn(transaction.transactionalId(), transaction.producerId(),
                    transaction.producerEpoch(), partitions);
        } else {
            // From a leader (v4+, not verify-only) only for a TV2 producer, whose first write adds the
            // partition; a Skein leader says how long it may wait for the transaction before to complete.
            boolean fromLeader = version >= ADD_PARTITIONS_BROKER_FROM;
            short transactionVersion = fromLeader ? TransactionMetadata.TV_2 : 0;
            int waitMs = fromLeader ? Math.min(AddPartitionsWait.of(transaction), coordinator.config().requestTimeoutMs())
                    : 0;
            errors = coordinator.addPartitionsToTxn(transaction.transactionalId(), transaction.producerId(),
                    transaction.producerEpoch(), partitions, transactionVersion,
                    System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs)).thenApply(error -> {
                        Map<TopicPartition, Errors> all = new LinkedHashMap<>();
                        partitions.forEach(tp -> all.put(tp, forVersion(error, version, PRODUCER_FENCED_FROM)));
                        return all;
                    });
        }
        return errors.thenApply(byPartition -> result(transaction.transactionalId(), byPartition));
    }

    private static AddPartitionsToTxnResult result(String transactionalId, Map<TopicPartition, Errors> errors) {
        AddPartitionsToTxnTopicResultCollection topics = new AddPartitionsToTxnTopicResultCollection();
        errors.forEach((tp, error) -> {
            AddPartitionsToTxnTopicResult topic = topics.find(tp.topic());
            if (topic == null) {
                topic = new AddPartitionsToTxnTopicResult().setName(tp.topic());
                topics.add(topic);
            }
            topic.resultsByPartition().add(new AddPartitionsToTxnPartitionResult().setPartitionIndex(tp.partition())
                    .setPartitionErrorCode(error.code()));
        });
        return new AddPartitionsToTxnResult().setTransactionalId(transactionalId).setTopicResults(topics);
    }

    // ---------------------------------------------------------------- AddOffsetsToTxn, EndTxn

    /** AddOffsetsToTxn: the group's partition of {@code __consumer_offsets} joins the transaction. */
    CompletableFuture<ApiMessage> addOffsetsToTxn(RequestContext context) {
        AddOffsetsToTxnRequestData request = (AddOffsetsToTxnRequestData) context.request().data();
        short version = context.request().apiVersion();
        if (!authorization.authorize(context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID,
                request.transactionalId())) {
            return CompletableFuture.completedFuture(new AddOffsetsToTxnResponseData()
                    .setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()));
        }
        if (!authorization.authorize(context, AclOperation.READ, ResourceType.GROUP, request.groupId())) {
            return CompletableFuture.completedFuture(new AddOffsetsToTxnResponseData()
                    .setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code()));
        }
        TopicPartition offsets = new TopicPartition(GroupCoordinator.OFFSETS_TOPIC, groups.partitionFor(request.groupId()));
        return coordinator.addPartitionsToTxn(request.transactionalId(), request.producerId(), request.producerEpoch(),
                Set.of(offsets), (short) 0).thenApply(error -> new AddOffsetsToTxnResponseData()
                .setErrorCode(forVersion(error, version, PRODUCER_FENCED_FROM).code()));
    }

    CompletableFuture<ApiMessage> endTxn(RequestContext context) {
        EndTxnRequestData request = (EndTxnRequestData) context.request().data();
        short version = context.request().apiVersion();
        if (!authorization.authorize(context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID,
                request.transactionalId())) {
            return CompletableFuture.completedFuture(new EndTxnResponseData()
                    .setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code()));
        }
        short transactionVersion = version >= END_TXN_TV2_FROM ? TransactionMetadata.TV_2 : 0;
        return coordinator.endTxn(request.transactionalId(), request.producerId(), request.producerEpoch(),
                request.committed(), transactionVersion).thenApply(response -> response.setErrorCode(
                forVersion(Errors.forCode(response.errorCode()), version, PRODUCER_FENCED_FROM).code()));
    }
}
