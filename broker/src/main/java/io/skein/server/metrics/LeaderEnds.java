package io.skein.server.metrics;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * The high watermarks of partitions led by other brokers, as a Kafka admin client asks their
 * leaders (ListOffsets for the latest offset, one request per leader). The client connects to this
 * broker's own listener when first needed: a broker that holds every partition never makes one.
 */
public final class LeaderEnds implements GroupLagCollector.RemoteEnds, AutoCloseable {
    private final String bootstrap;
    private final String clientId;
    private Admin admin;

    public LeaderEnds(String bootstrap, int nodeId) {
        this.bootstrap = bootstrap;
        this.clientId = "skein-metrics-" + nodeId;
    }

    @Override
    public CompletableFuture<Map<TopicPartition, Long>> highWatermarks(Set<TopicPartition> partitions) {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        CompletableFuture<Map<TopicPartition, Long>> ends = new CompletableFuture<>();
        admin().listOffsets(latest).all().whenComplete((infos, error) -> {
            if (error != null) {
                ends.completeExceptionally(error);
                return;
            }
            Map<TopicPartition, Long> offsets = new HashMap<>();
            infos.forEach((tp, info) -> offsets.put(tp, info.offset()));
            ends.complete(offsets);
        });
        return ends;
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    AdminClientConfig.CLIENT_ID_CONFIG, clientId));
        }
        return admin;
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
