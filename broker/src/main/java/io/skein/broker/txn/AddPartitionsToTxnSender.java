package io.skein.broker.txn;

import io.skein.broker.kafka.BrokerConnection;
import io.skein.broker.kafka.BrokerConnector;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leader's AddPartitionsToTxn (v5) to one other broker's transaction coordinator, as Kafka's
 * leader sends them: at most one request in flight, and whatever arrives meanwhile waits in one
 * {@link AddPartitionsToTxnBatch} and goes out together in the next request. The coordinator may
 * hold an add until the transaction's write under way is replicated, or until the transaction before
 * completes (within what is left of the add's window, which the request carries), so a request per
 * add would queue every producer's adds behind each other's.
 *
 * <p>It has its own thread because {@link BrokerConnection} blocks for the round trip: one thread
 * per coordinator node lets the nodes' requests run in parallel, and a node that does not answer
 * (whose connect or read waits out its timeout) holds back only its own adds. Answers complete on
 * that thread (or on the caller's, for one the batch answers at once). A request that fails on the
 * network answers all of its adds NETWORK_EXCEPTION (the producer retries), and the next one
 * connects again.
 */
final class AddPartitionsToTxnSender implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AddPartitionsToTxnSender.class);
    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private static final short BROKER_VERSION = 5;

    private final int nodeId;
    private final IntFunction<Optional<InetSocketAddress>> addresses;
    private final BrokerConnector connector;
    private final String clientId;
    private final int requestTimeoutMs;
    private final ExecutorService thread;
    /** Opened on {@link #thread}; closed by {@link #close()} too, to end a round trip under way. */
    private volatile BrokerConnection connection;
    /** What the next request carries. Guarded by this, as are the two below. */
    private AddPartitionsToTxnBatch waiting = new AddPartitionsToTxnBatch();
    /** Whether {@link #thread} is sending: it then sends {@link #waiting} before it stops. */
    private boolean sending;
    private boolean closed;

    /**
     * @param brokerId  the broker sending, which names the thread and the client
     * @param nodeId    the coordinator's broker
     * @param addresses where a broker serves other brokers, asked at each connect
     * @param connector how to connect there
     */
    AddPartitionsToTxnSender(int brokerId, int nodeId, IntFunction<Optional<InetSocketAddress>> addresses,
                             BrokerConnector connector, int requestTimeoutMs) {
        this.nodeId = nodeId;
        this.addresses = addresses;
        this.connector = connector;
        this.clientId = "add-partitions-to-txn-" + brokerId;
        this.requestTimeoutMs = requestTimeoutMs;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "add-partitions-to-txn-" + brokerId + "-to-" + nodeId);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Sends the add (or verification) with the next request, an add to wait at the coordinator until
     * {@code waitDeadlineNanos} at most; the coordinator's errors, on this sender's thread.
     */
    CompletableFuture<Map<TopicPartition, Errors>> send(String transactionalId, long producerId, short producerEpoch,
                                                        Set<TopicPartition> partitions, boolean verifyOnly,
                                                        long waitDeadlineNanos) {
        CompletableFuture<Map<TopicPartition, Errors>> answer = new CompletableFuture<>();
        synchronized (this) {
            if (closed) {
                answer.complete(AddPartitionsToTxnBatch.all(partitions, Errors.NETWORK_EXCEPTION));
                return answer;
            }
            waiting.add(transactionalId, producerId, producerEpoch, verifyOnly, partitions, waitDeadlineNanos, answer);
            if (!sending) {
                sending = true;
                thread.execute(this::sendWaiting);
            }
        }
        return answer;
    }

    /** Runs on {@link #thread}: one request after the other while adds wait. */
    private void sendWaiting() {
        while (true) {
            AddPartitionsToTxnBatch batch;
            synchronized (this) {
                if (waiting.isEmpty()) {
                    sending = false;
                    return;
                }
                batch = waiting;
                waiting = new AddPartitionsToTxnBatch();
            }
            try {
                batch.answer(connection().call(batch.request(System.nanoTime()), BROKER_VERSION));
            } catch (IOException e) {
                log.debug("Cannot reach transaction coordinator {} for {} transactions: {}", nodeId,
                        batch.transactions(), e.toString());
                disconnect();
                batch.fail(Errors.NETWORK_EXCEPTION);
            } catch (RuntimeException e) { // a response that does not parse: the connection is out of step
                log.warn("Unreadable AddPartitionsToTxn response from transaction coordinator {}", nodeId, e);
                disconnect();
                batch.fail(Errors.NETWORK_EXCEPTION);
            }
        }
    }

    private BrokerConnection connection() throws IOException {
        BrokerConnection open = connection;
        if (open == null) {
            synchronized (this) {
                if (closed) {
                    throw new IOException("Closed");
                }
            }
            InetSocketAddress address = addresses.apply(nodeId)
                    .orElseThrow(() -> new IOException("Broker " + nodeId + " has no inter-broker endpoint"));
            open = connector.connect(address, clientId, CONNECT_TIMEOUT_MS, requestTimeoutMs);
            connection = open;
        }
        return open;
    }

    private void disconnect() {
        BrokerConnection open = connection;
        connection = null;
        if (open != null) {
            try {
                open.close();
            } catch (IOException e) {
                // a broken connection
            }
        }
    }

    /** Adds still waiting are answered NETWORK_EXCEPTION; a round trip under way ends with its connection. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            thread.shutdown();
        }
        disconnect();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        disconnect(); // one the thread opened meanwhile
    }
}
