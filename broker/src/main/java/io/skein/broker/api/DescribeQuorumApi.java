package io.skein.broker.api;

import io.skein.broker.metadata.ControllerRequests;
import io.skein.broker.network.RequestContext;
import io.skein.broker.security.Authorization;
import io.skein.broker.util.Futures;
import io.skein.metadata.controller.ControllerClient;
import io.skein.metadata.quorum.Voter;
import io.skein.proto.controller.DescribeQuorumResponse;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.ReplicaState;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeQuorumRequestData;
import org.apache.kafka.common.message.DescribeQuorumResponseData;
import org.apache.kafka.common.message.DescribeQuorumResponseData.Listener;
import org.apache.kafka.common.message.DescribeQuorumResponseData.ListenerCollection;
import org.apache.kafka.common.message.DescribeQuorumResponseData.Node;
import org.apache.kafka.common.message.DescribeQuorumResponseData.NodeCollection;
import org.apache.kafka.common.message.DescribeQuorumResponseData.PartitionData;
import org.apache.kafka.common.message.DescribeQuorumResponseData.TopicData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeQuorum ({@code kafka-metadata-quorum.sh describe}, {@code Admin.describeMetadataQuorum}),
 * answered from the Ratis quorum as the active controller knows it, in KIP-595's terms (KIP-836's
 * timestamps from v1, KIP-853's nodes from v2): the leader, its term as the leader epoch, the commit
 * index as the high watermark; the voters with the last log index each holds (the leader's own last
 * index), when each last answered the leader's appends and, if it holds everything committed, that
 * as its last caught-up time (otherwise unknown: Ratis keeps no such time); the brokers as
 * observers, with what their heartbeats say of the metadata they applied. Voters have no directory
 * id, as in Kafka's static quorum ({@code controller.quorum.voters}), and their endpoints are their
 * controller listener. As in Kafka, it needs DESCRIBE on the cluster, and names only partition 0 of
 * {@code __cluster_metadata}.
 */
final class DescribeQuorumApi implements Api {
    static final String METADATA_TOPIC = "__cluster_metadata";

    private final ControllerRequests controller;
    private final List<Voter> voters;
    private final String controllerListenerName;
    private final Clock clock;
    private final Authorization authorization;

    DescribeQuorumApi(ControllerRequests controller, List<Voter> voters, String controllerListenerName, Clock clock,
                      Authorization authorization) {
        this.controller = controller;
        this.voters = voters;
        this.controllerListenerName = controllerListenerName;
        this.clock = clock;
        this.authorization = authorization;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        if (!authorization.authorizeCluster(context, AclOperation.DESCRIBE)) {
            return Refusals.clusterAuthorizationFailed(context);
        }
        DescribeQuorumRequestData request = (DescribeQuorumRequestData) context.request().data();
        if (!namesTheMetadataPartition(request)) {
            return CompletableFuture.completedFuture(partitionsFailed(request, Errors.UNKNOWN_TOPIC_OR_PARTITION));
        }
        short version = context.request().apiVersion();
        return controller.call(ControllerClient::describeQuorum).handle((quorum, failure) -> {
            if (failure != null) {
                return context.request().errorResponse(Futures.cause(failure));
            }
            if (quorum.getError().getCode() != ErrorCode.NONE) {
                return context.request().errorResponse(ControllerRequests.exception(quorum.getError()));
            }
            return describe(quorum, version);
        });
    }

    private static boolean namesTheMetadataPartition(DescribeQuorumRequestData request) {
        return request.topics().size() == 1 && request.topics().get(0).topicName().equals(METADATA_TOPIC)
                && request.topics().get(0).partitions().size() == 1
                && request.topics().get(0).partitions().get(0).partitionIndex() == 0;
    }

    /** Kafka's answer to a request naming another partition: each one named, with {@code error}. */
    private static DescribeQuorumResponseData partitionsFailed(DescribeQuorumRequestData request, Errors error) {
        DescribeQuorumResponseData response = new DescribeQuorumResponseData();
        request.topics().forEach(topic -> response.topics().add(new TopicData().setTopicName(topic.topicName())
                .setPartitions(topic.partitions().stream().map(partition -> new PartitionData()
                        .setPartitionIndex(partition.partitionIndex()).setErrorCode(error.code())
                        .setLeaderId(-1)).toList())));
        return response;
    }

    private DescribeQuorumResponseData describe(DescribeQuorumResponse quorum, short version) {
        long now = clock.millis();
        PartitionData partition = new PartitionData().setPartitionIndex(0).setErrorCode(Errors.NONE.code())
                .setLeaderId(quorum.getLeaderId())
                .setLeaderEpoch((int) Math.min(Integer.MAX_VALUE, quorum.getLeaderTerm()))
                .setHighWatermark(quorum.getCommitIndex())
                .setCurrentVoters(quorum.getVotersList().stream().map(voter -> replica(voter, now)).toList())
                .setObservers(quorum.getObserversList().stream().map(observer -> replica(observer, now)).toList());
        DescribeQuorumResponseData response = new DescribeQuorumResponseData().setTopics(List.of(new TopicData()
                .setTopicName(METADATA_TOPIC).setPartitions(List.of(partition))));
        if (version >= 2) { // KIP-853's endpoints, which older versions cannot carry
            NodeCollection nodes = new NodeCollection();
            for (Voter voter : voters) {
                ListenerCollection listeners = new ListenerCollection();
                listeners.add(new Listener().setName(controllerListenerName).setHost(voter.host())
                        .setPort(voter.port()));
                nodes.add(new Node().setNodeId(voter.id()).setListeners(listeners));
            }
            response.setNodes(nodes);
        }
        return response;
    }

    /** Elapsed times become this broker's wall-clock times, the timestamps Kafka's tools show as "ms ago". */
    private static DescribeQuorumResponseData.ReplicaState replica(ReplicaState replica, long now) {
        return new DescribeQuorumResponseData.ReplicaState().setReplicaId(replica.getReplicaId())
                .setLogEndOffset(replica.getLogEndIndex())
                .setLastFetchTimestamp(timestamp(replica.getLastFetchElapsedMs(), now))
                .setLastCaughtUpTimestamp(timestamp(replica.getLastCaughtUpElapsedMs(), now));
    }

    private static long timestamp(long elapsedMs, long now) {
        return elapsedMs < 0 ? -1 : now - elapsedMs;
    }
}
