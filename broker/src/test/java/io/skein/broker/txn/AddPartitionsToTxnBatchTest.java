package io.skein.broker.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.skein.broker.kafka.AddPartitionsWait;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** Which adds share a request's entry, which replace one, and who is answered what. */
class AddPartitionsToTxnBatchTest {
    private static final TopicPartition A0 = new TopicPartition("a", 0);
    private static final TopicPartition A1 = new TopicPartition("a", 1);
    private static final TopicPartition B0 = new TopicPartition("b", 0);

    /** When the request is made, on the {@link System#nanoTime()} scale. */
    private static final long NOW = 5_000_000_000L;

    private final AddPartitionsToTxnBatch batch = new AddPartitionsToTxnBatch();

    private CompletableFuture<Map<TopicPartition, Errors>> add(String transactionalId, long producerId, int epoch,
                                                               boolean verifyOnly, TopicPartition... partitions) {
        return addUntil(NOW, transactionalId, producerId, epoch, verifyOnly, partitions);
    }

    /** An add that may wait at the coordinator until {@code waitDeadlineNanos}. */
    private CompletableFuture<Map<TopicPartition, Errors>> addUntil(long waitDeadlineNanos, String transactionalId,
                                                                    long producerId, int epoch, boolean verifyOnly,
                                                                    TopicPartition... partitions) {
        CompletableFuture<Map<TopicPartition, Errors>> answer = new CompletableFuture<>();
        batch.add(transactionalId, producerId, (short) epoch, verifyOnly, Set.of(partitions), waitDeadlineNanos,
                answer);
        return answer;
    }

    private AddPartitionsToTxnTransaction requestedTransaction(String transactionalId) {
        return batch.request(NOW).transactions().find(transactionalId);
    }

    /** The request's transaction for {@code transactionalId}: its partitions, or null if it has none. */
    private Set<TopicPartition> requested(String transactionalId) {
        AddPartitionsToTxnTransaction transaction = requestedTransaction(transactionalId);
        if (transaction == null) {
            return null;
        }
        return transaction.topics().stream().flatMap(topic -> topic.partitions().stream()
                .map(p -> new TopicPartition(topic.name(), p))).collect(Collectors.toSet());
    }

    private static AddPartitionsToTxnResult result(String transactionalId, Map<TopicPartition, Errors> errors) {
        AddPartitionsToTxnResult result = new AddPartitionsToTxnResult().setTransactionalId(transactionalId);
        errors.forEach((tp, error) -> {
            AddPartitionsToTxnTopicResult topic = result.topicResults().find(tp.topic());
            if (topic == null) {
                topic = new AddPartitionsToTxnTopicResult().setName(tp.topic());
                result.topicResults().add(topic);
            }
            topic.resultsByPartition().add(new AddPartitionsToTxnPartitionResult().setPartitionIndex(tp.partition())
                    .setPartitionErrorCode(error.code()));
        });
        return result;
    }

    @Test
    void addsOfOneProducerShareAnEntryAndEachIsAnsweredForItsPartitions() {
        var first = add("t", 7, 3, false, A0);
        var second = add("t", 7, 3, false, A1, B0);
        var other = add("u", 8, 0, false, A0);

        assertEquals(2, batch.transactions());
        assertEquals(Set.of(A0, A1, B0), requested("t"));
        assertEquals(Set.of(A0), requested("u"));

        AddPartitionsToTxnResponseData response = new AddPartitionsToTxnResponseData();
        response.resultsByTransaction().add(result("t", Map.of(A0, Errors.NONE, A1, Errors.NONE,
                B0, Errors.NONE)));
        response.resultsByTransaction().add(result("u", Map.of(A0, Errors.PRODUCER_FENCED)));
        batch.answer(response);

        assertEquals(Map.of(A0, Errors.NONE), first.join());
        assertEquals(Map.of(A1, Errors.NONE, B0, Errors.NONE), second.join());
        assertEquals(Map.of(A0, Errors.PRODUCER_FENCED), other.join());
    }

    @Test
    void aRetryOfTheSameEpochReplacesTheWaitingOneWhichIsAnsweredNetworkException() {
        var older = add("t", 7, 3, false, A0);
        var retry = add("t", 9, 3, false, A1);

        assertEquals(Map.of(A0, Errors.NETWORK_EXCEPTION), older.join());
        assertFalse(retry.isDone());
        assertEquals(Set.of(A1), requested("t"));
        assertEquals(9, requestedTransaction("t").producerId());
    }

    @Test
    void aVerificationAndAnAddOfTheSameEpochDoNotShareAnEntry() {
        var verification = add("t", 7, 3, true, A0);
        var addition = add("t", 7, 3, false, A1);

        assertEquals(Map.of(A0, Errors.NETWORK_EXCEPTION), verification.join());
        assertFalse(addition.isDone());
        assertFalse(requestedTransaction("t").verifyOnly());
    }

    @Test
    void aHigherEpochFencesTheWaitingOneAndALowerOneIsFencedItself() {
        var fenced = add("t", 7, 3, false, A0);
        var newer = add("t", 7, 4, false, A1);
        assertEquals(Map.of(A0, Errors.INVALID_PRODUCER_EPOCH), fenced.join());

        var late = add("t", 7, 3, false, B0);
        assertEquals(Map.of(B0, Errors.INVALID_PRODUCER_EPOCH), late.join());
        assertFalse(newer.isDone());
        assertEquals(Set.of(A1), requested("t"));
        assertEquals(4, requestedTransaction("t").producerEpoch());
    }

    /**
     * An add tells the coordinator how long it may wait, from when the request is made: until the
     * earliest deadline of those who asked, rounded up to the millisecond. A verification, or an add
     * whose deadline has passed, says nothing.
     */
    @Test
    void anAddMayWaitAtTheCoordinatorUntilItsFirstAskersDeadline() {
        addUntil(NOW + TimeUnit.MILLISECONDS.toNanos(80), "t", 7, 3, false, A0);
        addUntil(NOW + TimeUnit.MICROSECONDS.toNanos(29_500), "t", 7, 3, false, A1);
        addUntil(NOW + TimeUnit.MILLISECONDS.toNanos(80), "u", 8, 0, true, A0);
        addUntil(NOW - 1, "v", 9, 0, false, A0);

        assertEquals(30, AddPartitionsWait.of(requestedTransaction("t")));
        assertEquals(0, AddPartitionsWait.of(requestedTransaction("u")));
        assertEquals(0, AddPartitionsWait.of(requestedTransaction("v")));
    }

    @Test
    void aPartitionOrTransactionMissingFromTheResponseIsAnUnknownServerError() {
        var first = add("t", 7, 3, false, A0);
        var second = add("t", 7, 3, false, A1);
        var missing = add("u", 8, 0, false, B0);
        AddPartitionsToTxnResponseData response = new AddPartitionsToTxnResponseData();
        response.resultsByTransaction().add(result("t", Map.of(A0, Errors.NONE)));
        batch.answer(response);
        assertEquals(Map.of(A0, Errors.NONE), first.join());
        assertEquals(Map.of(A1, Errors.UNKNOWN_SERVER_ERROR), second.join());
        assertEquals(Map.of(B0, Errors.UNKNOWN_SERVER_ERROR), missing.join());
    }

    @Test
    void theResponsesErrorAnswersEveryPartitionOfEveryAsker() {
        var addition = add("t", 7, 3, false, A0);
        var verification = add("u", 8, 0, true, A1, B0);
        batch.answer(new AddPartitionsToTxnResponseData().setErrorCode(Errors.NOT_COORDINATOR.code()));
        assertEquals(Map.of(A0, Errors.NOT_COORDINATOR), addition.join());
        assertEquals(Map.of(A1, Errors.NOT_COORDINATOR, B0, Errors.NOT_COORDINATOR), verification.join());
    }
}
