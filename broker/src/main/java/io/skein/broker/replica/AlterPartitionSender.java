package io.skein.broker.replica;

import io.skein.broker.replica.Partition.IsrProposal;
import io.skein.proto.Uuids;
import io.skein.proto.controller.AlterPartitionRequest;
import io.skein.proto.controller.AlterPartitionResponse;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.PartitionIsr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a leader's ISR changes to the active controller (AlterPartition), without waiting for the answer.
 *
 * <p>An answer resolves a change only when it shows what happened. A committed change reaches every
 * broker through the metadata log; INELIGIBLE_REPLICA and INVALID_REQUEST come after the controller
 * found the change's epochs current, so nothing was applied and the partition may propose again.
 * Stale epochs mean the partition changed, possibly by this very change if an earlier attempt was
 * committed before its answer was lost: the metadata log will say. An unreachable controller, or any
 * other answer, leaves the outcome unknown, so the same change is sent again until something resolves
 * it (Kafka's AlterPartitionManager retries the same way).
 */
public final class AlterPartitionSender implements Partition.IsrChanges {
    private static final Logger log = LoggerFactory.getLogger(AlterPartitionSender.class);

    private final ControllerReports controller;

    public AlterPartitionSender(ControllerReports controller) {
        this.controller = controller;
    }

    @Override
    public void propose(Partition partition, IsrProposal proposal) {
        log.info("Broker {} asks to change the ISR of {} from {} to {}", controller.brokerId(),
                partition.topicPartition(), proposal.basis().isr(), proposal.isr());
        send(partition, proposal);
    }

    private void send(Partition partition, IsrProposal proposal) {
        if (!partition.isInFlight(proposal)) {
            return; // resolved meanwhile
        }
        AlterPartitionRequest request = AlterPartitionRequest.newBuilder().setBrokerId(controller.brokerId())
                .setBrokerEpoch(controller.brokerEpoch().getAsLong())
                .addPartitions(PartitionIsr.newBuilder().setTopicId(Uuids.toProto(partition.topicId()))
                        .setPartitionId(partition.topicPartition().partition())
                        .setLeaderEpoch(proposal.basis().leaderEpoch())
                        .setPartitionEpoch(proposal.basis().partitionEpoch()).addAllNewIsr(proposal.isr())
                        .addAllNewIsrBrokerEpochs(proposal.brokerEpochs()))
                .build();
        controller.controller().alterPartition(request).whenComplete((response, failure) -> {
            if (failure != null) {
                log.info("Cannot send the ISR {} of {} to the controller, trying again: {}", proposal.isr(),
                        partition.topicPartition(), failure.toString());
                retryLater(partition, proposal);
            } else {
                answered(partition, proposal, response);
            }
        });
    }

    private void answered(Partition partition, IsrProposal proposal, AlterPartitionResponse response) {
        ErrorCode error = response.getError().getCode() != ErrorCode.NONE ? response.getError().getCode()
                : response.getPartitionsList().stream().map(p -> p.getError().getCode())
                .filter(code -> code != ErrorCode.NONE).findFirst().orElse(ErrorCode.NONE);
        switch (error) {
            case NONE -> {
                // Committed: the metadata log brings it.
            }
            case INELIGIBLE_REPLICA, INVALID_REQUEST -> {
                log.info("The controller refused the ISR {} of {}: {}", proposal.isr(), partition.topicPartition(), error);
                partition.isrChangeRefused(proposal);
            }
            case FENCED_LEADER_EPOCH, INVALID_UPDATE_VERSION, NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION ->
                    log.info("The ISR {} of {} was built on stale epochs ({}): waiting for the metadata log",
                            proposal.isr(), partition.topicPartition(), error);
            default -> {
                log.info("The controller answered {} to the ISR {} of {}: trying again", error, proposal.isr(),
                        partition.topicPartition());
                retryLater(partition, proposal);
            }
        }
    }

    private void retryLater(Partition partition, IsrProposal proposal) {
        controller.retryLater(() -> send(partition, proposal)); // refused only when shutting down: nothing to change
    }
}
