package io.skein.broker.txn;

import io.skein.broker.kafka.BrokerConnector;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * A partition leader's request to a producer's transaction coordinator before it appends the
 * producer's first transactional batch of a transaction here (Kafka's {@code AddPartitionsToTxnManager},
 * KIP-890): for a TV2 producer, add the partition to its ongoing transaction; for an older one, which
 * adds its partitions itself, verify that it did. The local coordinator is asked directly; another
 * broker's is sent AddPartitionsToTxn v5 by that broker's {@link AddPartitionsToTxnSender}, which
 * batches what waits for it, as Kafka's leader does. Answers complete on this manager's thread, so
 * that the append that follows never runs on a coordinator's thread, nor holds up a sender.
 *
 * <p>An add that meets the producer's previous transaction still completing (writing its markers,
 * which takes milliseconds) is not refused to the producer at once, which would wait its own
 * {@code retry.backoff.ms} and send the batch again: it has until
 * {@code add.partitions.to.txn.retry.backoff.max.ms} (at most {@code request.timeout.ms}) from its
 * first question, one deadline for the coordinator and this leader. The coordinator, this broker's or
 * another Skein broker's (told what is left of the window in its request), holds the add until the
 * transaction completes or the deadline comes; one that refuses it CONCURRENT_TRANSACTIONS
 * before (as Kafka's does at once) is asked again here every {@code add.partitions.to.txn.retry.backoff.ms}
 * until the deadline (Kafka 4's leader does the same). A transaction that stays prepared longer is
 * still answered CONCURRENT_TRANSACTIONS.
 */
public final class AddPartitionsToTxnManager implements AutoCloseable {
    private final int brokerId;
    private final TransactionCoordinator coordinator;
    private final IntFunction<Optional<InetSocketAddress>> addresses;
    private final BrokerConnector connector;
    private final int requestTimeoutMs;
    private final int retryBackoffMs;
    private final long retryWindowNanos;
    private final ScheduledExecutorService thread;
    /** Each other broker's coordinator asked so far. Guarded by this, as is {@link #closed}. */
    private final Map<Integer, AddPartitionsToTxnSender> senders = new HashMap<>();
    private boolean closed;

    /**
     * @param coordinator this broker's transaction coordinator, which also says where each transactional id's is
     * @param addresses   where a broker serves other brokers
     * @param connector   how to connect there
     * @param retryBackoffMs    how long an add refused CONCURRENT_TRANSACTIONS waits before it is asked again
     * @param retryBackoffMaxMs how long after it is first asked an add may wait, at the coordinator or here
     */
    public AddPartitionsToTxnManager(int brokerId, TransactionCoordinator coordinator,
                                     IntFunction<Optional<InetSocketAddress>> addresses, BrokerConnector connector,
                                     int requestTimeoutMs, int retryBackoffMs, int retryBackoffMaxMs) {
        this.brokerId = brokerId;
        this.coordinator = coordinator;
        this.addresses = addresses;
        this.connector = connector;
        this.requestTimeoutMs = requestTimeoutMs;
        this.retryBackoffMs = retryBackoffMs;
        this.retryWindowNanos = TimeUnit.MILLISECONDS.toNanos(Math.min(retryBackoffMaxMs, requestTimeoutMs));
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "add-partitions-to-txn-" + brokerId);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Asks the coordinator of {@code transactionalId} to add the partitions to the producer's ongoing
     * transaction (TV2), or, {@code verifyOnly}, whether they are in it (TRANSACTION_ABORTABLE if not):
     * the coordinator's error for each, as a producer expects it (PRODUCER_FENCED becomes
     * INVALID_PRODUCER_EPOCH, as Kafka's leaders answer). An add refused CONCURRENT_TRANSACTIONS is
     * asked again for a while first; a verification is not, as in Kafka (a TV1 producer added the
     * partitions itself, so a refusal means its transaction is ending).
     */
    public CompletableFuture<Map<TopicPartition, Errors>> verifyTransaction(String transactionalId, long producerId,
                                                                          short producerEpoch,
                                                                          Set<TopicPartition> partitions,
                                                                          boolean verifyOnly) {
        if (verifyOnly) {
            return ask(transactionalId, producerId, producerEpoch, partitions, true, System.nanoTime());
        }
        CompletableFuture<Map<TopicPartition, Errors>> answer = new CompletableFuture<>();
        addOrRetry(transactionalId, producerId, producerEpoch, partitions, System.nanoTime() + retryWindowNanos,
                answer);
        return answer;
    }

    /**
     * Asks the coordinator to add the partitions, waiting there until {@code deadlineNanos} at most,
     * and answers, unless it refused CONCURRENT_TRANSACTIONS before the deadline: then asks again
     * after the back-off. Runs on the caller's thread first, then on {@link #thread}.
     */
    private void addOrRetry(String transactionalId, long producerId, short producerEpoch, Set<TopicPartition> partitions,
                            long deadlineNanos, CompletableFuture<Map<TopicPartition, Errors>> answer) {
        CompletableFuture<Map<TopicPartition, Errors>> asked = ask(transactionalId, producerId, producerEpoch,
                partitions, false, deadlineNanos);
        asked.whenComplete((errors, failure) -> {
            if (failure != null) {
                answer.completeExceptionally(failure);
                return;
            }
            if (!errors.containsValue(Errors.CONCURRENT_TRANSACTIONS) || System.nanoTime() - deadlineNanos >= 0) {
                answer.complete(errors);
                return;
            }
            try {
                thread.schedule(() -> addOrRetry(transactionalId, producerId, producerEpoch, partitions, deadlineNanos,
                        answer), retryBackoffMs, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closing) {
                answer.complete(errors);
            }
        });
    }

    /**
     * One question to the coordinator, which an add may wait for until {@code waitDeadlineNanos}; the
     * answer completes on {@link #thread}.
     */
    private CompletableFuture<Map<TopicPartition, Errors>> ask(String transactionalId, long producerId,
                                                               short producerEpoch, Set<TopicPartition> partitions,
                                                               boolean verifyOnly, long waitDeadlineNanos) {
        OptionalInt coordinatorId = coordinator.coordinatorId(transactionalId);
        CompletableFuture<Map<TopicPartition, Errors>> answer;
        if (coordinatorId.isEmpty()) {
            answer = CompletableFuture.completedFuture(
                    AddPartitionsToTxnBatch.all(partitions, Errors.COORDINATOR_NOT_AVAILABLE));
        } else if (coordinatorId.getAsInt() == brokerId) {
            answer = verifyOnly
                    ? coordinator.verifyPartitionsInTxn(transactionalId, producerId, producerEpoch, partitions)
                    : coordinator.addPartitionsToTxn(transactionalId, producerId, producerEpoch, partitions,
                    TransactionMetadata.TV_2, waitDeadlineNanos)
                    .thenApply(error -> AddPartitionsToTxnBatch.all(partitions, error));
        } else {
            AddPartitionsToTxnSender sender = sender(coordinatorId.getAsInt());
            answer = sender != null ? sender.send(transactionalId, producerId, producerEpoch, partitions, verifyOnly,
                    waitDeadlineNanos)
                    : CompletableFuture.completedFuture(
                    AddPartitionsToTxnBatch.all(partitions, Errors.NETWORK_EXCEPTION));
        }
        return answer.thenApplyAsync(errors -> {
            Map<TopicPartition, Errors> mapped = new LinkedHashMap<>();
            errors.forEach((tp, error) -> mapped.put(tp, error == Errors.PRODUCER_FENCED ? Errors.INVALID_PRODUCER_EPOCH
                    : error));
            return mapped;
        }, thread);
    }

    /** The sender to another broker's coordinator, started on first use; null once this manager is closed. */
    private synchronized AddPartitionsToTxnSender sender(int nodeId) {
        return closed ? null : senders.computeIfAbsent(nodeId, id -> new AddPartitionsToTxnSender(brokerId, id,
                addresses, connector, requestTimeoutMs));
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        senders.values().forEach(AddPartitionsToTxnSender::close);
        thread.shutdown();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
