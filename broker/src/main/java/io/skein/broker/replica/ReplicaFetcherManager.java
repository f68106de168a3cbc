package io.skein.broker.replica;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;
import org.apache.kafka.common.TopicPartition;

/** The replica fetchers of one broker: one thread per leader broker it follows, serving all its partitions. */
final class ReplicaFetcherManager implements AutoCloseable {
    private final int localBrokerId;
    private final IntFunction<Optional<InetSocketAddress>> addresses;
    private final ReplicaFetcher.Settings settings;
    private final Map<Integer, ReplicaFetcher> fetchers = new HashMap<>();
    private boolean closed;

    ReplicaFetcherManager(int localBrokerId, IntFunction<Optional<InetSocketAddress>> addresses,
                          ReplicaFetcher.Settings settings) {
        this.localBrokerId = localBrokerId;
        this.addresses = addresses;
        this.settings = settings;
    }

    /** Follows {@code partition}, led by {@code leaderId} in {@code leaderEpoch}; it leaves any other fetcher. */
    synchronized void follow(Partition partition, int leaderId, int leaderEpoch) {
        if (closed) { // a metadata change arriving during shutdown must not start a fetcher that outlives the logs
            return;
        }
        TopicPartition tp = partition.topicPartition();
        fetchers.forEach((id, fetcher) -> {
            if (id != leaderId) {
                fetcher.unfollow(tp);
            }
        });
        fetchers.computeIfAbsent(leaderId, id -> new ReplicaFetcher(localBrokerId, id, addresses, settings))
                .follow(partition, leaderEpoch);
    }

    synchronized void unfollow(TopicPartition tp) {
        fetchers.values().forEach(fetcher -> fetcher.unfollow(tp));
    }

    @Override
    public synchronized void close() {
        closed = true;
        fetchers.values().forEach(ReplicaFetcher::close);
        fetchers.clear();
    }
}
