package io.skein.server.history;

import io.skein.broker.admin.HistoryRpcs;
import io.skein.proto.admin.Broker;
import io.skein.proto.admin.BrokerState;
import io.skein.proto.admin.GetGroupHistoryRequest;
import io.skein.proto.admin.GetHistoryRequest;
import io.skein.proto.admin.GetHistoryResponse;
import io.skein.proto.admin.GetOverviewRequest;
import io.skein.proto.admin.GetOverviewResponse;
import io.skein.proto.admin.GetTimelineRequest;
import io.skein.proto.admin.GetTimelineResponse;
import io.skein.proto.admin.GroupLagSummary;
import io.skein.proto.admin.HistorySeries;
import io.skein.proto.admin.TimelineEventType;
import io.skein.proto.admin.UnhealthyPartition;
import java.util.concurrent.CompletableFuture;

/** The history RPCs of the admin API: {@link ClusterHistory}'s answers in the API's messages. */
final class HistoryGrpc implements HistoryRpcs {
    private final ClusterHistory cluster;

    HistoryGrpc(ClusterHistory cluster) {
        this.cluster = cluster;
    }

    @Override
    public CompletableFuture<GetHistoryResponse> history(GetHistoryRequest request) {
        return cluster.history(request.getSinceMs(), request.getSeriesList(),
                request.hasNodeId() ? request.getNodeId() : null).thenApply(HistoryGrpc::toProto);
    }

    @Override
    public CompletableFuture<GetHistoryResponse> groupHistory(GetGroupHistoryRequest request) {
        return cluster.groupHistory(request.getGroupId(), request.getSinceMs()).thenApply(HistoryGrpc::toProto);
    }

    @Override
    public CompletableFuture<GetTimelineResponse> timeline(GetTimelineRequest request) {
        return cluster.timeline(request.getSinceMs(), request.getLimit(), request.getTopic()).thenApply(view -> {
            GetTimelineResponse.Builder response = GetTimelineResponse.newBuilder().addAllNodes(view.nodes());
            view.missing().forEach(m -> response.addMissing(missing(m)));
            view.events().forEach(e -> response.addEvents(io.skein.proto.admin.TimelineEvent.newBuilder()
                    .setTimeMs(e.timeMs()).setMetadataOffset(e.metadataOffset())
                    .setType(TimelineEventType.valueOf(e.type().name())).setTopic(e.topic())
                    .setPartition(e.partition()).setBroker(e.broker()).setOldLeader(e.oldLeader())
                    .setNewLeader(e.newLeader()).addAllOldIsr(e.oldIsr()).addAllNewIsr(e.newIsr())
                    .setLeaderEpoch(e.leaderEpoch()).setReason(e.reason())));
            return response.build();
        });
    }

    @Override
    public CompletableFuture<GetOverviewResponse> overview(GetOverviewRequest request) {
        return cluster.overview(request.getGroups(), request.getPartitions()).thenApply(overview -> {
            GetOverviewResponse.Builder response = GetOverviewResponse.newBuilder().setRecent(toProto(overview.recent()))
                    .setUnderReplicatedCount(overview.underReplicatedCount()).setOfflineCount(overview.offlineCount());
            overview.brokers().forEach(b -> response.addBrokers(Broker.newBuilder().setId(b.id()).setHost(b.host())
                    .setPort(b.port()).setRack(b.rack()).setState(BrokerState.valueOf(b.state()))));
            overview.partitions().forEach(p -> response.addPartitions(UnhealthyPartition.newBuilder()
                    .setTopic(p.topic()).setPartition(p.partition()).setLeader(p.leader()).addAllReplicas(p.replicas())
                    .addAllIsr(p.isr()).setOffline(p.offline())));
            overview.groups().forEach(g -> response.addGroups(GroupLagSummary.newBuilder().setGroupId(g.groupId())
                    .setCoordinator(g.coordinator()).setTimeMs(g.timeMs()).setLag(g.lag()).setLagMs(g.lagMs())
                    .setConsumeRate(g.consumeRate() == null ? Double.NaN : g.consumeRate())));
            return response.build();
        });
    }

    private static GetHistoryResponse toProto(HistoryView view) {
        GetHistoryResponse.Builder response = GetHistoryResponse.newBuilder().setIntervalMs(view.intervalMs())
                .addAllTimestamps(view.timestamps()).addAllNodes(view.nodes());
        view.series().forEach(s -> response.addSeries(HistorySeries.newBuilder().setName(s.name()).setUnit(s.unit())
                .addAllValues(s.values().stream().map(v -> v == null ? Double.NaN : v).toList())));
        view.missing().forEach(m -> response.addMissing(missing(m)));
        return response.build();
    }

    private static io.skein.proto.admin.MissingNode missing(MissingNode node) {
        return io.skein.proto.admin.MissingNode.newBuilder().setNodeId(node.nodeId()).setReason(node.reason()).build();
    }
}
