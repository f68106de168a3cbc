package io.skein.broker.txn;

import io.skein.broker.kafka.BrokerConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
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
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A partition leader's request to a producer's transaction coordinator before it appends the
 * producer's first transactional batch of a transaction here (Kafka's {@code AddPartitionsToTxnManager},
 * KIP-890): for a TV2 producer, add the partition to its ongoing transaction; for an older one, which
 * adds its partitions itself, verify that it did. The local coordinator is asked directly; another
 * broker's is sent AddPartitionsToTxn v5, one request at a time from this manager's thread. Answers
 * complete on that thread, so that the append that follows never runs on a coordinator's thread.
 *
 * <p>An add refused CONCURRENT_TRANSACTIONS is asked again here, every
 * {@code add.partitions.to.txn.retry.backoff.ms}, for up to {@code add.partitions.to.txn.retry.backoff.max.ms}
 * (at most {@code request.timeout.ms}), before the refusal goes to the producer (Kafka 4's leader does
 * the same): the transaction's previous commit is usually still writing its markers, which takes
 * milliseconds, while the producer would wait its own {@code retry.backoff.ms} and send the batch again.
 * A transaction that stays prepared longer is still answered CONCURRENT_TRANSACTIONS.
 */
public final class AddPartitionsToTxnManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AddPartitionsToTxnManager.class);
    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private static final short BROKER_VERSION = 5;

    private final int brokerId;
    private final TransactionCoordinator coordinator;
    private final IntFunction<Optional<InetSocketAddress>> addresses;
    private final int requestTimeoutMs;
    private final int retryBackoffMs;
    private final long retryWindowNanos;
    private final ScheduledExecutorService thread;
    /** Owned by {@link #thread}. */
    private final Map<Integer, BrokerConnection> connections = new HashMap<>();

    /**
     * @param coordinator this broker's transaction coordinator, which also says where each transactional id's is
     * @param addresses   where a broker serves other brokers
     * @param retryBackoffMs    how long an add refused CONCURRENT_TRANSACTIONS waits before it is asked again
     * @param retryBackoffMaxMs how long after the first answer an add is asked again at most
     */
    public AddPartitionsToTxnManager(int brokerId, TransactionCoordinator coordinator,
                                     IntFunction<Optional<InetSocketAddress>> addresses, int requestTimeoutMs,
                                     int retryBackoffMs, int retryBackoffMaxMs) {
        this.brokerId = brokerId;
        this.coordinator = coordinator;
        this.addresses = addresses;
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
            return ask(transactionalId, producerId, producerEpoch, partitions, true);
        }
        CompletableFuture<Map<TopicPartition, Errors>> answer = new CompletableFuture<>();
        addOrRetry(transactionalId, producerId, producerEpoch, partitions, System.nanoTime(), answer);
        return answer;
    }

    /**
     * Asks the coordinator to add the partitions and answers, unless it refused CONCURRENT_TRANSACTIONS
     * within the retry window of {@code startedNanos}: then asks again after the back-off. Runs on
     * the caller's thread first, then on {@link #thread}.
     */
    private void addOrRetry(String transactionalId, long producerId, short producerEpoch, Set<TopicPartition> partitions,
                            long startedNanos, CompletableFuture<Map<TopicPartition, Errors>> answer) {
        ask(transactionalId, producerId, producerEpoch, partitions, false).whenComplete((errors, failure) -> {
            if (failure != null) {
                answer.completeExceptionally(failure);
                return;
            }
            if (!errors.containsValue(Errors.CONCURRENT_TRANSACTIONS)
                    || System.nanoTime() - startedNanos >= retryWindowNanos) {
                answer.complete(errors);
                return;
            }
            try {
                thread.schedule(() -> addOrRetry(transactionalId, producerId, producerEpoch, partitions, startedNanos,
                        answer), retryBackoffMs, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closing) {
                answer.complete(errors);
            }
        });
    }

    /** One question to the coordinator; the answer completes on {@link #thread}. */
    private CompletableFuture<Map<TopicPartition, Errors>> ask(String transactionalId, long producerId,
                                                               short producerEpoch, Set<TopicPartition> partitions,
                                                               boolean verifyOnly) {
        OptionalInt coordinatorId = coordinator.coordinatorId(transactionalId);
        CompletableFuture<Map<TopicPartition, Errors>> answer;
        if (coordinatorId.isEmpty()) {
            answer = CompletableFuture.completedFuture(all(partitions, Errors.COORDINATOR_NOT_AVAILABLE));
        } else if (coordinatorId.getAsInt() == brokerId) {
            answer = verifyOnly
                    ? coordinator.verifyPartitionsInTxn(transactionalId, producerId, producerEpoch, partitions)
                    : coordinator.addPartitionsToTxn(transactionalId, producerId, producerEpoch, partitions,
                    TransactionMetadata.TV_2).thenApply(error -> all(partitions, error));
        } else {
            int remote = coordinatorId.getAsInt();
            answer = CompletableFuture.supplyAsync(() -> send(remote, transactionalId, producerId, producerEpoch,
                    partitions, verifyOnly), thread);
        }
        return answer.thenApplyAsync(errors -> {
            Map<TopicPartition, Errors> mapped = new LinkedHashMap<>();
            errors.forEach((tp, error) -> mapped.put(tp, error == Errors.PRODUCER_FENCED ? Errors.INVALID_PRODUCER_EPOCH
                    : error));
            return mapped;
        }, thread);
    }

    private static Map<TopicPartition, Errors> all(Set<TopicPartition> partitions, Errors error) {
        Map<TopicPartition, Errors> errors = new LinkedHashMap<>();
        partitions.forEach(tp -> errors.put(tp, error));
        return errors;
    }

    /** Runs on {@link #thread}. */
    private Map<TopicPartition, Errors> send(int coordinatorId, String transactionalId, long producerId,
                                             short producerEpoch, Set<TopicPartition> partitions, boolean verifyOnly) {
        AddPartitionsToTxnTopicCollection topics = new AddPartitionsToTxnTopicCollection();
        partitions.forEach(tp -> {
            AddPartitionsToTxnTopic topic = topics.find(tp.topic());
            if (topic == null) {
                topic = new AddPartitionsToTxnTopic().setName(tp.topic());
                topics.add(topic);
            }
            topic.partitions().add(tp.partition());
        });
        AddPartitionsToTxnTransactionCollection transactions = new AddPartitionsToTxnTransactionCollection();
        transactions.add(new AddPartitionsToTxnTransaction().setTransactionalId(transactionalId)
                .setProducerId(producerId).setProducerEpoch(producerEpoch).setVerifyOnly(verifyOnly).setTopics(topics));
        AddPartitionsToTxnResponseData response;
        try {
            response = connection(coordinatorId).call(new AddPartitionsToTxnRequestData().setTransactions(transactions),
                    BROKER_VERSION);
        } catch (IOException e) {
            log.debug("Cannot reach transaction coordinator {}: {}", coordinatorId, e.toString());
            closeConnection(coordinatorId);
            return all(partitions, Errors.NETWORK_EXCEPTION);
        }
        if (response.errorCode() != Errors.NONE.code()) {
            return all(partitions, Errors.forCode(response.errorCode()));
        }
        Map<TopicPartition, Errors> errors = all(partitions, Errors.UNKNOWN_SERVER_ERROR);
        response.resultsByTransaction().forEach(result -> result.topicResults().forEach(topic ->
                topic.resultsByPartition().forEach(partition -> errors.put(
                        new TopicPartition(topic.name(), partition.partitionIndex()),
                        Errors.forCode(partition.partitionErrorCode())))));
        return errors;
    }

    private BrokerConnection connection(int id) throws IOException {
        BrokerConnection connection = connections.get(id);
        if (connection == null) {
            InetSocketAddress address = addresses.apply(id)
                    .orElseThrow(() -> new IOException("Broker " + id + " has no inter-broker endpoint"));
            connection = new BrokerConnection(address, "add-partitions-to-txn-" + brokerId, CONNECT_TIMEOUT_MS,
                    requestTimeoutMs);
            connections.put(id, connection);
        }
        return connection;
    }

    private void closeConnection(int id) {
        BrokerConnection connection = connections.remove(id);
        if (connection != null) {
            try {
                connection.close();
            } catch (IOException e) {
                // a broken connection
            }
        }
    }

    @Override
    public void close() {
        thread.execute(() -> List.copyOf(connections.keySet()).forEach(this::closeConnection));
        thread.shutdown();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
