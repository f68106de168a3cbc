package io.skein.broker.replica;

import io.skein.metadata.controller.ControllerClient;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.proto.Uuids;
import io.skein.proto.controller.AlterPartitionRequest;
import io.skein.proto.controller.AlterPartitionResponse;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.PartitionIsr;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a leader's ISR changes to the active controller (AlterPartition), off the request threads.
 * A change the controller makes reaches every broker through the metadata log; a refused one (stale
 * epochs, an ineligible replica) is dropped, and the leader proposes again when it still applies.
 */
public final class AlterPartitionSender implements Partition.IsrChanges {
    private static final Logger log = LoggerFactory.getLogger(AlterPartitionSender.class);

    private final int brokerId;
    private final LongSupplier brokerEpoch;
    private final ControllerClient controller;
    private final Executor executor;

    public AlterPartitionSender(int brokerId, LongSupplier brokerEpoch, ControllerClient controller, Executor executor) {
        this.brokerId = brokerId;
        this.brokerEpoch = brokerEpoch;
        this.controller = controller;
        this.executor = executor;
    }

    @Override
    public void propose(Partition partition, PartitionRegistration current, List<Integer> newIsr, Runnable failed) {
        AlterPartitionRequest request = AlterPartitionRequest.newBuilder().setBrokerId(brokerId)
                .setBrokerEpoch(brokerEpoch.getAsLong())
                .addPartitions(PartitionIsr.newBuilder().setTopicId(Uuids.toProto(partition.topicId()))
                        .setPartitionId(partition.topicPartition().partition()).setLeaderEpoch(current.leaderEpoch())
                        .setPartitionEpoch(current.partitionEpoch()).addAllNewIsr(newIsr))
                .build();
        log.info("Broker {} asks to change the ISR of {} from {} to {}", brokerId, partition.topicPartition(),
                current.isr(), newIsr);
        executor.execute(() -> {
            try {
                AlterPartitionResponse response = controller.alterPartition(request);
                ErrorCode error = response.getError().getCode() != ErrorCode.NONE ? response.getError().getCode()
                        : response.getPartitionsList().stream().map(p -> p.getError().getCode())
                        .filter(code -> code != ErrorCode.NONE).findFirst().orElse(ErrorCode.NONE);
                if (error != ErrorCode.NONE) {
                    log.info("The controller refused the ISR {} of {}: {}", newIsr, partition.topicPartition(), error);
                    failed.run();
                }
            } catch (RuntimeException e) {
                log.info("Cannot send the ISR {} of {} to the controller: {}", newIsr, partition.topicPartition(),
                        e.toString());
                failed.run();
            }
        });
    }
}
