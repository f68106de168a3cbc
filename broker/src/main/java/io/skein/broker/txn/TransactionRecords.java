package io.skein.broker.txn;

import com.google.protobuf.InvalidProtocolBufferException;
import io.skein.broker.kafka.LogRecords.KeyValue;
import io.skein.proto.txn.TransactionKey;
import io.skein.proto.txn.TransactionPartitions;
import io.skein.proto.txn.TransactionStateValue;
import io.skein.proto.txn.TransactionValue;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/** The records of {@code __transaction_state}: a transactional id's state as a key and a value, and back. */
final class TransactionRecords {
    private TransactionRecords() {
    }

    /** Receives the records of a transaction state partition, parsed. */
    interface Replay {
        void transaction(TransactionMetadata metadata);

        void transactionRemoved(String transactionalId);
    }

    /** The record of {@code metadata}; Dead is the tombstone that forgets the transactional id. */
    static KeyValue record(TransactionMetadata metadata) {
        byte[] key = TransactionKey.newBuilder().setTransactionalId(metadata.transactionalId()).build().toByteArray();
        if (metadata.state() == TransactionState.DEAD) {
            return new KeyValue(key, null);
        }
        TransactionValue.Builder value = TransactionValue.newBuilder().setProducerId(metadata.producerId())
                .setPreviousProducerId(metadata.previousProducerId()).setNextProducerId(metadata.nextProducerId())
                .setProducerEpoch(metadata.producerEpoch()).setLastProducerEpoch(metadata.lastProducerEpoch())
                .setTransactionTimeoutMs(metadata.txnTimeoutMs()).setState(toValue(metadata.state()))
                .setTransactionStartTimestamp(metadata.txnStartTimestamp())
                .setTransactionLastUpdateTimestamp(metadata.txnLastUpdateTimestamp())
                .setClientTransactionVersion(metadata.clientTransactionVersion());
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        metadata.topicPartitions().forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>())
                .add(tp.partition()));
        byTopic.forEach((topic, partitions) -> value.addPartitions(TransactionPartitions.newBuilder().setTopic(topic)
                .addAllPartitions(partitions.stream().sorted().toList())));
        return new KeyValue(key, value.build().toByteArray());
    }

    /**
     * Replays one record of the transaction state topic.
     *
     * @throws IllegalStateException for a record this coordinator did not write
     */
    static void replay(ByteBuffer key, ByteBuffer value, Replay target) {
        try {
            String transactionalId = TransactionKey.parseFrom(key).getTransactionalId();
            if (value == null) {
                target.transactionRemoved(transactionalId);
                return;
            }
            TransactionValue v = TransactionValue.parseFrom(value);
            Set<TopicPartition> partitions = new HashSet<>();
            v.getPartitionsList().forEach(t -> t.getPartitionsList().forEach(p ->
                    partitions.add(new TopicPartition(t.getTopic(), p))));
            target.transaction(new TransactionMetadata(transactionalId, v.getProducerId(), v.getPreviousProducerId(),
                    v.getNextProducerId(), (short) v.getProducerEpoch(), (short) v.getLastProducerEpoch(),
                    v.getTransactionTimeoutMs(), fromValue(v.getState()), partitions, v.getTransactionStartTimestamp(),
                    v.getTransactionLastUpdateTimestamp(), (short) v.getClientTransactionVersion()));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("A malformed record in __transaction_state: " + e.getMessage(), e);
        }
    }

    private static TransactionStateValue toValue(TransactionState state) {
        return switch (state) {
            case EMPTY -> TransactionStateValue.EMPTY;
            case ONGOING -> TransactionStateValue.ONGOING;
            case PREPARE_COMMIT -> TransactionStateValue.PREPARE_COMMIT;
            case PREPARE_ABORT -> TransactionStateValue.PREPARE_ABORT;
            case COMPLETE_COMMIT -> TransactionStateValue.COMPLETE_COMMIT;
            case COMPLETE_ABORT -> TransactionStateValue.COMPLETE_ABORT;
            case DEAD, PREPARE_EPOCH_FENCE -> throw new IllegalArgumentException(state + " is never written");
        };
    }

    private static TransactionState fromValue(TransactionStateValue value) {
        return switch (value) {
            case EMPTY -> TransactionState.EMPTY;
            case ONGOING -> TransactionState.ONGOING;
            case PREPARE_COMMIT -> TransactionState.PREPARE_COMMIT;
            case PREPARE_ABORT -> TransactionState.PREPARE_ABORT;
            case COMPLETE_COMMIT -> TransactionState.COMPLETE_COMMIT;
            case COMPLETE_ABORT -> TransactionState.COMPLETE_ABORT;
            case UNRECOGNIZED -> throw new IllegalStateException("A record of __transaction_state with an unknown state");
        };
    }
}
