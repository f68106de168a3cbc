package io.skein.broker.replica;

import io.skein.proto.Uuids;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.ReplicaPartition;
import io.skein.proto.controller.ReportOfflineReplicasRequest;
import io.skein.proto.controller.ReportOfflineReplicasResponse;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the active controller of the replicas this broker no longer has, their log directory having
 * failed (ReportOfflineReplicas), so that it moves their leaderships and takes this broker out of their
 * ISRs. One report is on its way at a time; replicas reported meanwhile go in the next. A report the
 * controller did not take (unreachable, or an error) is sent again after a back-off. The replica
 * manager reports a replica again whenever the metadata still shows this broker in its ISR, so a
 * report lost in a controller failover is made good too.
 */
public final class OfflineReplicaReporter implements ReplicaManager.OfflineReplicas {
    private static final Logger log = LoggerFactory.getLogger(OfflineReplicaReporter.class);

    private record Replica(UUID topicId, int partition) {
    }

    private final ControllerReports controller;
    // Guarded by this.
    private final Set<Replica> pending = new LinkedHashSet<>();
    private boolean sending;

    public OfflineReplicaReporter(ControllerReports controller) {
        this.controller = controller;
    }

    @Override
    public synchronized void report(Map<TopicPartition, UUID> partitions) {
        partitions.forEach((tp, topicId) -> pending.add(new Replica(topicId, tp.partition())));
        if (!sending && !pending.isEmpty()) {
            sending = true;
            send();
        }
    }

    private synchronized void send() {
        List<Replica> sent = List.copyOf(pending);
        ReportOfflineReplicasRequest.Builder request = ReportOfflineReplicasRequest.newBuilder()
                .setBrokerId(controller.brokerId()).setBrokerEpoch(controller.brokerEpoch().getAsLong());
        sent.forEach(replica -> request.addPartitions(ReplicaPartition.newBuilder()
                .setTopicId(Uuids.toProto(replica.topicId())).setPartitionId(replica.partition())));
        log.info("Broker {} reports {} replicas in failed log directories to the controller", controller.brokerId(),
                sent.size());
        controller.controller().reportOfflineReplicas(request.build())
                .whenComplete((response, failure) -> answered(sent, response, failure));
    }

    private synchronized void answered(List<Replica> sent, ReportOfflineReplicasResponse response, Throwable failure) {
        boolean taken = failure == null && response.getError().getCode() == ErrorCode.NONE;
        if (taken) {
            sent.forEach(pending::remove);
        } else {
            log.info("The controller did not take broker {}'s report of offline replicas, trying again: {}",
                    controller.brokerId(), failure != null ? failure.toString() : response.getError().getCode());
        }
        if (pending.isEmpty()) {
            sending = false;
        } else if (taken) {
            send();
        } else if (!controller.retryLater(this::send)) {
            sending = false; // the broker is shutting down
        }
    }
}
