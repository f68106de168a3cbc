package io.skein.broker.api;

import io.skein.broker.group.GroupCoordinator;
import io.skein.broker.group.OffsetCommits;
import io.skein.broker.kafka.LogRecords.TransactionalProducer;
import io.skein.broker.network.RequestContext;
import io.skein.broker.replica.ReplicaManager;
import io.skein.broker.security.Authorization;
import io.skein.broker.txn.AddPartitionsToTxnManager;
import io.skein.broker.util.Futures;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.TopicImage;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * TxnOffsetCommit: a transactional producer commits a consumer group's offsets inside its
 * transaction (consume-transform-produce, {@code sendOffsetsToTransaction}). Before the group
 * coordinator writes them, the leader of the group's {@code __consumer_offsets} partition (this broker,
 * if it coordinates the group) has the transaction coordinator verify that the partition is in the
 * transaction, as for a produce (KIP-890): from v5 (TV2 producers, which send no AddOffsetsToTxn) it
 * adds it. The group coordinator checks the consumer's generation, member and instance (KIP-447), so
 * that a zombie of an older generation cannot commit. As in Kafka, it needs WRITE on the transactional
 * id and READ on the group (else the whole request is refused) and READ on each topic.
 */
final class TxnOffsetCommitApi implements Api {
    /** The first version of TV2 producers, whose commit adds the offsets partition to the transaction. */
    private static final short ADDS_PARTITION_FROM = 5;
    /** The first version whose producers know TRANSACTION_ABORTABLE; older ones are told INVALID_TXN_STATE. */
    private static final short TRANSACTION_ABORTABLE_FROM = 4;

    private final ClusterView cluster;
    private final GroupCoordinator coordinator;
    private final ReplicaManager replicaManager;
    private final AddPartitionsToTxnManager transactions;
    private final Authorization authorization;

    TxnOffsetCommitApi(ClusterView cluster, GroupCoordinator coordinator, ReplicaManager replicaManager,
                       AddPartitionsToTxnManager transactions, Authorization authorization) {
        this.cluster = cluster;
        this.coordinator = coordinator;
        this.replicaManager = replicaManager;
        this.transactions = transactions;
        this.authorization = authorization;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        TxnOffsetCommitRequestData request = (TxnOffsetCommitRequestData) context.request().data();
        short version = context.request().apiVersion();
        if (!authorization.authorize(context, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID,
                request.transactionalId())) {
            return Refusals.refused(context, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.exception());
        }
        if (!authorization.authorize(context, AclOperation.READ, ResourceType.GROUP, request.groupId())) {
            return Refusals.refused(context, Errors.GROUP_AUTHORIZATION_FAILED.exception());
        }
        MetadataImage image = cluster.image();
        TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData();
        RequestedCommits commits = new RequestedCommits();
        for (TxnOffsetCommitRequestTopic topic : request.topics()) {
            Optional<TopicImage> found = cluster.topic(image, topic.name(), topic.topicId());
            TxnOffsetCommitResponseTopic answered = new TxnOffsetCommitResponseTopic().setName(topic.name())
                    .setTopicId(topic.topicId());
            response.topics().add(answered);
            for (TxnOffsetCommitRequestPartition partition : topic.partitions()) {
                TxnOffsetCommitResponsePartition answer = new TxnOffsetCommitResponsePartition()
                        .setPartitionIndex(partition.partitionIndex());
                answered.partitions().add(answer);
                commits.add(topic.name(), found, topic.topicId(), partition.partitionIndex(), new OffsetCommits.Commit(
                        partition.committedOffset(), partition.committedLeaderEpoch(), partition.committedMetadata()),
                        error -> answer.setErrorCode(forVersion(error, version).code()));
            }
        }
        commits.authorize(authorization.authorized(context, AclOperation.READ, ResourceType.TOPIC, commits.names()));
        if (commits.commits().isEmpty()) {
            return CompletableFuture.completedFuture(response);
        }
        TransactionalProducer producer = new TransactionalProducer(request.producerId(), request.producerEpoch());
        return coordinator.commitTransactionalOffsets(request.groupId(), producer, request.generationIdOrMemberEpoch(),
                request.memberId(), request.groupInstanceId(), commits.commits(),
                offsets -> verify(request.transactionalId(), producer, offsets, version)).thenApply(results -> {
                    commits.answer(results);
                    return response;
                });
    }

    /**
     * Whether the producer's transaction has the group's offsets partition (added, from v5), asked of
     * its coordinator only before the producer's first write there in this transaction.
     */
    private CompletableFuture<Errors> verify(String transactionalId, TransactionalProducer producer,
                                             TopicPartition offsets, short version) {
        if (!replicaManager.beginTransactionVerification(offsets, producer.producerId(), producer.producerEpoch(),
                producer.baseSequence())) {
            return CompletableFuture.completedFuture(Errors.NONE);
        }
        return transactions.verifyTransaction(transactionalId, producer.producerId(), producer.producerEpoch(),
                Set.of(offsets), version < ADDS_PARTITION_FROM).handle((errors, failure) -> failure != null
                ? Errors.forException(Futures.cause(failure)) : errors.getOrDefault(offsets, Errors.NONE));
    }

    private static Errors forVersion(Errors error, short version) {
        return error == Errors.TRANSACTION_ABORTABLE && version < TRANSACTION_ABORTABLE_FROM ? Errors.INVALID_TXN_STATE
                : error;
    }
}
