package io.skein.broker;

import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.MetadataPublisher;
import io.skein.proto.controller.BrokerHeartbeatResponse;
import io.skein.proto.controller.ErrorCode;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Whether this broker may still answer from state that another broker takes over once the controller
 * fences this one (a coordinator's shard): a lease from the controller's heartbeat answers.
 *
 * <p>An answer that this broker is not fenced grants the lease from the moment its heartbeat was
 * <em>sent</em>, for less than the controller's session timeout: the controller counts the session
 * from the heartbeat's receipt, later, so it cannot fence this broker within the lease. (It fences
 * sooner only a broker whose every listener refuses connections, its process gone: a broker that can
 * still answer is never one, as its listeners are bound from before it registers.) The lease
 * holds only once this broker has applied the metadata the controller had committed when it answered:
 * a broker that was fenced while it was frozen or cut off, and unfenced again since, has by then
 * applied its fencing and given up what it lost. Applied means seen by the publishers registered before
 * this one (the coordinators), not merely received.
 *
 * <p>The lifecycle manager's thread grants; any thread asks {@link #isValid}, which reads two volatile
 * fields and the clock and allocates nothing.
 */
public final class BrokerLease implements MetadataPublisher {
    /** A grant: valid until {@code expiresAtNanos}, from when the metadata offset reaches {@code metadataOffset}. */
    private record Grant(long expiresAtNanos, long metadataOffset) {
    }

    /** Never valid: no applied offset reaches it. */
    private static final Grant NONE = new Grant(0, Long.MAX_VALUE);
    /**
     * The share of the session timeout the lease gives up, so that it ends before the controller could
     * fence this broker even with the two clocks' rates apart and the controller's millisecond rounding.
     */
    private static final int MARGIN_DIVISOR = 10;

    private final LongSupplier nanoClock;
    private volatile Grant grant = NONE;
    private volatile long appliedOffset = -1;

    /** @param nanoClock a monotonic clock in nanoseconds, {@code System::nanoTime} outside tests */
    public BrokerLease(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** The lease's clock now: the time to pass to {@link #heartbeatAnswered} for a heartbeat about to be sent. */
    long now() {
        return nanoClock.getAsLong();
    }

    /**
     * The controller answered the heartbeat sent at {@code sentAtNanos}: unfenced grants, fenced or a
     * registration it no longer knows revokes. Other errors (no controller at the moment) leave the
     * grant to expire: it never depended on later answers.
     */
    void heartbeatAnswered(long sentAtNanos, BrokerHeartbeatResponse response) {
        ErrorCode code = response.getError().getCode();
        if (code == ErrorCode.STALE_BROKER_EPOCH || code == ErrorCode.BROKER_ID_NOT_REGISTERED
                || (code == ErrorCode.NONE && response.getIsFenced())) {
            grant = NONE;
        } else if (code == ErrorCode.NONE) {
            long sessionMs = response.getSessionTimeoutMs();
            long leaseMs = sessionMs - sessionMs / MARGIN_DIVISOR;
            grant = new Grant(sentAtNanos + TimeUnit.MILLISECONDS.toNanos(leaseMs), response.getMetadataOffset());
        }
    }

    /** Whether the lease holds now: the controller cannot have fenced this broker without it knowing. */
    public boolean isValid() {
        Grant current = grant;
        return appliedOffset >= current.metadataOffset && nanoClock.getAsLong() - current.expiresAtNanos < 0;
    }

    @Override
    public void onMetadataUpdate(MetadataDelta delta, MetadataImage newImage) {
        appliedOffset = newImage.offset();
    }
}
