package io.skein.metadata.controller;

import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.quorum.ControllerQuorum;
import io.skein.metadata.quorum.QuorumState;
import io.skein.proto.metadata.MetadataRecordBatch;
import java.util.ArrayDeque;
import java.util.List;
import java.util.OptionalInt;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;

/**
 * A metadata log in memory for one controller node, whose leadership and commits the test drives:
 * appends wait until {@link #commit} replays them into the image, one log entry each.
 */
final class LocalQuorum implements ControllerQuorum {
    private final int nodeId;
    private final Queue<Pending> pending = new ArrayDeque<>();
    private MetadataImage image = MetadataImage.EMPTY;
    private int leaderId = -1;
    private long term;
    private LongConsumer leaderReady = term -> { };
    private IntConsumer leaderChanged = leader -> { };

    private record Pending(MetadataRecordBatch batch, CompletableFuture<Long> committed) {
    }

    LocalQuorum(int nodeId) {
        this.nodeId = nodeId;
    }

    /** This node leads from now on, at a new term, with everything before it applied. */
    void lead() {
        LongConsumer ready;
        IntConsumer changed;
        synchronized (this) {
            leaderId = nodeId;
            term++;
            ready = leaderReady;
            changed = leaderChanged;
        }
        changed.accept(nodeId);
        ready.accept(term);
    }

    /** Node {@code newLeader} leads now: appends not yet committed fail, as a deposed leader's do. */
    void follow(int newLeader) {
        IntConsumer changed;
        synchronized (this) {
            leaderId = newLeader;
            term++;
            changed = leaderChanged;
        }
        failPending();
        changed.accept(newLeader);
    }

    /** Commits the appends waiting, in order, each as the next log entry. */
    void commit() {
        while (true) {
            Pending next;
            long offset;
            synchronized (this) {
                next = pending.poll();
                if (next == null) {
                    return;
                }
                MetadataDelta delta = new MetadataDelta(image);
                delta.replay(next.batch());
                offset = image.offset() + 1;
                image = delta.apply(offset);
            }
            next.committed().complete(offset); // outside the lock: the controller's callbacks may call back in
        }
    }

    /** Fails the appends waiting, as a lost quorum would. */
    void failPending() {
        Pending next;
        while ((next = poll()) != null) {
            next.committed().completeExceptionally(new IllegalStateException("Node " + nodeId + " lost the quorum"));
        }
    }

    private synchronized Pending poll() {
        return pending.poll();
    }

    synchronized int pendingAppends() {
        return pending.size();
    }

    @Override
    public int nodeId() {
        return nodeId;
    }

    @Override
    public synchronized MetadataImage image() {
        return image;
    }

    /** Every entry here holds metadata. */
    @Override
    public synchronized long metadataOffset() {
        return image.offset();
    }

    @Override
    public synchronized boolean isLeader() {
        return leaderId == nodeId;
    }

    @Override
    public synchronized OptionalInt leaderId() {
        return leaderId == -1 ? OptionalInt.empty() : OptionalInt.of(leaderId);
    }

    @Override
    public synchronized QuorumState describe() {
        return new QuorumState(leaderId, term, image.offset(), List.of(new QuorumState.Replica(nodeId, image.offset(),
                leaderId == nodeId ? 0 : -1)));
    }

    @Override
    public synchronized CompletableFuture<Long> append(MetadataRecordBatch batch) {
        if (leaderId != nodeId) {
            return CompletableFuture.failedFuture(new IllegalStateException("Node " + nodeId + " does not lead"));
        }
        CompletableFuture<Long> committed = new CompletableFuture<>();
        pending.add(new Pending(batch, committed));
        return committed;
    }

    @Override
    public synchronized void onLeadership(LongConsumer ready, IntConsumer changed) {
        this.leaderReady = ready;
        this.leaderChanged = changed;
    }
}
