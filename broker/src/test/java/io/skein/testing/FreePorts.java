package io.skein.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;

/**
 * Ports free on the loopback interface right now, for nodes that bind them a moment later. They come
 * from below Linux's ephemeral range (32768-60999 by default): a port the kernel handed out for a
 * bind to port 0 is one it may hand to any outgoing connection before the node binds it, which on a
 * busy machine happened ("Address already in use"). None is given twice in one JVM, and test JVMs
 * run side by side (surefire's forks, {@code skein.test.fork} of {@code skein.test.forks}) each take
 * their own share of the range, so that two cannot pick the same port before either binds it.
 */
public final class FreePorts {
    private static final int FORKS = Integer.getInteger("skein.test.forks", 1);
    private static final int FORK = fork();
    private static final int SHARE = (32_768 - 20_000) / FORKS;
    private static final int LOWEST = 20_000 + (FORK - 1) * SHARE;
    private static final int BELOW_EPHEMERAL = LOWEST + SHARE;
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /** A free port. */
    public static int one() {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, BELOW_EPHEMERAL);
            if (!GIVEN.contains(port) && bindable(port) && GIVEN.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("No free port found in [" + LOWEST + ", " + BELOW_EPHEMERAL + ")");
    }

    /** A port p such that p and p + 1 are both free: a controller's Raft port and its controller service. */
    public static int pair() {
        return block(2);
    }

    /** A port p such that p to p + count - 1 are all free: for a script that lays out its ports from a base. */
    public static int block(int count) {
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, BELOW_EPHEMERAL - count + 1);
            if (IntStream.range(port, port + count).allMatch(p -> !GIVEN.contains(p) && bindable(p))
                    && IntStream.range(port, port + count).allMatch(GIVEN::add)) {
                return port;
            }
        }
        throw new IllegalStateException("No " + count + " consecutive free ports found in [" + LOWEST + ", "
                + BELOW_EPHEMERAL + ")");
    }

    /** This JVM's fork number, 1..FORKS; a missing one would let two forks share a range, so it fails loudly. */
    private static int fork() {
        String fork = System.getProperty("skein.test.fork", FORKS == 1 ? "1" : "");
        try {
            int number = Integer.parseInt(fork);
            if (number >= 1 && number <= FORKS) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalStateException("skein.test.fork is '" + fork + "', not a fork number in 1.." + FORKS);
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException taken) {
            return false;
        }
    }
}
