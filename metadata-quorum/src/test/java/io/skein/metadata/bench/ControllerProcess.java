package io.skein.metadata.bench;

import io.skein.metadata.controller.ControllerServer;
import io.skein.metadata.controller.ControllerSettings;
import io.skein.metadata.quorum.QuorumSettings;
import io.skein.metadata.quorum.Voter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * One controller node as its own process, for benchmarks that kill processes (the node's real main
 * arrives with the broker). Args: id, voters ("1@host:port,..."), controller RPC port, data dir, and
 * optionally an election timeout in ms.
 * Prints READY once serving; runs until killed or its stdin closes.
 */
public final class ControllerProcess {
    static final String CLUSTER_ID = "bench-cluster";

    private ControllerProcess() {
    }

    public static void main(String[] args) throws Exception {
        int id = Integer.parseInt(args[0]);
        List<Voter> voters = Arrays.stream(args[1].split(",")).map(Voter::parse).toList();
        Voter self = voters.stream().filter(v -> v.id() == id).findFirst().orElseThrow();
        QuorumSettings quorum = QuorumSettings.of(id, self.host(), self.port(), voters, CLUSTER_ID, Path.of(args[3]));
        if (args.length > 4) {
            quorum = quorum.withElectionTimeout(Duration.ofMillis(Long.parseLong(args[4])));
        }
        ControllerServer server = ControllerServer.start(quorum,
                ControllerSettings.defaults(CLUSTER_ID), self.host(), Integer.parseInt(args[2]),
                (type, name, configs) -> Optional.empty(), Clock.systemUTC());
        System.out.println("READY");
        System.out.flush();
        while (System.in.read() >= 0) {
            // serve until the parent closes stdin (or kills the process)
        }
        server.close();
    }
}
