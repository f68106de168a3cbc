package io.skein.broker;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.proto.controller.BrokerHeartbeatResponse;
import io.skein.proto.controller.Error;
import io.skein.proto.controller.ErrorCode;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The lease's rules, from the controller's answers and the metadata applied alone, on a clock the
 * test moves: when it holds, from when, and until when.
 */
class BrokerLeaseTest {
    private static final long SESSION_MS = 4_000;
    /** The lease is shorter than the session: it gives up a tenth. */
    private static final long LEASE_MS = 3_600;

    private long nowNanos = TimeUnit.SECONDS.toNanos(1_000);
    private final BrokerLease lease = new BrokerLease(() -> nowNanos);

    private void advanceMs(long ms) {
        nowNanos += TimeUnit.MILLISECONDS.toNanos(ms);
    }

    private void applied(long offset) {
        MetadataImage image = MetadataImage.EMPTY.withOffset(offset);
        lease.onMetadataUpdate(new MetadataDelta(image), image);
    }

    private static BrokerHeartbeatResponse answer(boolean fenced, long metadataOffset) {
        return BrokerHeartbeatResponse.newBuilder().setError(Error.newBuilder().setCode(ErrorCode.NONE))
                .setIsFenced(fenced).setMetadataOffset(metadataOffset).setSessionTimeoutMs(SESSION_MS).build();
    }

    private static BrokerHeartbeatResponse error(ErrorCode code) {
        return BrokerHeartbeatResponse.newBuilder().setError(Error.newBuilder().setCode(code)).setIsFenced(true)
                .build();
    }

    @Test
    void noLeaseBeforeTheFirstUnfencedAnswer() {
        applied(10);
        assertFalse(lease.isValid());
        lease.heartbeatAnswered(lease.now(), answer(true, 10));
        assertFalse(lease.isValid(), "a fenced broker holds no lease");
    }

    @Test
    void anUnfencedAnswerHoldsOnceItsOffsetIsAppliedAndEndsBeforeTheSessionCountedFromTheSend() {
        applied(10);
        long sent = lease.now();
        advanceMs(300); // the answer takes its time: the controller counted the session from later still
        lease.heartbeatAnswered(sent, answer(false, 12));
        assertFalse(lease.isValid(), "the controller had committed up to 12; the broker has applied 10");
        applied(12);
        assertTrue(lease.isValid());

        advanceMs(LEASE_MS - 300 - 1);
        assertTrue(lease.isValid());
        advanceMs(1);
        assertFalse(lease.isValid(), "a lease of the session less a tenth, from the send, not the answer");
    }

    @Test
    void eachUnfencedAnswerRenewsTheLease() {
        applied(10);
        lease.heartbeatAnswered(lease.now(), answer(false, 10));
        advanceMs(2_000);
        lease.heartbeatAnswered(lease.now(), answer(false, 10));
        advanceMs(LEASE_MS - 1);
        assertTrue(lease.isValid());
    }

    @Test
    void aBrokerFrozenPastItsLeaseHoldsNoneUntilUnfencedAgainAndCaughtUpWithItsFencing() {
        applied(10);
        lease.heartbeatAnswered(lease.now(), answer(false, 10));
        long sentBeforeFreeze = lease.now();
        advanceMs(10_000); // SIGSTOP: the controller fenced it and moved its leaderships (offsets 11 to 19)
        lease.heartbeatAnswered(sentBeforeFreeze, answer(false, 10)); // the answer that waited in its socket
        assertFalse(lease.isValid(), "expired: it was sent 10 s ago");

        lease.heartbeatAnswered(lease.now(), answer(false, 20)); // unfenced again, at offset 20
        assertFalse(lease.isValid(), "it has not applied its fencing yet");
        applied(19);
        assertFalse(lease.isValid());
        applied(20);
        assertTrue(lease.isValid());
    }

    @Test
    void aFencedAnswerOrAForgottenRegistrationRevokesAndOtherErrorsLetTheLeaseRunOut() {
        applied(10);
        lease.heartbeatAnswered(lease.now(), answer(false, 10));
        lease.heartbeatAnswered(lease.now(), answer(true, 10)); // controlled shutdown
        assertFalse(lease.isValid());

        lease.heartbeatAnswered(lease.now(), answer(false, 10));
        lease.heartbeatAnswered(lease.now(), error(ErrorCode.STALE_BROKER_EPOCH));
        assertFalse(lease.isValid());

        lease.heartbeatAnswered(lease.now(), answer(false, 10));
        advanceMs(1_000);
        lease.heartbeatAnswered(lease.now(), error(ErrorCode.NOT_CONTROLLER));
        assertTrue(lease.isValid(), "no controller to answer says nothing about fencing");
        advanceMs(LEASE_MS - 1_000);
        assertFalse(lease.isValid());
    }
}
