package io.skein.metadata.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.skein.metadata.image.ImageRecords;
import io.skein.metadata.image.ScramCredentialData;
import io.skein.proto.Uuids;
import io.skein.proto.controller.AlterConfigsRequest;
import io.skein.proto.controller.AlterConfigsResponse;
import io.skein.proto.controller.BrokerHeartbeatRequest;
import io.skein.proto.controller.BrokerHeartbeatResponse;
import io.skein.proto.controller.ConfigChange;
import io.skein.proto.controller.CreatableTopic;
import io.skein.proto.controller.CreateTopicsRequest;
import io.skein.proto.controller.CreateTopicsResponse;
import io.skein.proto.controller.Error;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.RegisterBrokerRequest;
import io.skein.proto.metadata.ConfigResourceType;
import io.skein.proto.metadata.MetadataRecordBatch;
import io.skein.proto.metadata.ScramMechanism;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What QuorumController itself does — activation, answering only as the leader, the view of records
 * in flight, renouncing, the session timer — over a metadata log in memory whose commits and
 * leadership the test drives. The managers' rules have tests of their own; the real quorum has
 * {@link QuorumControllerTest}.
 */
class QuorumControllerLocalTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final LocalQuorum quorum = new LocalQuorum(1);
    private final TestClock clock = new TestClock();
    private final QuorumController controller = new QuorumController(quorum,
            new ControllerSettings("cluster", 1_000, 1, 1, 1_000, false, 0),
            (type, name, configs) -> Optional.empty(), clock);

    @AfterEach
    void close() {
        controller.close();
    }

    /** Commits the one append {@code response} waits for, once the controller has made it, and returns the answer. */
    private <T> T committed(CompletableFuture<T> response) throws Exception {
        await().atMost(WAIT).until(() -> quorum.pendingAppends() == 1);
        assertFalse(response.isDone(), "answered before its records committed");
        quorum.commit();
        return response.get(30, TimeUnit.SECONDS);
    }

    private CompletableFuture<AlterConfigsResponse> setClusterDefault(String key) {
        return controller.alterConfigs(AlterConfigsRequest.newBuilder().addChanges(ConfigChange.newBuilder()
                .setResourceType(ConfigResourceType.BROKER).setResourceName("").setName(key).setValue("1")).build());
    }

    private CompletableFuture<CreateTopicsResponse> createTopic(String name) {
        return controller.createTopics(CreateTopicsRequest.newBuilder().addTopics(CreatableTopic.newBuilder()
                .setName(name).setNumPartitions(1).setReplicationFactor(1)).build());
    }

    /** Registers broker 1 and unfences it, committing each step; the answer that unfenced it. */
    private BrokerHeartbeatResponse joinBroker() throws Exception {
        long epoch = committed(controller.registerBroker(RegisterBrokerRequest.newBuilder().setBrokerId(1)
                .setClusterId("cluster").setIncarnationId(Uuids.toProto(UUID.randomUUID()))
                .addLogDirIds(Uuids.toProto(UUID.randomUUID())).build())).getBrokerEpoch();
        BrokerHeartbeatResponse unfenced = committed(controller.brokerHeartbeat(heartbeat(epoch)));
        assertFalse(unfenced.getIsFenced());
        return unfenced;
    }

    private BrokerHeartbeatRequest heartbeat(long epoch) {
        return BrokerHeartbeatRequest.newBuilder().setBrokerId(1).setBrokerEpoch(epoch)
                .setCurrentMetadataOffset(quorum.image().offset()).build();
    }

    @Test
    void aNodeThatDoesNotLeadAnswersNotControllerNamingTheLeaderAndActsOnceItLeads() throws Exception {
        quorum.follow(2);
        Error refused = setClusterDefault("a").get(30, TimeUnit.SECONDS).getError();
        assertEquals(ErrorCode.NOT_CONTROLLER, refused.getCode());
        assertEquals(2, refused.getLeaderId());
        assertEquals(0, quorum.pendingAppends());

        quorum.lead();
        await().atMost(WAIT).until(controller::isActive);
        assertEquals(ErrorCode.NONE, committed(setClusterDefault("a")).getError().getCode());
    }

    @Test
    void aRequestSeesTheRecordsOfOneInFlightAndIsAnsweredOnceItsOwnAreCommitted() throws Exception {
        quorum.lead();
        joinBroker();

        CompletableFuture<CreateTopicsResponse> first = createTopic("orders");
        await().atMost(WAIT).until(() -> quorum.pendingAppends() == 1);
        CreateTopicsResponse second = createTopic("orders").get(30, TimeUnit.SECONDS);
        assertEquals(ErrorCode.TOPIC_ALREADY_EXISTS, second.getTopics(0).getError().getCode());
        assertFalse(first.isDone());

        quorum.commit();
        CreateTopicsResponse created = first.get(30, TimeUnit.SECONDS);
        assertEquals(ErrorCode.NONE, created.getTopics(0).getError().getCode());
        assertEquals(quorum.image().offset(), created.getMetadataOffset(), "the offset its records committed at");
    }

    @Test
    void aHeartbeatCarriesTheOffsetItsRecordsCommittedAtOrElseTheOffsetCommittedWhenItWasAnswered()
            throws Exception {
        quorum.lead();
        BrokerHeartbeatResponse unfenced = joinBroker();
        assertEquals(quorum.image().offset(), unfenced.getMetadataOffset(), "the offset its unfencing committed at");
        long epoch = quorum.image().broker(1).epoch();
        committed(createTopic("orders"));

        BrokerHeartbeatResponse renewed = controller.brokerHeartbeat(heartbeat(epoch)).get(30, TimeUnit.SECONDS);
        assertFalse(renewed.getIsFenced());
        assertEquals(quorum.image().offset(), renewed.getMetadataOffset());
        assertTrue(renewed.getMetadataOffset() > unfenced.getMetadataOffset());
        assertEquals(1_000, renewed.getSessionTimeoutMs());
    }

    @Test
    void theFirstActiveControllerOfANewClusterWritesTheBootstrapRecordsFirstAndOnlyOnce() throws Exception {
        MetadataRecordBatch bootstrap = MetadataRecordBatch.newBuilder().addRecords(ImageRecords.scramCredentialRecord(
                "admin", ScramMechanism.SCRAM_SHA_512, new ScramCredentialData(ByteString.copyFromUtf8("salt"),
                        ByteString.copyFromUtf8("stored"), ByteString.copyFromUtf8("server"), 4096))).build();
        try (QuorumController bootstrapping = new QuorumController(quorum, new ControllerSettings("cluster", 1_000, 1,
                1, 1_000, false, 0).withBootstrap(bootstrap), (type, name, configs) -> Optional.empty(), clock)) {
            quorum.lead();
            await().atMost(WAIT).until(() -> quorum.pendingAppends() == 1);
            quorum.commit();
            assertEquals(4096, quorum.image().scramCredential("admin", ScramMechanism.SCRAM_SHA_512).iterations());

            quorum.follow(2);
            quorum.lead(); // a later leader finds metadata committed: the cluster is not new
            await().atMost(WAIT).until(bootstrapping::isActive);
            AlterConfigsResponse after = committed(bootstrapping.alterConfigs(AlterConfigsRequest.newBuilder()
                    .addChanges(ConfigChange.newBuilder().setResourceType(ConfigResourceType.BROKER)
                            .setResourceName("").setName("after").setValue("1")).build()));
            assertEquals(ErrorCode.NONE, after.getError().getCode(), "its one append was this, not the bootstrap again");
        }
    }

    @Test
    void aFailedAppendRenouncesAndTheRequestIsToldToRetryElsewhere() throws Exception {
        quorum.lead();
        await().atMost(WAIT).until(controller::isActive);

        CompletableFuture<AlterConfigsResponse> lost = setClusterDefault("a");
        await().atMost(WAIT).until(() -> quorum.pendingAppends() == 1);
        quorum.failPending();

        assertEquals(ErrorCode.NOT_CONTROLLER, lost.get(30, TimeUnit.SECONDS).getError().getCode());
        assertFalse(controller.isActive());
        assertEquals(ErrorCode.NOT_CONTROLLER, setClusterDefault("b").get(30, TimeUnit.SECONDS).getError().getCode());
        assertEquals(0, quorum.pendingAppends());
    }

    @Test
    void leadershipMovingElsewhereRenounces() throws Exception {
        quorum.lead();
        await().atMost(WAIT).until(controller::isActive);

        quorum.follow(3);
        await().atMost(WAIT).until(() -> !controller.isActive());
        assertEquals(3, setClusterDefault("a").get(30, TimeUnit.SECONDS).getError().getLeaderId());
    }

    @Test
    void theSessionTimerFencesABrokerSilentForASessionTimeout() throws Exception {
        quorum.lead();
        joinBroker();

        clock.advance(1_000);
        await().atMost(WAIT).until(() -> quorum.pendingAppends() == 1);
        quorum.commit();
        assertTrue(quorum.image().broker(1).fenced());
    }
}
