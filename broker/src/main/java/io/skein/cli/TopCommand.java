package io.skein.cli;

import io.grpc.StatusRuntimeException;
import io.skein.proto.admin.AdminServiceGrpc.AdminServiceBlockingStub;
import io.skein.proto.admin.Broker;
import io.skein.proto.admin.BrokerState;
import io.skein.proto.admin.GetHistoryResponse;
import io.skein.proto.admin.GetOverviewRequest;
import io.skein.proto.admin.GetOverviewResponse;
import io.skein.proto.admin.GroupLagSummary;
import io.skein.proto.admin.HistorySeries;
import io.skein.proto.admin.MissingNode;
import io.skein.proto.admin.UnhealthyPartition;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code skein top}: the cluster's rates, unhealthy partitions and laggiest groups, redrawn in place
 * (ANSI clear and home) every {@code --interval} seconds until interrupted; {@code --once} draws one
 * frame (no ANSI codes) and exits. While live, a failed refresh shows its error in the frame and the
 * next one tries again.
 */
@Command(name = "top", mixinStandardHelpOptions = true,
        description = {"A live view of the cluster: rates (now, and the average and peak over the recent samples), "
                + "brokers, under-replicated and offline partitions, and the groups furthest behind.",
                "Every broker samples itself every metrics.history.sample.interval.ms (10 s by default); the node asked "
                        + "gathers the others' samples and names those that did not answer."})
final class TopCommand extends AdminCommand {
    /** ANSI: cursor home, clear the screen. */
    private static final String CLEAR = "\u001b[H\u001b[2J";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    @Option(names = "--once", description = "Draw one frame and exit (for scripts and tests).")
    boolean once;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "2",
            description = "Seconds between refreshes; default: ${DEFAULT-VALUE}")
    double interval;

    @Option(names = "--groups", paramLabel = "N", defaultValue = "10", description = "Groups listed; default: ${DEFAULT-VALUE}")
    int groups;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "20",
            description = "Unhealthy partitions listed; default: ${DEFAULT-VALUE}")
    int partitions;

    @Override
    int run(AdminServiceBlockingStub admin) {
        if (interval <= 0 || groups <= 0 || partitions <= 0) {
            System.err.println("Error: --interval, --groups and --partitions are above 0");
            return 2;
        }
        GetOverviewRequest request = GetOverviewRequest.newBuilder().setGroups(groups).setPartitions(partitions).build();
        if (once || json()) {
            GetOverviewResponse overview = admin.getOverview(request);
            return print(overview, frame(overview));
        }
        while (!Thread.currentThread().isInterrupted()) {
            String frame;
            try {
                frame = frame(admin.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS).getOverview(request));
            } catch (StatusRuntimeException e) {
                frame = "Error: " + reason(e) + ": " + message(e) + "\n(trying again every " + interval + " s)\n";
            }
            System.out.print(CLEAR + frame);
            System.out.flush();
            try {
                Thread.sleep((long) (interval * 1000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return 0;
    }

    static String frame(GetOverviewResponse overview) {
        StringBuilder text = new StringBuilder();
        GetHistoryResponse recent = overview.getRecent();
        int last = recent.getTimestampsCount() - 1;
        long fenced = overview.getBrokersList().stream().filter(b -> b.getState() != BrokerState.UNFENCED).count();
        text.append("Skein cluster at ").append(last < 0 ? "-" : TIME.format(Instant.ofEpochMilli(recent.getTimestamps(last))))
                .append("  brokers: ").append(overview.getBrokersCount()).append(" (").append(fenced)
                .append(" not serving)  samples every ").append(recent.getIntervalMs() / 1000.0).append(" s\n");
        for (MissingNode missing : recent.getMissingList()) {
            text.append("Missing: broker ").append(missing.getNodeId()).append(": ").append(missing.getReason())
                    .append('\n');
        }
        text.append('\n');
        Output.Table rates = new Output.Table("FIGURE", "NOW", "AVERAGE", "PEAK", "UNIT");
        for (HistorySeries series : recent.getSeriesList()) {
            rates.row(series.getName(), number(latest(series)), number(average(series)), number(peak(series)),
                    series.getUnit());
        }
        text.append(rates).append('\n');

        Output.Table brokers = new Output.Table("BROKER", "HOST", "PORT", "STATE");
        for (Broker broker : overview.getBrokersList()) {
            brokers.row(broker.getId(), broker.getHost(), broker.getPort(), broker.getState());
        }
        text.append(brokers).append('\n');

        text.append("Under-replicated partitions: ").append(overview.getUnderReplicatedCount())
                .append("  Offline partitions: ").append(overview.getOfflineCount()).append('\n');
        if (overview.getPartitionsCount() > 0) {
            Output.Table partitions = new Output.Table("TOPIC", "PARTITION", "LEADER", "REPLICAS", "ISR", "STATE");
            for (UnhealthyPartition p : overview.getPartitionsList()) {
                partitions.row(p.getTopic(), p.getPartition(), Output.dash(p.getLeader()), Output.list(p.getReplicasList()),
                        Output.list(p.getIsrList()), p.getOffline() ? "offline" : "under-replicated");
            }
            text.append(partitions);
        }
        text.append('\n');

        text.append("Groups furthest behind:");
        if (overview.getGroupsCount() == 0) {
            text.append(" none sampled\n");
        } else {
            Output.Table groups = new Output.Table("GROUP", "LAG", "LAG-SECONDS", "CONSUMED/S", "COORDINATOR");
            for (GroupLagSummary g : overview.getGroupsList()) {
                groups.row(g.getGroupId(), Output.dash(g.getLag()), Output.seconds(g.getLagMs()),
                        number(g.getConsumeRate()), g.getCoordinator());
            }
            text.append('\n').append(groups);
        }
        return text.toString();
    }

    private static double latest(HistorySeries series) {
        for (int i = series.getValuesCount() - 1; i >= 0; i--) {
            if (!Double.isNaN(series.getValues(i))) {
                return series.getValues(i);
            }
        }
        return Double.NaN;
    }

    private static double average(HistorySeries series) {
        return series.getValuesList().stream().filter(v -> !v.isNaN()).mapToDouble(Double::doubleValue).average()
                .orElse(Double.NaN);
    }

    private static double peak(HistorySeries series) {
        return series.getValuesList().stream().filter(v -> !v.isNaN()).mapToDouble(Double::doubleValue).max()
                .orElse(Double.NaN);
    }

    /** A figure with a thousands separator and at most one decimal; "-" for none. */
    private static String number(double value) {
        if (Double.isNaN(value)) {
            return "-";
        }
        return value == Math.rint(value) ? String.format(Locale.ROOT, "%,.0f", value)
                : String.format(Locale.ROOT, "%,.1f", value);
    }
}
