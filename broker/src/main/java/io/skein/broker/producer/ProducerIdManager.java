package io.skein.broker.producer;

import io.skein.metadata.controller.ControllerClient;
import io.skein.metadata.controller.ControllerClient.ControllerUnavailableException;
import io.skein.proto.controller.AllocateProducerIdsRequest;
import io.skein.proto.controller.AllocateProducerIdsResponse;
import io.skein.proto.controller.ErrorCode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongSupplier;
import org.apache.kafka.common.errors.CoordinatorLoadInProgressException;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;

/**
 * Hands out producer ids for InitProducerId from blocks the active controller allocates to this
 * broker (recorded in the metadata log, so no id is ever given twice). The next block is fetched in
 * the background once most of the current one is used, so requests rarely wait for the controller.
 */
public final class ProducerIdManager {
    private final int brokerId;
    private final ControllerClient controller;
    private final LongSupplier brokerEpoch;
    private long next;
    private long end;
    private long prefetchAt;
    private long nextBlockStart = -1;
    private long nextBlockEnd;
    private CompletableFuture<Void> fetching;

    public ProducerIdManager(int brokerId, ControllerClient controller, LongSupplier brokerEpoch) {
        this.brokerId = brokerId;
        this.controller = controller;
        this.brokerEpoch = brokerEpoch;
    }

    /** A producer id never handed out before, as soon as one is available. */
    public synchronized CompletableFuture<Long> generateProducerId() {
        long id = takeProducerId();
        return id >= 0 ? CompletableFuture.completedFuture(id)
                : fetchNextBlock().thenCompose(ignored -> generateProducerId());
    }

    /**
     * A producer id never handed out before, at once, for a caller that must not wait (the
     * transaction coordinator's shards), as Kafka's coordinator takes them.
     *
     * @throws CoordinatorLoadInProgressException (retriable) if none is at hand; the next block is on its way
     */
    public synchronized long generateProducerIdNow() {
        long id = takeProducerId();
        if (id < 0) {
            fetchNextBlock();
            throw new CoordinatorLoadInProgressException("No producer id at hand yet: the next block is being fetched");
        }
        return id;
    }

    /** The next id of the blocks at hand, prefetching the next block when most are used; -1 if none. */
    private long takeProducerId() {
        if (next >= end && nextBlockStart >= 0) {
            next = nextBlockStart;
            end = nextBlockEnd;
            prefetchAt = next + (end - next) * 9 / 10;
            nextBlockStart = -1;
        }
        if (next >= end) {
            return -1;
        }
        long id = next++;
        if (next >= prefetchAt) {
            fetchNextBlock();
        }
        return id;
    }

    private CompletableFuture<Void> fetchNextBlock() {
        if (fetching != null) {
            return fetching;
        }
        CompletableFuture<Void> fetch = allocateBlock();
        fetching = fetch;
        // A fetch already done clears the field at once, on this thread: the local variable is the answer.
        fetch.whenComplete((ignored, error) -> {
            synchronized (this) {
                fetching = null;
            }
        });
        return fetch;
    }

    /** Fails with errors the client retries InitProducerId on. */
    private CompletableFuture<Void> allocateBlock() {
        return controller.allocateProducerIds(AllocateProducerIdsRequest.newBuilder()
                        .setBrokerId(brokerId).setBrokerEpoch(brokerEpoch.getAsLong()).build())
                .handle((response, failure) -> {
                    if (failure != null) {
                        Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                        throw cause instanceof ControllerUnavailableException
                                ? new CoordinatorNotAvailableException("No producer ids available: " + cause.getMessage())
                                : new CompletionException(cause);
                    }
                    blockAllocated(response);
                    return null;
                });
    }

    private void blockAllocated(AllocateProducerIdsResponse response) {
        if (response.getError().getCode() != ErrorCode.NONE) {
            throw new CoordinatorLoadInProgressException("No producer ids available yet: "
                    + response.getError().getMessage());
        }
        synchronized (this) {
            nextBlockStart = response.getProducerIdStart();
            nextBlockEnd = response.getProducerIdStart() + response.getProducerIdLen();
        }
    }
}
