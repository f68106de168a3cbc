package io.skein.chaos.workload;

import io.skein.chaos.history.History;
import io.skein.chaos.history.Op.Write;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * Jepsen's transactional sends: each transaction sends two to four unique values, each to a partition
 * chosen at random (so most span several partitions), then commits; one in five is aborted on purpose
 * once its sends are acknowledged, so that aborted records and markers sit among the committed ones.
 */
final class TransactionalProducer extends TransactionalClient {
    private static final int ABORT_ONE_IN = 5;

    private final int partitions;
    private final Random random;

    TransactionalProducer(String name, Map<String, Object> client, String topic, int partitions, History history,
                          BooleanSupplier running, Duration pause, long seed) {
        super(name, client, topic, history, running, pause);
        this.partitions = partitions;
        this.random = new Random(seed);
    }

    @Override
    protected Plan plan(long n) {
        int sends = 2 + random.nextInt(3);
        List<Write> writes = new ArrayList<>(sends);
        for (int i = 0; i < sends; i++) {
            writes.add(new Write(random.nextInt(partitions), name + "-" + n + "-" + i, null));
        }
        return new Plan(writes, null, random.nextInt(ABORT_ONE_IN) == 0);
    }
}
