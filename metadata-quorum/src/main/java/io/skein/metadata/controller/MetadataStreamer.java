package io.skein.metadata.controller;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.skein.metadata.image.ImageRecords;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.MetadataPublisher;
import io.skein.proto.controller.FetchMetadataRequest;
import io.skein.proto.controller.MetadataUpdate;
import io.skein.proto.metadata.MetadataRecordBatch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves FetchMetadata on the active controller: streams each committed batch, as this voter applies
 * it, to the brokers that follow the log. A broker that asks from an offset still in the recent
 * history gets the batches it missed; one further behind gets the whole image first.
 *
 * <p>Only the active controller serves, as Kafka's brokers fetch from the quorum leader: it has applied
 * every batch committed before its term, so it is never behind what a broker has applied, while any
 * other voter may be (restarting, installing a snapshot, cut off from the quorum). Another voter
 * refuses with the leader it knows, and a voter that stops leading ends its streams the same way.
 *
 * <p>A stream quiet for {@link #HEARTBEAT_INTERVAL_MS} gets a heartbeat, so that a broker can tell a
 * quiet log from a controller that stopped answering, and look for the leader elsewhere.
 *
 * <p>Every broker has a queue, drained only while gRPC says its stream can take more, so a slow
 * broker neither blocks the state machine nor grows memory without bound: past
 * {@link #MAX_QUEUED_BYTES} its stream is ended and it comes back for an image.
 *
 * <p>A stream that ends because its connection closed or was reset under it, neither the broker nor
 * this voter having ended it, is reported to the controller ({@code lostConnections}): the broker's
 * process may have died, which a broker that is only slow, paused or cut off does not show this way
 * (its kernel keeps its connections open). The controller finds out what it means (see
 * {@link BrokerControlManager}); a report about a live broker costs one probe of its listeners.
 */
public final class MetadataStreamer implements MetadataPublisher {
    static final long MAX_HISTORY_BYTES = 64L << 20;
    static final long MAX_QUEUED_BYTES = 64L << 20;
    public static final long HEARTBEAT_INTERVAL_MS = 500;
    private static final MetadataUpdate HEARTBEAT = MetadataUpdate.getDefaultInstance();

    private static final Logger log = LoggerFactory.getLogger(MetadataStreamer.class);

    /** Names the voter to ask instead, in the trailers of a refused or ended stream; -1 if none is known. */
    public static final Metadata.Key<String> LEADER_ID = Metadata.Key.of("skein-leader-id",
            Metadata.ASCII_STRING_MARSHALLER);

    private final int nodeId;
    private final ArrayDeque<MetadataUpdate> history = new ArrayDeque<>();
    private final List<Subscriber> subscribers = new ArrayList<>();
    private long historyBytes;
    /** Batches after this offset are all in the history. */
    private long historyStart;
    private MetadataImage image = MetadataImage.EMPTY;
    private final BooleanSupplier active;
    private final IntSupplier leaderId;
    private final IntConsumer lostConnections;
    /** Set once the server shuts down, which ends every stream as if its connection had closed. */
    private boolean closed;

    /**
     * @param active   whether this voter is the active controller: it leads and has applied every batch
     *                 committed before its term
     * @param leaderId the leader this voter knows of, -1 if none
     * @param lostConnections told the broker id of a stream that ended with its connection; called on a
     *                        gRPC thread
     */
    MetadataStreamer(int nodeId, BooleanSupplier active, IntSupplier leaderId, IntConsumer lostConnections) {
        this.nodeId = nodeId;
        this.active = active;
        this.leaderId = leaderId;
        this.lostConnections = lostConnections;
    }

    /** Sends a heartbeat on every stream that has carried nothing for a heartbeat interval. */
    synchronized void heartbeat(long nowMs) {
        subscribers.removeIf(subscriber -> !subscriber.heartbeatIfQuiet(nowMs));
    }

    /** Leadership moved to {@code newLeaderId}: unless that is this voter, its streams end, naming it. */
    synchronized void leaderChanged(int newLeaderId) {
        if (newLeaderId != nodeId) {
            subscribers.forEach(subscriber -> subscriber.end(notLeader(newLeaderId)));
            subscribers.clear();
        }
    }

    private StatusRuntimeException notLeader(int leaderId) {
        Metadata trailers = new Metadata();
        trailers.put(LEADER_ID, Integer.toString(leaderId));
        return Status.FAILED_PRECONDITION.withDescription("Node " + nodeId + " is not the active controller; "
                + (leaderId < 0 ? "no leader is known yet" : "node " + leaderId + " is")).asRuntimeException(trailers);
    }

    @Override
    public synchronized void onMetadataUpdate(MetadataDelta delta, MetadataImage newImage) {
        image = newImage;
        if (delta.image() == MetadataImage.EMPTY) { // a snapshot replaced everything: start over from it
            history.clear();
            historyBytes = 0;
            historyStart = newImage.offset();
            MetadataUpdate update = imageUpdate(newImage);
            subscribers.forEach(subscriber -> subscriber.replaceWith(update));
            return;
        }
        MetadataUpdate update = MetadataUpdate.newBuilder().setOffset(newImage.offset())
                .setBatch(MetadataRecordBatch.newBuilder().addAllRecords(delta.records())).build();
        history.add(update);
        historyBytes += update.getSerializedSize();
        while (historyBytes > MAX_HISTORY_BYTES && history.size() > 1) {
            MetadataUpdate dropped = history.poll();
            historyBytes -= dropped.getSerializedSize();
            historyStart = dropped.getOffset();
        }
        subscribers.removeIf(subscriber -> !subscriber.send(update));
    }

    private static MetadataUpdate imageUpdate(MetadataImage image) {
        return MetadataUpdate.newBuilder().setOffset(image.offset()).setImage(ImageRecords.of(image)).build();
    }

    /**
     * Starts a stream for a broker that has applied the log up to {@code request.after_offset}; {@code end}
     * tells how the stream ends.
     */
    synchronized void subscribe(FetchMetadataRequest request, ServerCallStreamObserver<MetadataUpdate> observer,
                                ConnectionLossTracer.Watch end) {
        if (!active.getAsBoolean()) {
            observer.onError(notLeader(leaderId.getAsInt()));
            return;
        }
        Subscriber subscriber = new Subscriber(request.getBrokerId(), observer, request.getAfterOffset());
        observer.setOnReadyHandler(subscriber::drain);
        observer.setOnCancelHandler(() -> cancelled(subscriber, end.connectionLost()));
        if (request.getAfterOffset() < historyStart) {
            subscriber.send(imageUpdate(image));
        } else {
            history.forEach(subscriber::send); // those at or below its offset are skipped
        }
        subscribers.add(subscriber);
    }

    /** {@code subscriber}'s stream ended other than by this voter: its broker cancelled it, or its connection ended. */
    private void cancelled(Subscriber subscriber, boolean connectionLost) {
        boolean report;
        synchronized (this) {
            subscribers.remove(subscriber);
            report = connectionLost && !closed && !subscriber.endedHere(); // a stream this voter ended does not count
        }
        if (report) {
            log.info("Broker {}'s metadata stream ended with its connection", subscriber.brokerId);
            lostConnections.accept(subscriber.brokerId);
        }
    }

    /** The server is shutting down: the streams it ends are not brokers' lost connections. */
    synchronized void close() {
        closed = true;
    }

    /** One broker's stream, fed in offset order. */
    private static final class Subscriber {
        private final int brokerId;
        private final ServerCallStreamObserver<MetadataUpdate> observer;
        private final ArrayDeque<MetadataUpdate> queue = new ArrayDeque<>();
        private long queuedBytes;
        private long lastOffset;
        private long lastSentMs;
        private boolean closed;

        Subscriber(int brokerId, ServerCallStreamObserver<MetadataUpdate> observer, long afterOffset) {
            this.brokerId = brokerId;
            this.observer = observer;
            this.lastOffset = afterOffset;
        }

        /** Queues an update it does not have yet; false once the stream is over. */
        synchronized boolean send(MetadataUpdate update) {
            if (closed) {
                return false;
            }
            if (update.getOffset() <= lastOffset && update.hasBatch()) {
                return true;
            }
            queue.add(update);
            queuedBytes += update.getSerializedSize();
            lastOffset = update.getOffset();
            if (queuedBytes > MAX_QUEUED_BYTES) {
                log.warn("Broker {} reads the metadata log too slowly: ending its stream", brokerId);
                closed = true;
                observer.onError(Status.RESOURCE_EXHAUSTED.withDescription("Too far behind: fetch again")
                        .asRuntimeException());
                return false;
            }
            drain();
            return true;
        }

        /** A heartbeat if nothing went out since {@code nowMs - HEARTBEAT_INTERVAL_MS}; false once the stream is over. */
        synchronized boolean heartbeatIfQuiet(long nowMs) {
            if (closed) {
                return false;
            }
            if (queue.isEmpty() && nowMs - lastSentMs >= HEARTBEAT_INTERVAL_MS && observer.isReady()) {
                observer.onNext(HEARTBEAT);
                lastSentMs = nowMs;
            }
            return true;
        }

        /** Whether this voter ended the stream, rather than the broker or its connection. */
        synchronized boolean endedHere() {
            return closed;
        }

        /** Ends the stream with {@code error}, dropping what is queued. */
        synchronized void end(StatusRuntimeException error) {
            if (!closed) {
                closed = true;
                queue.clear();
                queuedBytes = 0;
                observer.onError(error);
            }
        }

        /** An image makes the queued batches moot. */
        synchronized void replaceWith(MetadataUpdate image) {
            queue.clear();
            queuedBytes = 0;
            send(image);
        }

        synchronized void drain() {
            while (!closed && !queue.isEmpty() && observer.isReady()) {
                MetadataUpdate next = queue.poll();
                queuedBytes -= next.getSerializedSize();
                observer.onNext(next);
                lastSentMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
            }
        }
    }
}
