package io.skein.broker.admin;

import io.skein.metadata.controller.ControllerClient;
import io.skein.metadata.image.BrokerRegistration;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.quorum.Voter;
import io.skein.proto.admin.Broker;
import io.skein.proto.admin.BrokerState;
import io.skein.proto.admin.DescribeClusterResponse;
import io.skein.proto.admin.DescribeQuorumResponse;
import io.skein.proto.admin.QuorumMember;
import io.skein.proto.controller.DescribeVoterResponse;
import io.skein.proto.controller.ErrorCode;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.config.TopicConfig;

/**
 * DescribeCluster and DescribeQuorum. Brokers come from this broker's metadata image; the quorum
 * from each voter itself (asked in parallel, so that one that is down only shows as unreachable)
 * and, for how far behind each voter is, from the leader. Public for the console, which calls the
 * same code, and also asks for the partitions' states.
 */
public final class ClusterRpcs {
    private static final Duration VOTER_TIMEOUT = Duration.ofSeconds(2);

    private final AdminContext context;

    ClusterRpcs(AdminContext context) {
        this.context = context;
    }

    public CompletableFuture<DescribeClusterResponse> describeCluster() {
        MetadataImage image = context.image();
        return voters().thenApply(voters -> {
            DescribeClusterResponse.Builder response = DescribeClusterResponse.newBuilder()
                    .setClusterId(context.clusterId()).setActiveController(leader(voters).orElse(-1));
            image.brokers().values().stream().sorted(Comparator.comparingInt(BrokerRegistration::id))
                    .forEach(broker -> response.addBrokers(broker(broker)));
            return response.build();
        });
    }

    private Broker broker(BrokerRegistration broker) {
        Broker.Builder answer = Broker.newBuilder().setId(broker.id()).setRack(broker.rack())
                .setState(broker.shuttingDown() ? BrokerState.SHUTTING_DOWN
                        : broker.fenced() ? BrokerState.FENCED : BrokerState.UNFENCED);
        broker.endpoints().stream().filter(e -> e.getName().equals(context.listenerName())).findFirst()
                .or(() -> broker.endpoints().stream().findFirst())
                .ifPresent(e -> answer.setHost(e.getHost()).setPort(e.getPort()));
        return answer.build();
    }

    public CompletableFuture<DescribeQuorumResponse> describeQuorum() {
        return voters().thenCompose(voters -> fromLeader(voters).thenApply(leader -> {
            Optional<io.skein.proto.controller.DescribeQuorumResponse> known = leader
                    .filter(l -> l.getError().getCode() == ErrorCode.NONE);
            Map<Integer, Long> logEnds = new HashMap<>();
            known.ifPresent(l -> l.getVotersList().forEach(v -> logEnds.put(v.getReplicaId(), v.getLogEndIndex())));
            long commitIndex = known.map(io.skein.proto.controller.DescribeQuorumResponse::getCommitIndex).orElse(-1L);
            DescribeQuorumResponse.Builder response = DescribeQuorumResponse.newBuilder()
                    .setLeaderId(known.map(io.skein.proto.controller.DescribeQuorumResponse::getLeaderId).orElse(-1))
                    .setTerm(known.map(io.skein.proto.controller.DescribeQuorumResponse::getLeaderTerm).orElse(0L))
                    .setCommitIndex(commitIndex);
            for (Voter voter : context.voters()) {
                QuorumMember.Builder member = QuorumMember.newBuilder().setId(voter.id()).setHost(voter.host())
                        .setPort(voter.port()).setRole("UNREACHABLE").setLag(-1);
                voters.get(voter.id()).ifPresent(self -> member.setRole(self.getRole()).setTerm(self.getTerm())
                        .setCommitIndex(self.getCommitIndex()).setAppliedIndex(self.getAppliedIndex()));
                Long logEnd = logEnds.get(voter.id());
                if (commitIndex >= 0 && logEnd != null && logEnd >= 0) {
                    member.setLag(Math.max(0, commitIndex - logEnd));
                }
                response.addVoters(member);
            }
            known.ifPresent(l -> l.getObserversList().forEach(o -> response.addObservers(QuorumMember.newBuilder()
                    .setId(o.getReplicaId()).setRole("OBSERVER")
                    .setLag(o.getLogEndIndex() < 0 ? -1 : Math.max(0, commitIndex - o.getLogEndIndex())))));
            return response.build();
        }));
    }

    /**
     * The partitions that need attention, as this broker's metadata shows them: offline (no live
     * leader), and of the others those under-replicated (an ISR smaller than the replicas) and under
     * min ISR (an ISR smaller than the topic's {@code min.insync.replicas}: acks=all writes fail).
     * From the image alone, so cheap on any number of partitions.
     */
    public PartitionStates partitionStates() {
        MetadataImage image = context.image();
        List<PartitionStates.Partition> offline = new ArrayList<>();
        List<PartitionStates.Partition> underReplicated = new ArrayList<>();
        List<PartitionStates.Partition> underMinIsr = new ArrayList<>();
        image.topicsById().values().stream().sorted(Comparator.comparing(TopicImage::name)).forEach(topic -> {
            int minIsr = minIsr(image, topic.name());
            topic.partitions().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
                PartitionRegistration p = e.getValue();
                PartitionStates.Partition tp = new PartitionStates.Partition(topic.name(), e.getKey(), p);
                if (TopicRpcs.offline(image, p)) {
                    offline.add(tp);
                    return;
                }
                if (p.isr().size() < p.replicas().size()) {
                    underReplicated.add(tp);
                }
                if (p.isr().size() < minIsr) {
                    underMinIsr.add(tp);
                }
            });
        });
        return new PartitionStates(offline, underReplicated, underMinIsr);
    }

    private int minIsr(MetadataImage image, String topic) {
        return context.configs().topic(image, topic, Set.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG)).stream()
                .findFirst().map(entry -> Integer.parseInt(entry.value())).orElse(1);
    }

    /**
     * Where each voter's log ends, as the leader knows it. Asked only if a voter says it leads, so
     * that a quorum without a leader is described at once (with lag unknown) rather than after the
     * controller client's whole timeout.
     */
    private CompletableFuture<Optional<io.skein.proto.controller.DescribeQuorumResponse>> fromLeader(
            Map<Integer, Optional<DescribeVoterResponse>> voters) {
        if (leader(voters).isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return context.controller().call(ControllerClient::describeQuorum).thenApply(Optional::of)
                .exceptionally(e -> Optional.empty());
    }

    /** The voter that says it leads: the active controller. */
    private static OptionalInt leader(Map<Integer, Optional<DescribeVoterResponse>> voters) {
        return voters.values().stream().flatMap(Optional::stream).filter(v -> v.getRole().equals("LEADER"))
                .mapToInt(DescribeVoterResponse::getNodeId).findFirst();
    }

    /** Each voter's own answer, or empty if it did not answer in time. */
    private CompletableFuture<Map<Integer, Optional<DescribeVoterResponse>>> voters() {
        Map<Integer, CompletableFuture<Optional<DescribeVoterResponse>>> asked = new HashMap<>();
        for (Voter voter : context.voters()) {
            asked.put(voter.id(), context.controller()
                    .call(client -> client.describeVoter(voter.id(), VOTER_TIMEOUT)).thenApply(Optional::of)
                    .exceptionally(e -> Optional.empty()));
        }
        return CompletableFuture.allOf(asked.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<Integer, Optional<DescribeVoterResponse>> answers = new HashMap<>();
            asked.forEach((id, answer) -> answers.put(id, answer.join()));
            return answers;
        });
    }
}
