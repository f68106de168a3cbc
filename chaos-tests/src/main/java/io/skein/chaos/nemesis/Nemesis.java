package io.skein.chaos.nemesis;

import io.skein.chaos.history.Op;
import io.skein.chaos.history.Op.Fn;
import io.skein.chaos.history.Op.Type;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * Jepsen's schedule on a thread of its own: a quiet spell, the next of the enabled faults (in turn,
 * so that a short run sees each kind; its victims are chosen at random), held for a while, healed;
 * again until told to stop. Every fault is healed before
 * {@link #stop} returns, and each one is in the history from start to healing.
 */
public final class Nemesis implements AutoCloseable {
    /**
     * How long the fault in force may take to finish and heal once the run is over: the slowest
     * (lagging-voter) writes metadata for up to 150 s and waits up to 240 s for a node to serve again.
     */
    private static final Duration FINISH_WITHIN = Duration.ofMinutes(10);

    private final Target target;
    private final List<String> faults;
    private final Duration quiet;
    private final Duration hold;
    private final Random random;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Exception failure;

    public Nemesis(Target target, List<String> faults, Duration quiet, Duration hold, long seed) {
        faults.forEach(Fault::named); // unknown names fail here, not in the middle of a run
        this.target = target;
        this.faults = List.copyOf(faults);
        this.quiet = quiet;
        this.hold = hold;
        this.random = new Random(seed);
        this.thread = new Thread(this::run, "nemesis");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        int round = 0;
        try {
            while (running) {
                if (!sleep(quiet)) {
                    return;
                }
                Fault fault = Fault.named(faults.get(round++ % faults.size()));
                String what = fault.start(target, random);
                Op started = target.history().invoke("nemesis", Fn.NEMESIS, null, what);
                sleep(hold);
                fault.heal(target);
                target.history().complete(started, Type.OK, null, null, null);
            }
        } catch (Exception e) {
            failure = e;
        }
    }

    /** Sleeps unless stopped; returns whether it slept the whole time. */
    private boolean sleep(Duration duration) throws InterruptedException {
        long deadline = System.nanoTime() + duration.toNanos();
        while (running && System.nanoTime() < deadline) {
            Thread.sleep(Math.min(100, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
        }
        return running;
    }

    /** Ends the schedule: the fault in force, if any, is finished and healed first. */
    @Override
    public void close() throws Exception {
        running = false;
        thread.join(FINISH_WITHIN.toMillis());
        if (failure != null) {
            throw new IllegalStateException("The nemesis failed", failure);
        }
        if (thread.isAlive()) {
            throw new IllegalStateException("The nemesis did not finish its fault and heal it within " + FINISH_WITHIN);
        }
    }
}
