package io.skein.broker.txn;

import io.skein.broker.kafka.AddPartitionsWait;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * The adds and verifications waiting to go to one coordinator node in one AddPartitionsToTxn request
 * (v4+: many transactions, keyed by transactional id, so at most one entry per id). A second one for
 * an id already here joins its entry when it has the same producer id, epoch and kind (a producer's
 * requests to this leader in flight together, each starting the transaction on other partitions),
 * and each asker is answered for its own partitions. Otherwise Kafka's rule says which stays: the
 * newer one, unless its epoch is lower (it is fenced: INVALID_PRODUCER_EPOCH at once); the older one
 * it replaces is answered at once INVALID_PRODUCER_EPOCH if its epoch is lower, NETWORK_EXCEPTION if
 * it is the same (the producer sends it again). An add tells the coordinator how long it may wait
 * there ({@link AddPartitionsWait}): until the earliest deadline of its askers, as the request goes
 * out, so that the time it waited here counts. Not thread-safe: its {@link AddPartitionsToTxnSender}
 * guards it.
 */
final class AddPartitionsToTxnBatch {
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    /** One asker: the partitions it asked for, where its answer goes, and until when it may wait for it. */
    private record Asker(Set<TopicPartition> partitions, CompletableFuture<Map<TopicPartition, Errors>> answer,
                         long waitDeadlineNanos) {
    }

    /** One transaction of the request: what it asks for, and everyone who asked. */
    private record Entry(long producerId, short producerEpoch, boolean verifyOnly, Set<TopicPartition> partitions,
                         List<Asker> askers) {
        boolean joins(long otherProducerId, short otherEpoch, boolean otherVerifyOnly) {
            return producerId == otherProducerId && producerEpoch == otherEpoch && verifyOnly == otherVerifyOnly;
        }

        void answerAll(Errors error) {
            askers.forEach(asker -> asker.answer.complete(all(asker.partitions, error)));
        }

        /**
         * How long the coordinator may hold it from {@code nowNanos}: until the first asker's deadline,
         * rounded up, so that a refusal comes after the deadline and the asker does not ask again.
         */
        int waitMs(long nowNanos) {
            long wait = Long.MAX_VALUE;
            for (Asker asker : askers) {
                wait = Math.min(wait, asker.waitDeadlineNanos - nowNanos);
            }
            return wait <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, (wait + 999_999) / 1_000_000);
        }
    }

    /**
     * @param waitDeadlineNanos until when, on the {@link System#nanoTime()} scale, the add may wait at
     *                          the coordinator for the transaction before to complete
     */
    void add(String transactionalId, long producerId, short producerEpoch, boolean verifyOnly,
             Set<TopicPartition> partitions, long waitDeadlineNanos,
             CompletableFuture<Map<TopicPartition, Errors>> answer) {
        Asker asker = new Asker(partitions, answer, waitDeadlineNanos);
        Entry waiting = entries.get(transactionalId);
        if (waiting != null && waiting.joins(producerId, producerEpoch, verifyOnly)) {
            waiting.partitions.addAll(partitions);
            waiting.askers.add(asker);
            return;
        }
        if (waiting != null && waiting.producerEpoch > producerEpoch) {
            answer.complete(all(partitions, Errors.INVALID_PRODUCER_EPOCH));
            return;
        }
        if (waiting != null) {
            waiting.answerAll(waiting.producerEpoch < producerEpoch ? Errors.INVALID_PRODUCER_EPOCH
                    : Errors.NETWORK_EXCEPTION);
        }
        List<Asker> askers = new ArrayList<>(1);
        askers.add(asker);
        entries.put(transactionalId, new Entry(producerId, producerEpoch, verifyOnly, new LinkedHashSet<>(partitions),
                askers));
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** How many transactions the request carries. */
    int transactions() {
        return entries.size();
    }

    /** The request, made at {@code nowNanos} ({@link System#nanoTime()}). */
    AddPartitionsToTxnRequestData request(long nowNanos) {
        AddPartitionsToTxnTransactionCollection transactions = new AddPartitionsToTxnTransactionCollection(
                entries.size());
        entries.forEach((transactionalId, entry) -> {
            AddPartitionsToTxnTopicCollection topics = new AddPartitionsToTxnTopicCollection();
            entry.partitions.forEach(tp -> {
                AddPartitionsToTxnTopic topic = topics.find(tp.topic());
                if (topic == null) {
                    topic = new AddPartitionsToTxnTopic().setName(tp.topic());
                    topics.add(topic);
                }
                topic.partitions().add(tp.partition());
            });
            AddPartitionsToTxnTransaction transaction = new AddPartitionsToTxnTransaction()
                    .setTransactionalId(transactionalId).setProducerId(entry.producerId)
                    .setProducerEpoch(entry.producerEpoch).setVerifyOnly(entry.verifyOnly).setTopics(topics);
            if (!entry.verifyOnly) {
                AddPartitionsWait.set(transaction, entry.waitMs(nowNanos));
            }
            transactions.add(transaction);
        });
        return new AddPartitionsToTxnRequestData().setTransactions(transactions);
    }

    /**
     * Answers every asker from the coordinator's response: its error for the whole request if it has
     * one, else each partition's (UNKNOWN_SERVER_ERROR for one it left out).
     */
    void answer(AddPartitionsToTxnResponseData response) {
        if (response.errorCode() != Errors.NONE.code()) {
            fail(Errors.forCode(response.errorCode()));
            return;
        }
        Map<String, Map<TopicPartition, Errors>> results = new LinkedHashMap<>();
        response.resultsByTransaction().forEach(result -> {
            Map<TopicPartition, Errors> errors = results.computeIfAbsent(result.transactionalId(),
                    id -> new LinkedHashMap<>());
            result.topicResults().forEach(topic -> topic.resultsByPartition().forEach(partition -> errors.put(
                    new TopicPartition(topic.name(), partition.partitionIndex()),
                    Errors.forCode(partition.partitionErrorCode()))));
        });
        entries.forEach((transactionalId, entry) -> {
            Map<TopicPartition, Errors> errors = results.getOrDefault(transactionalId, Map.of());
            entry.askers.forEach(asker -> {
                Map<TopicPartition, Errors> own = new LinkedHashMap<>();
                asker.partitions.forEach(tp -> own.put(tp, errors.getOrDefault(tp, Errors.UNKNOWN_SERVER_ERROR)));
                asker.answer.complete(own);
            });
        });
    }

    /** Answers every asker {@code error} for each of its partitions. */
    void fail(Errors error) {
        entries.values().forEach(entry -> entry.answerAll(error));
    }

    static Map<TopicPartition, Errors> all(Set<TopicPartition> partitions, Errors error) {
        Map<TopicPartition, Errors> errors = new LinkedHashMap<>();
        partitions.forEach(tp -> errors.put(tp, error));
        return errors;
    }
}
