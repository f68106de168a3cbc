package io.skein.chaos.nemesis;

import io.skein.broker.coordinator.CoordinatorRuntime;
import io.skein.broker.txn.TransactionCoordinator;
import io.skein.chaos.cluster.ChaosNode;
import io.skein.chaos.history.History;
import io.skein.chaos.history.Op;
import io.skein.chaos.history.Op.Fn;
import io.skein.chaos.history.Op.Type;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.metadata.image.TopicImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * {@code pause-txn-coordinator}, {@code pause-txn-leader}: aimed at a transaction's end, where Kafka's
 * classic protocol let a delayed EndTxn end a later transaction (KAFKA-17754). While a producer's
 * transaction is under way, the node that takes its EndTxn (the leader of its {@code __transaction_state}
 * partition: its coordinator), or the leader of a partition it writes to (which takes its records and
 * markers), is frozen (SIGSTOP) the moment the producer asks to commit it ({@code Fn.COMMIT} in the
 * history; if no commit comes soon, during the transaction). What the client and the coordinator send
 * it waits in its sockets; the commit times out, its outcome unknown, and the client goes on with a new producer of the same
 * transactional id; the frozen node is fenced and its partitions move. On healing it resumes and handles
 * what it was sent, late: a delayed EndTxn, delayed markers, a delayed produce.
 */
final class PauseAroundTransaction implements Fault {
    enum Aim { COORDINATOR, LEADER }

    /** How long it waits for a transaction under way (every transactional producer reopening, say). */
    private static final Duration UNDER_WAY_BOUND = Duration.ofSeconds(20);
    /** How long it then waits for that producer to ask for a commit (a commit's moment is milliseconds). */
    private static final Duration COMMIT_BOUND = Duration.ofSeconds(10);

    private final Aim aim;
    private ChaosNode victim;

    PauseAroundTransaction(Aim aim) {
        this.aim = aim;
    }

    @Override
    public String start(Target target, Random random) throws InterruptedException {
        victim = null;
        String name = aim == Aim.COORDINATOR ? "pause-txn-coordinator" : "pause-txn-leader";
        Optional<Op> underWay = ProtocolWatch.await(UNDER_WAY_BOUND, () -> underWay(target.history().ops(), random));
        if (underWay.isEmpty()) {
            return name + ": no transaction under way within " + UNDER_WAY_BOUND.toSeconds() + " s";
        }
        Optional<Op> committing = awaitCommit(target.history(), underWay.get().process())
                .filter(op -> !op.writes().isEmpty());
        Op txn = committing.orElse(underWay.get());
        String partition;
        int leader;
        if (aim == Aim.COORDINATOR) {
            TopicImage state = target.watch().image().topic(TransactionCoordinator.TRANSACTION_STATE_TOPIC);
            if (state == null) {
                return name + ": no " + TransactionCoordinator.TRANSACTION_STATE_TOPIC + " yet";
            }
            int index = CoordinatorRuntime.partitionFor(txn.process(), state.partitions().size());
            PartitionRegistration registration = state.partition(index);
            partition = TransactionCoordinator.TRANSACTION_STATE_TOPIC + "-" + index;
            leader = registration == null ? -1 : registration.leader();
        } else {
            int index = txn.writes().get(random.nextInt(txn.writes().size())).partition();
            partition = target.watch().name(index);
            leader = target.watch().partition(index).map(ProtocolWatch.PartitionState::leader).orElse(-1);
        }
        if (leader < 0) {
            return name + ": " + partition + " had no leader";
        }
        victim = target.cluster().node(leader);
        victim.pause();
        return String.format("pause node %d, %s of %s (leader of %s), %s of history op %d", leader,
                aim == Aim.COORDINATOR ? "the transaction coordinator" : "a partition leader", txn.process(), partition,
                committing.isPresent() ? "as it commits its transaction" : "during its transaction", txn.index());
    }

    /**
     * Waits up to {@link #COMMIT_BOUND} for {@code process} to ask to commit a transaction, and returns that
     * transaction's invocation then. Polled every millisecond: the moment is short, and the history is
     * searched from its end.
     */
    private static Optional<Op> awaitCommit(History history, String process) throws InterruptedException {
        long deadline = System.nanoTime() + COMMIT_BOUND.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Op> latest = history.latest(op -> op.process().equals(process)
                    && (op.f() == Fn.TXN || op.f() == Fn.COMMIT));
            if (latest.isPresent() && latest.get().f() == Fn.COMMIT) {
                return history.latest(op -> op.process().equals(process) && op.is(Type.INVOKE, Fn.TXN));
            }
            Thread.sleep(1);
        }
        return Optional.empty();
    }

    /** A transaction invoked and not completed, of a producer chosen at random among those with one. */
    private static Optional<Op> underWay(List<Op> history, Random random) {
        Set<String> ended = new HashSet<>();
        List<Op> underWay = new ArrayList<>();
        for (int i = history.size() - 1; i >= 0; i--) {
            Op op = history.get(i);
            if (op.f() == Fn.TXN && ended.add(op.process()) && op.type() == Type.INVOKE && !op.writes().isEmpty()) {
                underWay.add(op);
            }
        }
        return underWay.isEmpty() ? Optional.empty() : Optional.of(underWay.get(random.nextInt(underWay.size())));
    }

    @Override
    public void heal(Target target) {
        if (victim != null) {
            victim.resume();
        }
    }
}
