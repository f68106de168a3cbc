package io.skein.broker.txn;

import io.skein.broker.kafka.BrokerConnection;
import io.skein.broker.kafka.BrokerConnector;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarkerTopic;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the markers of prepared transactions to their partitions' leaders with WriteTxnMarkers
 * (Kafka's {@code TransactionMarkerChannelManager}), and completes each transaction once every
 * partition has its marker. One thread sends, in rounds: each round finds every partition's
 * leader in the latest metadata (so a moved leadership is followed), sends each leader one request
 * with all the markers it owes, and keeps what failed for the next round. A partition whose topic is
 * gone needs no marker. A coordinator that was deposed (TRANSACTION_COORDINATOR_FENCED) or a
 * producer already fenced past the marker's epoch (INVALID_PRODUCER_EPOCH) stops the transaction's
 * markers without completing it: the coordinator that took over sends its own.
 */
public final class TransactionMarkerChannelManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransactionMarkerChannelManager.class);
    private static final int CONNECT_TIMEOUT_MS = 5_000;
    /** How long a round waits when its work failed, before the leaders are looked up again. */
    static final long RETRY_BACKOFF_MS = 100;
    private static final long IDLE_WAIT_MS = 1_000;

    /** The markers of one transaction that are still to be written. */
    private static final class PendingMarkers {
        final TopicPartition coordinatorPartition;
        final PendingCompleteTxn txn;
        final Runnable onComplete;
        final Set<TopicPartition> remaining;

        PendingMarkers(TopicPartition coordinatorPartition, PendingCompleteTxn txn, Runnable onComplete) {
            this.coordinatorPartition = coordinatorPartition;
            this.txn = txn;
            this.onComplete = onComplete;
            this.remaining = ConcurrentHashMap.newKeySet();
            this.remaining.addAll(txn.partitions());
        }
    }

    private final int brokerId;
    private final Supplier<MetadataImage> images;
    private final IntFunction<Optional<InetSocketAddress>> addresses;
    private final BrokerConnector connector;
    private final int requestTimeoutMs;
    private final Map<PendingCompleteTxn, PendingMarkers> pending = new ConcurrentHashMap<>();
    /** Owned by the sender thread. */
    private final Map<Integer, BrokerConnection> connections = new HashMap<>();
    private final Object wakeup = new Object();
    /** Set by new work, so that it is not slept through; guarded by {@code wakeup}. */
    private boolean woken;
    private final Thread sender;
    private volatile boolean running = true;

    /**
     * @param images    the latest metadata, for the partitions' leaders
     * @param addresses where a broker serves other brokers
     * @param connector how to connect there
     */
    public TransactionMarkerChannelManager(int brokerId, Supplier<MetadataImage> images,
                                           IntFunction<Optional<InetSocketAddress>> addresses,
                                           BrokerConnector connector, int requestTimeoutMs) {
        this.brokerId = brokerId;
        this.images = images;
        this.addresses = addresses;
        this.connector = connector;
        this.requestTimeoutMs = requestTimeoutMs;
        this.sender = new Thread(this::run, "txn-marker-sender-" + brokerId);
        sender.setDaemon(true);
        sender.start();
    }

    /**
     * Writes the markers of {@code txn}, a transaction of {@code coordinatorPartition}'s coordinator,
     * then runs {@code onComplete}, on the sender thread.
     */
    public void addTxnMarkersToSend(TopicPartition coordinatorPartition, PendingCompleteTxn txn, Runnable onComplete) {
        pending.put(txn, new PendingMarkers(coordinatorPartition, txn, onComplete));
        wake();
    }

    /** The coordinator of {@code coordinatorPartition} has moved: its markers are no longer this broker's to send. */
    public void removeMarkersForTxnTopicPartition(TopicPartition coordinatorPartition) {
        pending.values().removeIf(p -> p.coordinatorPartition.equals(coordinatorPartition));
    }

    /**
     * The partitions of {@code txn} still without their marker, as far as this sender knows: while it
     * is not sending them (not handed over yet, or the last one written and the completion being
     * written), all of them.
     */
    public Set<TopicPartition> partitionsWithoutMarkers(PendingCompleteTxn txn) {
        PendingMarkers markers = pending.get(txn);
        return markers == null ? txn.partitions() : Set.copyOf(markers.remaining);
    }

    /** The transactions whose markers are still being written. */
    Set<PendingCompleteTxn> pendingTransactions() {
        return Set.copyOf(pending.keySet());
    }

    private void wake() {
        synchronized (wakeup) {
            woken = true;
            wakeup.notifyAll();
        }
    }

    private void run() {
        while (running) {
            try {
                sendRound();
            } catch (RuntimeException e) {
                log.error("A round of transaction markers failed", e);
            }
            synchronized (wakeup) {
                try {
                    if (!woken && running) {
                        wakeup.wait(pending.isEmpty() ? IDLE_WAIT_MS : RETRY_BACKOFF_MS);
                    }
                    woken = false;
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** One round: every leader is sent the markers it owes. */
    private void sendRound() {
        MetadataImage image = images.get();
        Map<Integer, List<PendingMarkers>> byLeader = new LinkedHashMap<>();
        Map<PendingMarkers, Map<Integer, Set<TopicPartition>>> targets = new HashMap<>();
        for (PendingMarkers markers : List.copyOf(pending.values())) {
            for (TopicPartition tp : List.copyOf(markers.remaining)) {
                TopicImage topic = image.topic(tp.topic());
                PartitionRegistration partition = topic == null ? null : topic.partition(tp.partition());
                if (partition == null) {
                    markers.remaining.remove(tp); // deleted: no marker to write
                } else if (partition.hasLeader()) {
                    targets.computeIfAbsent(markers, m -> new HashMap<>())
                            .computeIfAbsent(partition.leader(), l -> new HashSet<>()).add(tp);
                }
            }
            Map<Integer, Set<TopicPartition>> leaders = targets.get(markers);
            if (leaders != null) {
                leaders.keySet().forEach(leader -> byLeader.computeIfAbsent(leader, l -> new ArrayList<>()).add(markers));
            }
            maybeComplete(markers);
        }
        for (Map.Entry<Integer, List<PendingMarkers>> entry : byLeader.entrySet()) {
            int leader = entry.getKey();
            List<PendingMarkers> sent = entry.getValue();
            send(leader, sent, sent.stream().map(m -> targets.get(m).get(leader)).toList());
            sent.forEach(this::maybeComplete);
        }
    }

    /** Sends one leader its markers; those not written stay for the next round. */
    private void send(int leader, List<PendingMarkers> markers, List<Set<TopicPartition>> partitions) {
        WriteTxnMarkersRequestData request = new WriteTxnMarkersRequestData();
        for (int i = 0; i < markers.size(); i++) {
            PendingCompleteTxn txn = markers.get(i).txn;
            WritableTxnMarker marker = new WritableTxnMarker().setProducerId(txn.producerId())
                    .setProducerEpoch(txn.producerEpoch()).setTransactionResult(txn.commit())
                    .setCoordinatorEpoch(txn.coordinatorEpoch()).setTransactionVersion((byte) txn.transactionVersion());
            Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
            partitions.get(i).forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
            byTopic.forEach((topic, indexes) -> marker.topics().add(new WritableTxnMarkerTopic().setName(topic)
                    .setPartitionIndexes(indexes)));
            request.markers().add(marker);
        }
        WriteTxnMarkersResponseData response;
        try {
            response = connection(leader).call(request, ApiKeys.WRITE_TXN_MARKERS.latestVersion());
        } catch (IOException e) {
            log.warn("Cannot send transaction markers to broker {}: {}", leader, e.toString());
            closeConnection(leader);
            return;
        }
        for (int i = 0; i < markers.size() && i < response.markers().size(); i++) {
            handleResult(markers.get(i), response.markers().get(i));
        }
    }

    /** Applies one transaction's answer from a leader. */
    private void handleResult(PendingMarkers markers, WritableTxnMarkerResult result) {
        for (var topic : result.topics()) {
            for (var partition : topic.partitions()) {
                TopicPartition tp = new TopicPartition(topic.name(), partition.partitionIndex());
                Errors error = Errors.forCode(partition.errorCode());
                switch (error) {
                    case NONE, UNSUPPORTED_FOR_MESSAGE_FORMAT -> markers.remaining.remove(tp);
                    case TRANSACTION_COORDINATOR_FENCED, INVALID_PRODUCER_EPOCH -> {
                        log.info("Stopping the markers of {}: {} answered {}", markers.txn, tp, error);
                        pending.remove(markers.txn);
                        return;
                    }
                    default -> log.debug("The marker of {} for {} failed with {}: retrying", markers.txn, tp, error);
                }
            }
        }
    }

    private void maybeComplete(PendingMarkers markers) {
        if (markers.remaining.isEmpty() && pending.remove(markers.txn, markers)) {
            markers.onComplete.run();
        }
    }

    private BrokerConnection connection(int leader) throws IOException {
        BrokerConnection connection = connections.get(leader);
        if (connection == null) {
            InetSocketAddress address = addresses.apply(leader)
                    .orElseThrow(() -> new IOException("Broker " + leader + " has no inter-broker endpoint"));
            connection = connector.connect(address, "txn-marker-sender-" + brokerId, CONNECT_TIMEOUT_MS,
                    requestTimeoutMs);
            connections.put(leader, connection);
        }
        return connection;
    }

    private void closeConnection(int leader) {
        BrokerConnection connection = connections.remove(leader);
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
        running = false;
        wake();
        try {
            sender.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List.copyOf(connections.keySet()).forEach(this::closeConnection);
    }
}
