package io.skein.metadata.controller;

import static io.skein.metadata.controller.TestImages.apply;
import static io.skein.metadata.controller.TestImages.brokers;
import static io.skein.metadata.controller.TestImages.epoch;
import static io.skein.metadata.controller.TestImages.image;
import static io.skein.metadata.controller.TestImages.incarnation;
import static io.skein.metadata.controller.TestImages.logDir;
import static io.skein.metadata.controller.TestImages.partition;
import static io.skein.metadata.controller.TestImages.registerBroker;
import static io.skein.metadata.controller.TestImages.topic;
import static io.skein.metadata.controller.TestImages.topicConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.image.BrokerRegistration;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.PartitionRegistration;
import io.skein.proto.Uuids;
import io.skein.proto.controller.BrokerHeartbeatRequest;
import io.skein.proto.controller.BrokerHeartbeatResponse;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.RegisterBrokerRequest;
import io.skein.proto.controller.RegisterBrokerResponse;
import io.skein.proto.metadata.Endpoint;
import io.skein.proto.metadata.FenceBrokerRecord;
import io.skein.proto.metadata.MetadataRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Registration, sessions, fencing and unfencing, from records alone. */
class BrokerControlManagerTest {
    private static final long SESSION_MS = 1_000;
    private static final long GRACE_MS = 100;
    /** What the quorum says it has committed, as the controller passes it in. */
    private static final long COMMITTED_OFFSET = 77;
    private static final UUID ORDERS = new UUID(2, 1);
    private static final UUID EVENTS = new UUID(2, 2);

    private final BrokerControlManager brokers = new BrokerControlManager("cluster", SESSION_MS, GRACE_MS,
            new ConfigControlManager((type, name, configs) -> Optional.empty(), false));

    /** Brokers 1-3 unfenced; orders-0 led by 1 with a replica order unlike its ISR's; orders-1 led by 2; orders-2 by 1 alone. */
    private static MetadataImage cluster(MetadataRecord... more) {
        List<MetadataRecord> records = new ArrayList<>(brokers(3));
        records.add(topic("orders", ORDERS));
        records.add(partition(ORDERS, 0, List.of(1, 3, 2), List.of(1, 2, 3), 1));
        records.add(partition(ORDERS, 1, List.of(2, 3, 1), List.of(2, 3, 1), 2));
        records.add(partition(ORDERS, 2, List.of(1, 2), List.of(1), 1));
        records.addAll(List.of(more));
        return image(records);
    }

    private static RegisterBrokerRequest registration(int id, UUID incarnation, UUID logDir) {
        return RegisterBrokerRequest.newBuilder().setBrokerId(id).setClusterId("cluster")
                .setIncarnationId(Uuids.toProto(incarnation)).addLogDirIds(Uuids.toProto(logDir))
                .setHttpEndpoint(Endpoint.newBuilder().setName("HTTP").setHost("10.0.0." + id).setPort(9096)).build();
    }

    private static BrokerHeartbeatRequest.Builder heartbeat(int id, long epoch, long metadataOffset) {
        return BrokerHeartbeatRequest.newBuilder().setBrokerId(id).setBrokerEpoch(epoch)
                .setCurrentMetadataOffset(metadataOffset);
    }

    private ControllerResult<BrokerHeartbeatResponse> heartbeat(MetadataImage view, int id, long nowMs) {
        return brokers.brokerHeartbeat(view, heartbeat(id, epoch(id), view.offset()).build(), nowMs, COMMITTED_OFFSET);
    }

    private static List<Integer> ids(List<BrokerRegistration> registrations) {
        return registrations.stream().map(BrokerRegistration::id).toList();
    }

    // ---------------------------------------------------------------- sessions and fencing

    @Test
    void aBrokerSilentForASessionTimeoutExpiresAndOthersDoNot() {
        MetadataImage view = cluster();
        brokers.activate(view, 0, view.offset());
        heartbeat(view, 2, 600);
        heartbeat(view, 3, 600);

        assertEquals(List.of(), ids(brokers.expiredSessions(view, SESSION_MS - 1)));
        assertEquals(List.of(1), ids(brokers.expiredSessions(view, SESSION_MS)));
        assertEquals(List.of(1, 2, 3), ids(brokers.expiredSessions(view, 600 + SESSION_MS)).stream().sorted().toList());
    }

    @Test
    void activationGivesEveryBrokerAFreshSession() {
        MetadataImage view = cluster();
        brokers.activate(view, 0, view.offset());
        assertEquals(3, brokers.expiredSessions(view, 5_000).size());

        brokers.activate(view, 5_000, view.offset());
        assertEquals(List.of(), ids(brokers.expiredSessions(view, 5_000 + SESSION_MS - 1)));
    }

    @Test
    void aStaleHeartbeatIsRefusedAndDoesNotRenewTheSession() {
        MetadataImage view = cluster();
        brokers.activate(view, 0, view.offset());

        ControllerResult<BrokerHeartbeatResponse> stale = brokers.brokerHeartbeat(view,
                heartbeat(1, epoch(1) - 1, view.offset()).build(), 900, COMMITTED_OFFSET);
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, stale.response().getError().getCode());
        assertTrue(stale.response().getIsFenced());
        assertEquals(List.of(), stale.records());
        ControllerResult<BrokerHeartbeatResponse> unknown = brokers.brokerHeartbeat(view,
                heartbeat(9, 1, view.offset()).build(), 900, COMMITTED_OFFSET);
        assertEquals(ErrorCode.BROKER_ID_NOT_REGISTERED, unknown.response().getError().getCode());
        assertTrue(brokers.expiredSessions(view, SESSION_MS).stream().anyMatch(b -> b.id() == 1));
    }

    @Test
    void aHeartbeatIsAnsweredWithTheCommittedOffsetAndTheSessionTimeoutThatBoundTheBrokersLease() {
        MetadataImage view = cluster();
        brokers.activate(view, 0, view.offset());

        BrokerHeartbeatResponse answer = heartbeat(view, 1, 10).response();
        assertFalse(answer.getIsFenced());
        assertEquals(COMMITTED_OFFSET, answer.getMetadataOffset());
        assertEquals(SESSION_MS, answer.getSessionTimeoutMs());
    }

    @Test
    void aFencedBrokerLeavesEveryIsrAndItsLeadershipsGoToTheNextIsrMemberInReplicaOrder() {
        MetadataImage view = cluster();
        brokers.activate(view, 0, view.offset());
        heartbeat(view, 2, 600);
        heartbeat(view, 3, 600);
        List<BrokerRegistration> expired = brokers.expiredSessions(view, SESSION_MS);
        assertEquals(List.of(1), ids(expired));

        MetadataImage after = apply(view, brokers.fenceExpired(view, expired.get(0)));

        assertTrue(after.broker(1).fenced());
        assertFalse(after.broker(1).shuttingDown());
        PartitionRegistration p0 = after.topic(ORDERS).partition(0);
        assertEquals(3, p0.leader(), "replica order [1, 3, 2], not ISR order, picks the next leader");
        assertEquals(List.of(2, 3), p0.isr());
        assertEquals(4, p0.leaderEpoch());
        assertEquals(8, p0.partitionEpoch());
        PartitionRegistration p1 = after.topic(ORDERS).partition(1);
        assertEquals(2, p1.leader());
        assertEquals(List.of(2, 3), p1.isr());
        assertEquals(3, p1.leaderEpoch(), "a follower leaving moves the partition epoch only");
        assertEquals(8, p1.partitionEpoch());
        PartitionRegistration p2 = after.topic(ORDERS).partition(2);
        assertEquals(PartitionRegistration.NO_LEADER, p2.leader(), "the last ISR member went: offline, not unclean");
        assertEquals(List.of(), p2.isr());
        assertEquals(1, p2.lastKnownLeader());
    }

    @Test
    void anOfflinePartitionGoesToALiveReplicaOutsideTheIsrOnlyWhereUncleanElectionIsAllowed() {
        MetadataImage view = cluster(topic("events", EVENTS), partition(EVENTS, 0, List.of(1, 2), List.of(1), 1),
                topicConfig("events", "unclean.leader.election.enable", "true"));
        brokers.activate(view, 0, view.offset());

        MetadataImage after = apply(view, brokers.fenceExpired(view, view.broker(1)));

        assertEquals(PartitionRegistration.NO_LEADER, after.topic(ORDERS).partition(2).leader());
        PartitionRegistration unclean = after.topic(EVENTS).partition(0);
        assertEquals(2, unclean.leader());
        assertEquals(List.of(2), unclean.isr());
        assertEquals(PartitionRegistration.NO_LEADER, unclean.lastKnownLeader());
    }

    @Test
    void anExpiredSessionOfAnEarlierRegistrationOrAFencedBrokerFencesNothing() {
        MetadataImage view = cluster();
        brokers.activate(view, 0, view.offset());
        BrokerRegistration expired = view.broker(1);

        MetadataImage registeredAgain = apply(view, ControllerResult.of(List.of(registerBroker(1, 500),
                TestImages.unfence(1, 500)), null));
        assertEquals(List.of(), brokers.fenceExpired(registeredAgain, expired).records(), "a new, unfenced epoch");
        MetadataImage fenced = apply(view, brokers.fenceExpired(view, expired));
        assertEquals(List.of(), brokers.fenceExpired(fenced, expired).records());
    }

    @Test
    void aControlledShutdownMovesLeadershipsAndFencesWithTheFlag() {
        MetadataImage view = cluster();
        brokers.activate(view, 0, view.offset());

        ControllerResult<BrokerHeartbeatResponse> shutdown = brokers.brokerHeartbeat(view,
                heartbeat(1, epoch(1), view.offset()).setWantShutDown(true).build(), 10, COMMITTED_OFFSET);
        assertTrue(shutdown.response().getIsFenced());
        assertTrue(shutdown.response().getShouldShutDown());
        MetadataImage after = apply(view, shutdown);
        assertTrue(after.broker(1).fenced());
        assertTrue(after.broker(1).shuttingDown());
        assertEquals(3, after.topic(ORDERS).partition(0).leader());

        ControllerResult<BrokerHeartbeatResponse> again = brokers.brokerHeartbeat(after,
                heartbeat(1, epoch(1), view.offset()).setWantShutDown(true).build(), 20, COMMITTED_OFFSET);
        assertEquals(List.of(), again.records());
        assertTrue(again.response().getShouldShutDown());
    }

    // ---------------------------------------------------------------- a process found gone

    @Test
    void aBrokerWhoseStreamLostItsConnectionIsProbedAfterTheGraceUnlessItHeartbeats() {
        MetadataImage view = cluster();
        brokers.activate(view, 0, view.offset());
        heartbeat(view, 1, 10);
        heartbeat(view, 2, 10);
        heartbeat(view, 3, 10); // no broker is suspected any more for the controller's own takeover

        assertTrue(brokers.streamConnectionLost(view, 1, 500));
        assertTrue(brokers.streamConnectionLost(view, 2, 500));
        assertEquals(List.of(), brokers.suspectsToProbe(view, 500 + GRACE_MS - 1), "its grace is not over");
        heartbeat(view, 2, 520);
        assertEquals(List.of(1), ids(brokers.suspectsToProbe(view, 500 + GRACE_MS)), "2 heartbeat since");
        assertEquals(List.of(), brokers.suspectsToProbe(view, 500 + GRACE_MS), "1 is being probed already");
        assertEquals(List.of(), ids(brokers.expiredSessions(view, 500 + GRACE_MS)), "its session runs on meanwhile");
    }

    @Test
    void aSuspectWhoseListenersAllRefuseIsFencedAsGoneWithItsLeadershipsMoved() {
        MetadataImage view = cluster();
        brokers.activate(view, 0, view.offset());
        brokers.streamConnectionLost(view, 1, 10);
        BrokerRegistration probed = brokers.suspectsToProbe(view, 10 + GRACE_MS).get(0);

        ControllerResult<Void> fenced = brokers.fenceGone(view, probed);
        FenceBrokerRecord fence = fenced.records().stream().filter(MetadataRecord::hasFenceBroker).findFirst()
                .orElseThrow().getFenceBroker();
        assertTrue(fence.getProcessGone());
        assertFalse(fence.getControlledShutdown());
        MetadataImage after = apply(view, fenced);
        assertTrue(after.broker(1).fenced());
        assertFalse(after.broker(1).shuttingDown());
        assertEquals(3, after.topic(ORDERS).partition(0).leader());
        assertEquals(List.of(), brokers.fenceGone(after, probed).records(), "once only");
    }

    @Test
    void aSuspectThatHeartbeatOrRegisteredAgainWhileItWasProbedOrWhoseListenersAcceptIsNotFenced() {
        MetadataImage view = cluster();
        brokers.activate(view, 0, view.offset());
        List<BrokerRegistration> probed = brokers.suspectsToProbe(view, GRACE_MS); // every broker, at the takeover
        assertEquals(List.of(1, 2, 3), ids(probed).stream().sorted().toList());

        heartbeat(view, 1, GRACE_MS + 1);
        assertEquals(List.of(), brokers.fenceGone(view, view.broker(1)).records(), "it heartbeat during the probe");
        MetadataImage registeredAgain = apply(view, ControllerResult.of(List.of(registerBroker(2, 500),
                TestImages.unfence(2, 500)), null));
        assertEquals(List.of(), brokers.fenceGone(registeredAgain, view.broker(2)).records(), "another epoch");
        brokers.listenersAccept(view.broker(3));
        assertEquals(List.of(), brokers.fenceGone(view, view.broker(3)).records(), "its listeners accepted");
        assertEquals(List.of(), brokers.suspectsToProbe(view, 5 * GRACE_MS), "and none is suspected any more");
    }

    @Test
    void aFencedBrokerOrAGraceAsLongAsTheSessionSuspectsNoOne() {
        MetadataImage view = cluster();
        MetadataImage oneFenced = apply(view, brokers.fenceExpired(view, view.broker(1)));
        brokers.activate(oneFenced, 0, oneFenced.offset());
        assertEquals(List.of(2, 3), ids(brokers.suspectsToProbe(oneFenced, GRACE_MS)).stream().sorted().toList());
        assertFalse(brokers.streamConnectionLost(oneFenced, 1, 200));
        assertFalse(brokers.streamConnectionLost(oneFenced, 9, 200), "not registered");

        BrokerControlManager sessionsOnly = new BrokerControlManager("cluster", SESSION_MS, SESSION_MS,
                new ConfigControlManager((type, name, configs) -> Optional.empty(), false));
        sessionsOnly.activate(view, 0, view.offset());
        assertFalse(sessionsOnly.streamConnectionLost(view, 1, 10));
        assertEquals(List.of(), sessionsOnly.suspectsToProbe(view, SESSION_MS));
    }

    // ---------------------------------------------------------------- registration and unfencing

    @Test
    void aNewBrokerStartsFencedWithAnEpochAboveEveryEpochAndOffset() {
        MetadataImage view = cluster();
        brokers.activate(view, 0, view.offset());

        ControllerResult<RegisterBrokerResponse> result = brokers.registerBroker(view,
                registration(4, UUID.randomUUID(), UUID.randomUUID()), 0);
        assertEquals(ErrorCode.NONE, result.response().getError().getCode());
        assertEquals(view.offset() + 1, result.response().getBrokerEpoch(), "the offset is above every epoch");
        assertTrue(apply(view, result).broker(4).fenced());
        assertEquals("10.0.0.4", apply(view, result).broker(4).http().getHost(), "where the others reach its history");

        MetadataImage highEpoch = cluster(registerBroker(5, 500));
        assertEquals(501, brokers.registerBroker(highEpoch, registration(6, UUID.randomUUID(), UUID.randomUUID()), 0)
                .response().getBrokerEpoch());
    }

    @Test
    void aRetryOfARegistrationGetsItsEpochAndABrokerOfAnotherClusterIsRefused() {
        MetadataImage view = cluster();
        brokers.activate(view, 0, view.offset());

        ControllerResult<RegisterBrokerResponse> retry = brokers.registerBroker(view,
                registration(1, incarnation(1), logDir(1)), 0);
        assertEquals(epoch(1), retry.response().getBrokerEpoch());
        assertEquals(List.of(), retry.records());
        ControllerResult<RegisterBrokerResponse> other = brokers.registerBroker(view,
                registration(7, UUID.randomUUID(), UUID.randomUUID()).toBuilder().setClusterId("other").build(), 0);
        assertEquals(ErrorCode.INCONSISTENT_CLUSTER_ID, other.response().getError().getCode());
        assertEquals(List.of(), other.records());
    }

    @Test
    void aRestartOnTheSameLogDirectoriesReplacesTheRegistrationAndMovesItsPartitionsAtOnce() {
        MetadataImage view = cluster();
        brokers.activate(view, 0, view.offset());

        ControllerResult<RegisterBrokerResponse> restart = brokers.registerBroker(view,
                registration(1, UUID.randomUUID(), logDir(1)), 10);
        assertEquals(ErrorCode.NONE, restart.response().getError().getCode());
        MetadataImage after = apply(view, restart);
        assertTrue(after.broker(1).fenced());
        assertEquals(restart.response().getBrokerEpoch(), after.broker(1).epoch());
        after.topic(ORDERS).partitions().values().forEach(p -> assertFalse(p.isr().contains(1), p.toString()));
        assertEquals(1, after.topic(ORDERS).partition(2).lastKnownLeader(), "its data is still on those directories");
    }

    @Test
    void anotherProcessWithOtherLogDirectoriesIsRefusedWhileTheOldSessionLivesAndForgetsItsDataAfter() {
        MetadataImage view = cluster();
        brokers.activate(view, 0, view.offset());
        RegisterBrokerRequest impostor = registration(1, UUID.randomUUID(), UUID.randomUUID());
        assertEquals(ErrorCode.DUPLICATE_BROKER_REGISTRATION,
                brokers.registerBroker(view, impostor, 0).response().getError().getCode(), "broker 1 is unfenced");

        MetadataImage fenced = apply(view, brokers.fenceExpired(view, view.broker(1)));
        assertEquals(1, fenced.topic(ORDERS).partition(2).lastKnownLeader());
        assertEquals(ErrorCode.DUPLICATE_BROKER_REGISTRATION,
                brokers.registerBroker(fenced, impostor, SESSION_MS - 1).response().getError().getCode(),
                "fenced, but its session has not expired");

        ControllerResult<RegisterBrokerResponse> replacement = brokers.registerBroker(fenced, impostor, SESSION_MS);
        assertEquals(ErrorCode.NONE, replacement.response().getError().getCode());
        assertEquals(PartitionRegistration.NO_LEADER,
                apply(fenced, replacement).topic(ORDERS).partition(2).lastKnownLeader(),
                "the new process does not have the data broker 1 last led");
    }

    /**
     * A broker registered before this controller became active is unfenced once it has applied what
     * was committed then, not the image's offset, which after a failover is the new leader's entry
     * without metadata: no broker is sent it, so none could ever reach it.
     */
    @Test
    void aBrokerRegisteredBeforeActivationNeedsOnlyWhatWasCommittedThen() {
        MetadataImage view = cluster(MetadataRecord.newBuilder().setFenceBroker(FenceBrokerRecord.newBuilder()
                .setBrokerId(3).setBrokerEpoch(epoch(3))).build());
        long committed = view.offset();
        MetadataImage afterFailover = view.withOffset(committed + 1); // the new Ratis leader's empty entry
        brokers.activate(afterFailover, 0, committed);

        ControllerResult<BrokerHeartbeatResponse> answer = brokers.brokerHeartbeat(afterFailover,
                heartbeat(3, epoch(3), committed).build(), 1, committed);
        assertTrue(answer.response().getIsCaughtUp());
        assertFalse(answer.response().getIsFenced());
        assertFalse(apply(afterFailover, answer).broker(3).fenced());
    }

    @Test
    void aBrokerIsUnfencedOnceItHasAppliedItsOwnRegistrationAndIsReady() {
        MetadataImage view = cluster();
        brokers.activate(view, 0, view.offset());
        ControllerResult<RegisterBrokerResponse> registered = brokers.registerBroker(view,
                registration(4, UUID.randomUUID(), UUID.randomUUID()), 0);
        registered.onCommit().accept(150);
        MetadataImage after = apply(view, registered);
        long epoch = registered.response().getBrokerEpoch();

        ControllerResult<BrokerHeartbeatResponse> behind = brokers.brokerHeartbeat(after,
                heartbeat(4, epoch, 149).build(), 1, COMMITTED_OFFSET);
        assertFalse(behind.response().getIsCaughtUp());
        assertTrue(behind.response().getIsFenced());
        assertEquals(List.of(), behind.records());
        ControllerResult<BrokerHeartbeatResponse> loading = brokers.brokerHeartbeat(after,
                heartbeat(4, epoch, 150).setWantFence(true).build(), 2, COMMITTED_OFFSET);
        assertTrue(loading.response().getIsCaughtUp());
        assertTrue(loading.response().getIsFenced());
        assertEquals(List.of(), loading.records());
        ControllerResult<BrokerHeartbeatResponse> ready = brokers.brokerHeartbeat(after,
                heartbeat(4, epoch, 150).build(), 3, COMMITTED_OFFSET);
        assertFalse(ready.response().getIsFenced());
        assertFalse(apply(after, ready).broker(4).fenced());
    }

    @Test
    void aBrokerRegisteredBeforeThisControllerMustReachTheOffsetItTookOverAt() {
        MetadataImage view = image(List.of(registerBroker(1, epoch(1))));
        brokers.activate(view, 0, view.offset());

        assertFalse(brokers.brokerHeartbeat(view, heartbeat(1, epoch(1), view.offset() - 1).build(), 1,
                COMMITTED_OFFSET).response().getIsCaughtUp());
        assertTrue(brokers.brokerHeartbeat(view, heartbeat(1, epoch(1), view.offset()).build(), 2,
                COMMITTED_OFFSET).response().getIsCaughtUp());
    }

    @Test
    void anUnfencedBrokerLeadsWhereItWasTheLastIsrMemberAndWhereUncleanElectionIsAllowed() {
        MetadataImage view = image(List.of(registerBroker(1, epoch(1)), registerBroker(2, epoch(2)),
                topic("orders", ORDERS), partition(ORDERS, 0, List.of(2, 1), List.of(), -1, 1),
                partition(ORDERS, 1, List.of(1, 2), List.of(), -1, 2),
                topic("events", EVENTS), partition(EVENTS, 0, List.of(2, 1), List.of(), -1, 2),
                topicConfig("events", "unclean.leader.election.enable", "true")));
        brokers.activate(view, 0, view.offset());

        MetadataImage after = apply(view, heartbeat(view, 1, 1));

        assertFalse(after.broker(1).fenced());
        PartitionRegistration clean = after.topic(ORDERS).partition(0);
        assertEquals(1, clean.leader());
        assertEquals(List.of(1), clean.isr());
        assertEquals(4, clean.leaderEpoch());
        assertEquals(PartitionRegistration.NO_LEADER, after.topic(ORDERS).partition(1).leader(),
                "broker 2 alone has all of it");
        assertEquals(1, after.topic(EVENTS).partition(0).leader(), "events allows unclean election");
    }
}
