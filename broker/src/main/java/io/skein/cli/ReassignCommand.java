package io.skein.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.skein.proto.admin.AdminServiceGrpc.AdminServiceBlockingStub;
import io.skein.proto.admin.BrokerShare;
import io.skein.proto.admin.CancelReassignmentsRequest;
import io.skein.proto.admin.CancelReassignmentsResponse;
import io.skein.proto.admin.ClearReplicationThrottlesRequest;
import io.skein.proto.admin.ClearReplicationThrottlesResponse;
import io.skein.proto.admin.ExecuteReassignmentRequest;
import io.skein.proto.admin.ExecuteReassignmentResponse;
import io.skein.proto.admin.ListReassignmentsRequest;
import io.skein.proto.admin.ListReassignmentsResponse;
import io.skein.proto.admin.PartitionMove;
import io.skein.proto.admin.PartitionTarget;
import io.skein.proto.admin.ProposeReassignmentRequest;
import io.skein.proto.admin.ProposeReassignmentResponse;
import io.skein.proto.admin.ReassignmentProgress;
import io.skein.proto.admin.ReplicaCopy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code skein reassign}: partition reassignments (KIP-455). {@code propose} plans a balanced placement
 * (after a broker is added, say), {@code execute} starts a plan, {@code status} shows the moves' progress
 * and clears their throttles once none is left, {@code cancel} stops moves. Plans are files in the format
 * of Kafka's kafka-reassign-partitions, which either tool executes.
 */
@Command(name = "reassign", description = "Move partitions between brokers: plan, execute, follow, cancel.",
        mixinStandardHelpOptions = true, subcommands = {ReassignCommand.Propose.class, ReassignCommand.Execute.class,
        ReassignCommand.Status.class, ReassignCommand.Cancel.class})
final class ReassignCommand {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ReassignCommand() {
    }

    /** Which brokers and topics a plan is about. */
    static final class Scope {
        @Option(names = "--broker", paramLabel = "ID", split = ",",
                description = "Brokers to spread the replicas over (repeatable or comma-separated; default: every "
                        + "unfenced broker). Replicas on other brokers move to these.")
        List<Integer> brokers = new ArrayList<>();

        @Option(names = "--topic", paramLabel = "TOPIC", description = "Topics to move (repeatable; default: all)")
        List<String> topics = new ArrayList<>();

        ProposeReassignmentResponse propose(AdminServiceBlockingStub admin) {
            return admin.proposeReassignment(ProposeReassignmentRequest.newBuilder().addAllBrokers(brokers)
                    .addAllTopics(topics).build());
        }
    }

    @Command(name = "propose", mixinStandardHelpOptions = true,
            description = {"A plan that balances replicas and preferred leaders over the brokers, copying as few "
                    + "replicas as it can. Changes nothing."})
    static final class Propose extends AdminCommand {
        @ArgGroup(exclusive = false)
        Scope scope = new Scope();

        @Option(names = "--output-file", paramLabel = "FILE",
                description = "Also write the plan there, as kafka-reassign-partitions' reassignment JSON")
        Path file;

        @Override
        int run(AdminServiceBlockingStub admin) {
            ProposeReassignmentResponse plan = scope.propose(admin);
            if (file != null) {
                write(file, plan.getMovesList());
            }
            Output.Table moves = new Output.Table("TOPIC", "PARTITION", "CURRENT", "PROPOSED");
            plan.getMovesList().forEach(move -> moves.row(move.getTopic(), move.getPartition(),
                    Output.list(move.getCurrentList()), Output.list(move.getProposedList())));
            Output.Table brokers = new Output.Table("BROKER", "REPLICAS", "PREFERRED LEADERS");
            for (int i = 0; i < plan.getBeforeCount(); i++) {
                BrokerShare before = plan.getBefore(i);
                BrokerShare after = plan.getAfter(i);
                brokers.row(before.getBrokerId(), before.getReplicas() + " -> " + after.getReplicas(),
                        before.getPreferredLeaders() + " -> " + after.getPreferredLeaders());
            }
            String summary = plan.getMovesCount() == 0 ? "The replicas and preferred leaders are balanced already.\n"
                    : moves + "\n" + brokers + "\n" + plan.getReplicasCopied() + " replicas to copy, "
                    + plan.getPreferredLeadersChanged() + " preferred leaders to change."
                    + (file == null ? "" : " Plan written to " + file + "; run: skein reassign execute --plan " + file)
                    + "\n";
            return print(plan, summary);
        }
    }

    @Command(name = "execute", mixinStandardHelpOptions = true,
            description = {"Starts moving partitions: the new replicas copy each log from its leader, and the old "
                    + "ones go once the new ones are in sync. Follow with: skein reassign status"})
    static final class Execute extends AdminCommand {
        @ArgGroup(exclusive = true, multiplicity = "1")
        Plan plan;

        static final class Plan {
            @Option(names = "--plan", paramLabel = "FILE",
                    description = "A plan: kafka-reassign-partitions' reassignment JSON, as propose --output-file writes")
            Path file;

            @ArgGroup(exclusive = false)
            ProposedScope proposed;
        }

        static final class ProposedScope {
            @Option(names = "--propose", required = true, description = "Execute the plan propose makes now")
            boolean propose;

            @ArgGroup(exclusive = false)
            Scope scope = new Scope();
        }

        @Option(names = "--throttle", paramLabel = "BYTES/S", defaultValue = "0",
                description = "Copy at most this many bytes per second into and out of each broker involved "
                        + "(Kafka's replication throttles; default: unthrottled). skein reassign status removes them "
                        + "once every move is done.")
        long throttle;

        @Spec
        CommandSpec spec;

        @Override
        int run(AdminServiceBlockingStub admin) {
            List<PartitionTarget> targets = plan.file != null ? read(spec, plan.file)
                    : plan.proposed.scope.propose(admin).getMovesList().stream().map(move -> PartitionTarget
                    .newBuilder().setTopic(move.getTopic()).setPartition(move.getPartition())
                    .addAllReplicas(move.getProposedList()).build()).toList();
            if (targets.isEmpty()) {
                return print(ExecuteReassignmentResponse.getDefaultInstance(), "Nothing to move.\n");
            }
            ExecuteReassignmentResponse started = admin.executeReassignment(ExecuteReassignmentRequest.newBuilder()
                    .addAllPartitions(targets).setThrottleBytesPerSecond(throttle).build());
            return print(started, "Started moving " + started.getStartedCount() + " partitions"
                    + (throttle > 0 ? ", at most " + throttle + " bytes per second per broker" : "")
                    + ". Follow them with: skein reassign status\n");
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"The moves under way: each new replica's copy so far against its leader's log. Once none "
                    + "is left, removes the replication throttles, as kafka-reassign-partitions --verify does."})
    static final class Status extends AdminCommand {
        @Option(names = "--topic", paramLabel = "TOPIC", description = "Only these topics (repeatable)")
        List<String> topics = new ArrayList<>();

        @Option(names = "--preserve-throttles", description = "Leave the replication throttles in place")
        boolean preserveThrottles;

        @Override
        int run(AdminServiceBlockingStub admin) {
            ListReassignmentsResponse moving = admin.listReassignments(ListReassignmentsRequest.newBuilder()
                    .addAllTopics(topics).build());
            if (moving.getReassignmentsCount() > 0) {
                Output.Table table = new Output.Table("TOPIC", "PARTITION", "REPLICAS", "ADDING", "REMOVING", "LEADER",
                        "COPIED");
                for (ReassignmentProgress p : moving.getReassignmentsList()) {
                    table.row(p.getTopic(), p.getPartition(), Output.list(p.getReplicasList()),
                            Output.list(p.getAddingList()), Output.list(p.getRemovingList()), p.getLeader(),
                            copied(p));
                }
                return print(moving, table + "\n" + moving.getReassignmentsCount() + " partitions are moving.\n");
            }
            if (preserveThrottles || !topics.isEmpty()) {
                return print(moving, "No partition reassignments in progress.\n");
            }
            ClearReplicationThrottlesResponse cleared = admin.clearReplicationThrottles(
                    ClearReplicationThrottlesRequest.getDefaultInstance());
            return print(moving, "No partition reassignments in progress."
                    + (cleared.getBrokersCount() + cleared.getTopicsCount() == 0 ? ""
                    : " Removed the replication throttles of brokers " + Output.list(cleared.getBrokersList())
                    + " and topics " + String.join(",", cleared.getTopicsList()) + ".") + "\n");
        }

        /** Each new replica's bytes against its leader's, or that it is in sync. */
        private static String copied(ReassignmentProgress p) {
            List<String> copies = new ArrayList<>();
            for (ReplicaCopy copy : p.getCopiesList()) {
                String state = copy.getInSync() ? "in sync" : copy.getBytes() < 0 ? "unknown"
                        : p.getLeaderBytes() <= 0 ? copy.getBytes() + " B"
                        : copy.getBytes() + " of " + p.getLeaderBytes() + " B ("
                        + Math.min(100, copy.getBytes() * 100 / p.getLeaderBytes()) + "%)";
                copies.add(copy.getBrokerId() + ": " + state);
            }
            return copies.isEmpty() ? "-" : String.join("; ", copies);
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = {"Cancels moves under way (of the partitions named, those that move): each partition "
                    + "goes back to the replicas it had, and the new replicas' logs are deleted."})
    static final class Cancel extends AdminCommand {
        @ArgGroup(exclusive = true, multiplicity = "1")
        PartitionSelection which;

        @Override
        int run(AdminServiceBlockingStub admin) {
            CancelReassignmentsRequest request = CancelReassignmentsRequest.newBuilder()
                    .addAllPartitions(which.asked()).build();
            CancelReassignmentsResponse cancelled = admin.cancelReassignments(request);
            Output.Table table = new Output.Table("TOPIC", "PARTITION", "REPLICAS");
            cancelled.getCancelledList().forEach(p -> table.row(p.getTopic(), p.getPartition(),
                    Output.list(p.getReplicasList())));
            return print(cancelled, table + "\nCancelled " + cancelled.getCancelledCount() + " moves.\n");
        }
    }

    /** Writes {@code moves}' proposed replicas as kafka-reassign-partitions' reassignment JSON. */
    static void write(Path file, List<PartitionMove> moves) {
        ObjectNode plan = MAPPER.createObjectNode().put("version", 1);
        ArrayNode partitions = plan.putArray("partitions");
        moves.forEach(move -> {
            ObjectNode partition = partitions.addObject().put("topic", move.getTopic())
                    .put("partition", move.getPartition());
            move.getProposedList().forEach(partition.putArray("replicas")::add);
        });
        try {
            Files.writeString(file, MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(plan) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the plan to " + file, e);
        }
    }

    /** A reassignment JSON file's targets; a malformed file, or one that moves log directories, is bad usage. */
    static List<PartitionTarget> read(CommandSpec spec, Path file) {
        JsonNode plan;
        try {
            plan = MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "Cannot read the plan " + file + ": " + e.getMessage());
        }
        if (plan == null || plan.path("version").asInt() != 1 || !plan.path("partitions").isArray()) {
            throw new ParameterException(spec.commandLine(), file + " is not a reassignment plan: "
                    + "{\"version\":1,\"partitions\":[{\"topic\":...,\"partition\":...,\"replicas\":[...]}]}");
        }
        List<PartitionTarget> targets = new ArrayList<>();
        for (JsonNode partition : plan.get("partitions")) {
            if (!partition.path("topic").isTextual() || !partition.path("partition").isInt()
                    || !partition.path("replicas").isArray()) {
                throw new ParameterException(spec.commandLine(), "A partition of " + file
                        + " lacks its topic, partition or replicas: " + partition);
            }
            for (JsonNode dir : partition.path("log_dirs")) {
                if (!dir.asText().equals("any")) {
                    throw new ParameterException(spec.commandLine(), "Skein does not move replicas between log "
                            + "directories: log_dirs must be \"any\" (" + partition + ")");
                }
            }
            PartitionTarget.Builder target = PartitionTarget.newBuilder().setTopic(partition.get("topic").asText())
                    .setPartition(partition.get("partition").asInt());
            partition.get("replicas").forEach(replica -> target.addReplicas(replica.asInt()));
            targets.add(target.build());
        }
        return targets;
    }
}
