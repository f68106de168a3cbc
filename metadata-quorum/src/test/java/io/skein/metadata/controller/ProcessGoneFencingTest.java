package io.skein.metadata.controller;

import static io.skein.metadata.controller.QuorumControllerTest.createNewTopic;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.loader.MetadataLoader;
import io.skein.metadata.quorum.MetadataQuorum;
import io.skein.proto.metadata.FenceBrokerRecord;
import io.skein.proto.metadata.MetadataRecord;
import io.skein.proto.metadata.MetadataRecordBatch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker whose process is gone is fenced before its session times out, and no other is: real
 * voters, a real metadata stream (through a relay the test resets, as a dead process's kernel resets
 * its connections) and real listener sockets. The session timeout (60 s on the test's clock) is never
 * reached: a fencing here is the process-gone one, as its record says.
 */
class ProcessGoneFencingTest {
    private static final long SESSION_MS = 60_000;
    private static final long GRACE_MS = 200;
    private static final ControllerSettings SETTINGS = new ControllerSettings(TestControllers.CLUSTER_ID, SESSION_MS,
            GRACE_MS, 1, 1, 1_000, false, 0, MetadataRecordBatch.getDefaultInstance());

    @TempDir
    Path dir;

    /**
     * One voter, and broker 1 registered and unfenced, following the log through a relay the test can
     * reset, and leading the one partition of topic "led"; {@code fences} from then on.
     */
    private record StreamingBroker(TestControllers controllers, ResettingRelay relay, MetadataLoader loader,
                                   TestControllers.Broker broker, List<FenceBrokerRecord> fences)
            implements AutoCloseable {
        static StreamingBroker start(Path dir) throws Exception {
            TestControllers controllers = TestControllers.start(dir, 1, SETTINGS);
            ResettingRelay relay = new ResettingRelay(controllers.rpcAddress(1));
            MetadataLoader loader = MetadataLoader.start(1, Map.of(1, relay.address()));
            StreamingBroker started = new StreamingBroker(controllers, relay, loader, controllers.broker(1),
                    fencesCommittedBy(controllers.active().quorum()));
            try {
                started.broker.join();
                createNewTopic(controllers.client(), "led", 1, 1);
                await().atMost(Duration.ofSeconds(30)).until(() -> loader.image().topic("led") != null);
                return started;
            } catch (RuntimeException e) {
                started.close();
                throw e;
            }
        }

        @Override
        public void close() throws Exception {
            loader.close();
            relay.close();
            controllers.close();
        }
    }

    @Test
    void aBrokerWhoseStreamsConnectionResetsAndWhoseListenerRefusesIsFencedAsGone() throws Exception {
        try (StreamingBroker streaming = StreamingBroker.start(dir)) {
            TestControllers controllers = streaming.controllers();
            streaming.broker().crash(); // its process dies: its listener refuses, its connections reset, it streams no more
            streaming.relay().reset();
            streaming.loader().close();
            awaitAdvancingTheClock(controllers, () -> image(controllers).broker(1).fenced());

            List<FenceBrokerRecord> fences = streaming.fences();
            assertEquals(1, fences.size());
            assertTrue(fences.get(0).getProcessGone(), "fenced as gone, not by its session: " + fences);
            assertFalse(image(controllers).topic("led").partition(0).hasLeader(), "its leadership went with it");
            assertEquals(1, controllers.active().controller().brokerProbes().refused());
        }
    }

    @Test
    void aBrokerWhoseStreamsConnectionResetsButWhoseListenerAcceptsKeepsItsSession() throws Exception {
        try (StreamingBroker streaming = StreamingBroker.start(dir)) {
            TestControllers controllers = streaming.controllers();
            streaming.relay().reset(); // a middlebox's reset, say, while the broker is paused: no heartbeat comes either
            QuorumController controller = controllers.active().controller();
            awaitAdvancingTheClock(controllers, () -> controller.brokerProbes().accepted() == 1);

            assertEquals(0, controller.brokerProbes().refused());
            assertFalse(image(controllers).broker(1).fenced());
            assertEquals(List.of(), streaming.fences());
            assertEquals(1, image(controllers).topic("led").partition(0).leader());
        }
    }

    @Test
    void everyBrokerIsSuspectedWhenAControllerTakesOverAndOnlyOneThatIsGoneIsFenced() throws Exception {
        try (TestControllers controllers = TestControllers.start(dir, 3, SETTINGS)) {
            TestControllers.Broker gone = controllers.broker(1).join();
            controllers.broker(2).join();
            createNewTopic(controllers.client(), "both", 1, 2);
            int killed = controllers.activeId();
            List<FenceBrokerRecord> fences = fencesCommittedBy(controllers.running().stream()
                    .filter(voter -> voter.quorum().nodeId() != killed).findFirst().orElseThrow().quorum());

            gone.crash(); // as a combined node's broker dies with the active controller in its process
            controllers.stop(killed);
            QuorumController next = await().atMost(Duration.ofSeconds(60)).until(
                    () -> controllers.active().controller(), controller -> controller != null);
            awaitAdvancingTheClock(controllers, () -> image(controllers).broker(1).fenced()
                    && next.brokerProbes().accepted() == 1);

            assertEquals(1, fences.size(), fences.toString());
            assertEquals(1, fences.get(0).getBrokerId());
            assertTrue(fences.get(0).getProcessGone());
            assertFalse(image(controllers).broker(2).fenced(), "its listener accepts: it keeps its session");
            assertEquals(2, image(controllers).topic("both").partition(0).leader());
        }
    }

    /**
     * Waits for {@code done}, moving the test's clock on by a grace at each look: the grace starts when the
     * controller hears of the lost connection, which the test cannot see. Well short of the session timeout.
     */
    private static void awaitAdvancingTheClock(TestControllers controllers, BooleanSupplier done) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
            controllers.clock.advance(GRACE_MS);
            return done.getAsBoolean();
        });
    }

    private static MetadataImage image(TestControllers controllers) {
        return controllers.active().quorum().image();
    }

    /** The fencing records {@code quorum} commits from now on. */
    private static List<FenceBrokerRecord> fencesCommittedBy(MetadataQuorum quorum) {
        List<FenceBrokerRecord> fences = new CopyOnWriteArrayList<>();
        quorum.addPublisher((delta, image) -> delta.records().stream().filter(MetadataRecord::hasFenceBroker)
                .forEach(record -> fences.add(record.getFenceBroker())));
        return fences;
    }
}
