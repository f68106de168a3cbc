package io.skein.cli;

import io.skein.proto.admin.AbortTransactionRequest;
import io.skein.proto.admin.AbortTransactionResponse;
import io.skein.proto.admin.AdminServiceGrpc.AdminServiceBlockingStub;
import io.skein.proto.admin.DescribeProducersRequest;
import io.skein.proto.admin.DescribeProducersResponse;
import io.skein.proto.admin.DescribeTransactionsRequest;
import io.skein.proto.admin.DescribeTransactionsResponse;
import io.skein.proto.admin.ListTransactionsRequest;
import io.skein.proto.admin.ListTransactionsResponse;
import io.skein.proto.admin.ProducerDescription;
import io.skein.proto.admin.TransactionDescription;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skein transactions}: transactions as their coordinators have them, and the abort of a hanging one. */
@Command(name = "transactions", description = "List and describe transactions, describe a partition's producers, "
        + "abort a hanging transaction.",
        mixinStandardHelpOptions = true, subcommands = {TransactionsCommand.ListTransactions.class,
        TransactionsCommand.Describe.class, TransactionsCommand.Producers.class, TransactionsCommand.Abort.class})
final class TransactionsCommand {
    /** A time in ms since the epoch as an ISO instant; "-" for none (negative). */
    private static String time(long ms) {
        return ms < 0 ? "-" : Instant.ofEpochMilli(ms).toString();
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List transactional ids with their coordinator, producer and state.")
    static final class ListTransactions extends AdminCommand {
        @Option(names = "--state", paramLabel = "STATE", description = "Only this state, by Kafka's name: Empty, "
                + "Ongoing, PrepareCommit, PrepareAbort, CompleteCommit, CompleteAbort (repeatable)")
        List<String> states = List.of();

        @Option(names = "--producer-id", paramLabel = "ID", description = "Only this producer (repeatable)")
        List<Long> producerIds = List.of();

        @Option(names = "--min-duration-ms", paramLabel = "MS", description = "Only transactions started more than "
                + "MS ago (an id with no transaction counts as started long ago, as in Kafka)")
        long minDurationMs;

        @Option(names = "--pattern", paramLabel = "REGEX", description = "Only ids this regular expression (RE2) "
                + "matches whole")
        String pattern = "";

        @Override
        int run(AdminServiceBlockingStub admin) {
            ListTransactionsResponse response = admin.listTransactions(ListTransactionsRequest.newBuilder()
                    .addAllStates(states).addAllProducerIds(producerIds).setMinDurationMs(minDurationMs)
                    .setTransactionalIdPattern(pattern).build());
            Output.Table table = new Output.Table("TRANSACTIONAL-ID", "COORDINATOR", "PRODUCER-ID", "STATE");
            response.getTransactionsList().forEach(t -> table.row(t.getTransactionalId(), t.getCoordinator(),
                    t.getProducerId(), t.getState()));
            return print(response, table.toString());
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Describe transactional ids: producer, state, timeout, start and partitions.")
    static final class Describe extends AdminCommand {
        @Parameters(arity = "1..*", paramLabel = "TRANSACTIONAL-ID")
        List<String> transactionalIds;

        @Override
        int run(AdminServiceBlockingStub admin) {
            DescribeTransactionsResponse response = admin.describeTransactions(DescribeTransactionsRequest.newBuilder()
                    .addAllTransactionalIds(transactionalIds).build());
            Output.Table table = new Output.Table("TRANSACTIONAL-ID", "COORDINATOR", "PRODUCER-ID", "EPOCH", "STATE",
                    "TIMEOUT-MS", "STARTED", "PARTITIONS");
            for (TransactionDescription t : response.getTransactionsList()) {
                String partitions = t.getPartitionsList().stream()
                        .map(p -> p.getTopic() + ":" + Output.list(p.getPartitionsList()))
                        .collect(Collectors.joining(" "));
                table.row(t.getTransactionalId(), t.getCoordinator(), t.getProducerId(), t.getProducerEpoch(),
                        t.getState(), t.getTimeoutMs(), time(t.getStartTimeMs()), partitions.isEmpty() ? "-" : partitions);
            }
            return print(response, table.toString());
        }
    }

    /** Where a partition is, as the producer commands name it. */
    static final class PartitionOptions {
        @Option(names = "--topic", required = true, paramLabel = "TOPIC")
        String topic;

        @Option(names = "--partition", required = true, paramLabel = "N")
        int partition;
    }

    @Command(name = "producers", mixinStandardHelpOptions = true,
            description = "Describe the producers a partition's leader knows, with where each one's open "
                    + "transaction starts.")
    static final class Producers extends AdminCommand {
        @Mixin
        PartitionOptions where;

        @Override
        int run(AdminServiceBlockingStub admin) {
            DescribeProducersResponse response = admin.describeProducers(DescribeProducersRequest.newBuilder()
                    .setTopic(where.topic).setPartition(where.partition).build());
            Output.Table table = new Output.Table("PRODUCER-ID", "EPOCH", "COORDINATOR-EPOCH", "LAST-SEQUENCE",
                    "LAST-TIMESTAMP", "TXN-START-OFFSET");
            for (ProducerDescription p : response.getProducersList()) {
                table.row(p.getProducerId(), p.getProducerEpoch(), Output.dash(p.getCoordinatorEpoch()),
                        Output.dash(p.getLastSequence()), time(p.getLastTimestampMs()),
                        Output.dash(p.getTransactionStartOffset()));
            }
            return print(response, table.toString());
        }
    }

    @Command(name = "abort", mixinStandardHelpOptions = true,
            description = "Abort a hanging transaction in one partition (one its coordinator will never end): the "
                    + "partition's leader writes its ABORT marker. Find it with `transactions producers`.")
    static final class Abort extends AdminCommand {
        @Mixin
        PartitionOptions where;

        @Option(names = "--start-offset", required = true, paramLabel = "OFFSET",
                description = "The first offset of the transaction (TXN-START-OFFSET of `transactions producers`)")
        long startOffset;

        @Override
        int run(AdminServiceBlockingStub admin) {
            AbortTransactionResponse response = admin.abortTransaction(AbortTransactionRequest.newBuilder()
                    .setTopic(where.topic).setPartition(where.partition).setStartOffset(startOffset).build());
            ProducerDescription producer = response.getProducer();
            return print(response, "Aborted the transaction of producer " + producer.getProducerId() + " (epoch "
                    + producer.getProducerEpoch() + ") starting at offset " + startOffset + " of " + where.topic + "-"
                    + where.partition + "\n");
        }
    }
}
