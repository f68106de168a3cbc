package io.skein.broker.admin;

import io.skein.broker.kafka.BrokerConnector;
import io.skein.broker.util.DaemonThreads;
import io.skein.metadata.image.BrokerRegistration;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.BrokerNotAvailableException;
import org.apache.kafka.common.errors.LeaderNotAvailableException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Reads of partitions from their leaders for the admin API, each through a {@link LeaderConnection}
 * made for the call to the leader the metadata names, on threads of its own since a read
 * blocks: gRPC's threads only start calls. Why always the leader, even from a broker that holds a
 * replica: only a leader answers consumers, and a follower's high watermark and last stable offset
 * trail its leader's, so it would show less than a consumer sees; one path serves every broker, and
 * when the leader is this broker the cost is a hop over loopback per page.
 */
final class LeaderReads implements AutoCloseable {
    private static final int THREADS = 4;
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    private static final int READ_TIMEOUT_MS = 30_000;

    private final String listenerName;
    private final BrokerConnector connector;
    private final String clientId;
    private final ExecutorService threads = Executors.newFixedThreadPool(THREADS, DaemonThreads.named("admin-reads"));

    /**
     * @param listenerName the listener of the brokers to connect to
     * @param connector    how to connect to it
     */
    LeaderReads(String listenerName, BrokerConnector connector, String clientId) {
        this.listenerName = listenerName;
        this.connector = connector;
        this.clientId = clientId;
    }

    @FunctionalInterface
    interface Read<T> {
        T apply(LeaderConnection leader) throws IOException;
    }

    /** The partition; UNKNOWN_TOPIC_OR_PARTITION if the image has no such one. */
    static PartitionRegistration existing(MetadataImage image, TopicPartition tp) {
        TopicImage topic = AdminContext.existing(image, tp.topic());
        PartitionRegistration partition = topic.partition(tp.partition());
        if (partition == null) {
            throw new UnknownTopicOrPartitionException("Topic '" + tp.topic() + "' has no partition "
                    + tp.partition());
        }
        return partition;
    }

    /** The partition's live leader; UNKNOWN_TOPIC_OR_PARTITION, or LEADER_NOT_AVAILABLE if it is offline. */
    static int leader(MetadataImage image, TopicPartition tp) {
        PartitionRegistration partition = existing(image, tp);
        if (TopicRpcs.offline(image, partition)) {
            throw new LeaderNotAvailableException(tp + " has no live leader now");
        }
        return partition.leader();
    }

    /** Runs {@code read} against broker {@code brokerId}, on a read thread. */
    <T> CompletableFuture<T> fromBroker(MetadataImage image, int brokerId, Read<T> read) {
        InetSocketAddress address = address(image, brokerId);
        return CompletableFuture.supplyAsync(() -> {
            try (LeaderConnection leader = new LeaderConnection(brokerId,
                    connector.connect(address, clientId, CONNECT_TIMEOUT_MS, READ_TIMEOUT_MS))) {
                return read.apply(leader);
            } catch (IOException e) {
                throw new NetworkException("Cannot read from broker " + brokerId + " at " + address + ": " + e, e);
            }
        }, threads);
    }

    private InetSocketAddress address(MetadataImage image, int brokerId) {
        BrokerRegistration broker = image.broker(brokerId);
        if (broker != null) {
            for (var endpoint : broker.endpoints()) {
                if (endpoint.getName().equals(listenerName)) {
                    return new InetSocketAddress(endpoint.getHost(), endpoint.getPort());
                }
            }
        }
        throw new BrokerNotAvailableException("Broker " + brokerId + " has no " + listenerName + " listener in "
                + "this broker's metadata");
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }
}
