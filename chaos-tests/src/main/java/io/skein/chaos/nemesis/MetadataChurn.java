package io.skein.chaos.nemesis;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.skein.chaos.cluster.ChaosNode;
import io.skein.chaos.cluster.SkeinCluster;
import io.skein.proto.controller.AlterConfigsRequest;
import io.skein.proto.controller.AlterConfigsResponse;
import io.skein.proto.controller.ConfigChange;
import io.skein.proto.controller.ControllerServiceGrpc;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.metadata.ConfigResourceType;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Metadata written as fast as the active controller takes it, to push the metadata log past a
 * snapshot: one topic config set again and again through the controller service, one log entry
 * each. Skein has no setting that lowers the quorum's snapshot threshold (every 10,000 entries) or
 * its log segment size (8 MiB; only closed segments are purged behind a snapshot), so the values are
 * the default retention zero-padded to about 1 KB: a segment fills and closes within a snapshot's span.
 */
final class MetadataChurn {
    /** The topic whose config is churned: its own, so that no partition the workload uses is touched. */
    static final String TOPIC = "chaos-metadata";
    private static final int IN_FLIGHT = 32;
    private static final int CHECK_EVERY = 200;
    private static final AlterConfigsRequest REQUEST = AlterConfigsRequest.newBuilder().addChanges(ConfigChange
            .newBuilder().setResourceType(ConfigResourceType.TOPIC).setResourceName(TOPIC).setName("retention.ms")
            .setValue(String.format("%01000d", 7 * 24 * 3600 * 1000L))).build(); // the default, padded

    private MetadataChurn() {
    }

    /**
     * Writes config changes until {@code done} (asked every few hundred entries) or {@code bound} passes.
     *
     * @return how many were committed
     */
    static long writeUntil(SkeinCluster cluster, Admin admin, BooleanSupplier done, Duration bound)
            throws InterruptedException, ExecutionException, TimeoutException {
        try {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        AtomicLong committed = new AtomicLong();
        long deadline = System.nanoTime() + bound.toNanos();
        boolean finished = false;
        while (!finished && System.nanoTime() < deadline) {
            Optional<ChaosNode> controller = cluster.activeController();
            if (controller.isEmpty()) {
                Thread.sleep(100);
                continue;
            }
            ManagedChannel channel = controller.get().controllerChannel();
            try {
                finished = writeTo(ControllerServiceGrpc.newStub(channel), committed, done, deadline);
            } finally {
                channel.shutdownNow();
            }
            if (!finished) {
                Thread.sleep(100); // refused: the logs may not show the next controller yet
            }
        }
        return committed.get();
    }

    /**
     * Writes to one controller, {@link #IN_FLIGHT} at a time, until it refuses one (it no longer leads,
     * or cannot be reached), {@code done} holds, or the deadline passes.
     *
     * @return whether {@code done} holds
     */
    private static boolean writeTo(ControllerServiceGrpc.ControllerServiceStub controller, AtomicLong committed,
                                   BooleanSupplier done, long deadline) throws InterruptedException {
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        AtomicBoolean refused = new AtomicBoolean();
        long checkedAt = committed.get();
        try {
            while (!refused.get() && System.nanoTime() < deadline) {
                inFlight.acquire();
                controller.withDeadlineAfter(10, TimeUnit.SECONDS).alterConfigs(REQUEST,
                        new StreamObserver<AlterConfigsResponse>() {
                            @Override
                            public void onNext(AlterConfigsResponse response) {
                                if (response.getError().getCode() == ErrorCode.NONE) {
                                    committed.incrementAndGet();
                                } else {
                                    refused.set(true);
                                }
                            }

                            @Override
                            public void onError(Throwable error) {
                                refused.set(true);
                                inFlight.release();
                            }

                            @Override
                            public void onCompleted() {
                                inFlight.release();
                            }
                        });
                if (committed.get() - checkedAt >= CHECK_EVERY) {
                    checkedAt = committed.get();
                    if (done.getAsBoolean()) {
                        return true;
                    }
                }
            }
            return false;
        } finally {
            inFlight.acquire(IN_FLIGHT); // none left behind to count after the caller has read the count
        }
    }
}
