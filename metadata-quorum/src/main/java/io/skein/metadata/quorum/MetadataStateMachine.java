package io.skein.metadata.quorum;

import io.skein.metadata.image.ImageRecords;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.MetadataPublisher;
import io.skein.metadata.image.MetadataPublishers;
import io.skein.proto.metadata.MetadataRecordBatch;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays the metadata log into a {@link MetadataImage}: each log entry is one
 * {@link MetadataRecordBatch}, applied atomically, after which the publishers see
 * {@code (delta, newImage)}. Snapshots hold the image as the records that rebuild it.
 *
 * <p>Ratis calls it on one thread (its state machine updater), in log order; readers take
 * {@link #image()}, an immutable snapshot.
 */
final class MetadataStateMachine extends BaseStateMachine {
    /** Told when this node's controller may act, and when it must stop. */
    interface LeadershipListener {
        /** This node leads and has applied every entry before its term. */
        void onLeaderReady(long term);

        /** Another node leads now, or none does. */
        void onLeaderChanged(RaftPeerId newLeaderId);
    }

    private static final Logger log = LoggerFactory.getLogger(MetadataStateMachine.class);

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final MetadataPublishers publishers = new MetadataPublishers();
    private final List<LeadershipListener> leadershipListeners = new CopyOnWriteArrayList<>();
    private volatile MetadataImage image = MetadataImage.EMPTY;
    /** The offset of the last image published: entries without metadata move {@link #image}'s only. */
    private volatile long metadataOffset;

    MetadataImage image() {
        return image;
    }

    long metadataOffset() {
        return metadataOffset;
    }

    /** Adds a publisher: it gets the current image as a replacement, then every batch after it. */
    synchronized void addPublisher(MetadataPublisher publisher) {
        publishers.add(publisher, image);
    }

    void addLeadershipListener(LeadershipListener listener) {
        leadershipListeners.add(listener);
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        getLifeCycle().startAndTransition(() -> {
            storage.init(raftStorage);
            loadLatestSnapshot();
        });
    }

    /** Before Ratis installs a snapshot from the leader: RUNNING to PAUSED, or it shuts the group down. */
    @Override
    public void pause() {
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    /** After a snapshot install: load it, PAUSED to RUNNING. */
    @Override
    public void reinitialize() throws IOException {
        getLifeCycle().transition(LifeCycle.State.STARTING);
        loadLatestSnapshot();
        getLifeCycle().transition(LifeCycle.State.RUNNING);
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        try {
            MetadataRecordBatch batch = MetadataRecordBatch.parseFrom(
                    entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
            MetadataDelta delta = new MetadataDelta(image);
            delta.replay(batch);
            publish(delta, delta.apply(entry.getIndex()));
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
            return CompletableFuture.completedFuture(Message.EMPTY);
        } catch (IOException | RuntimeException e) {
            // The log holds what the controller validated: a batch that does not apply is a bug, and
            // applying the next ones on a wrong image would let this node diverge silently.
            log.error("Cannot apply metadata log entry {}", entry.getIndex(), e);
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Ratis applied an entry without metadata (a configuration change, a new leader's first entry). */
    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        super.notifyTermIndexUpdated(term, index);
        image = image.withOffset(index);
    }

    private synchronized void publish(MetadataDelta delta, MetadataImage newImage) {
        image = newImage;
        metadataOffset = newImage.offset();
        publishers.publish(delta, newImage);
    }

    /**
     * Writes the image as of the last applied entry; Ratis then purges the log behind it. Runs on the
     * updater thread, between applies, so the image is the state at that entry (entries without
     * metadata, such as configuration changes, leave the image as it is).
     */
    @Override
    public long takeSnapshot() throws IOException {
        MetadataImage snapshot = image;
        TermIndex last = getLastAppliedTermIndex();
        if (last == null) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        Path file = storage.getSnapshotFile(last.getTerm(), last.getIndex()).toPath();
        try (OutputStream out = Files.newOutputStream(file)) {
            ImageRecords.of(snapshot).writeTo(out);
        }
        var md5 = MD5FileUtil.computeAndSaveMd5ForFile(file.toFile());
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file, md5), last));
        return last.getIndex();
    }

    /** Loads the newest snapshot on disk: read again, since Ratis may have just installed one. */
    private void loadLatestSnapshot() throws IOException {
        SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
        if (snapshot == null) {
            return;
        }
        Path file = snapshot.getFile().getPath();
        MD5FileUtil.verifySavedMD5(file.toFile(), snapshot.getFile().getFileDigest());
        MetadataDelta delta = new MetadataDelta(MetadataImage.EMPTY); // replaces everything before it
        delta.replay(MetadataRecordBatch.parseFrom(Files.readAllBytes(file)));
        publish(delta, delta.apply(snapshot.getIndex()));
        setLastAppliedTermIndex(snapshot.getTermIndex());
        log.info("Loaded metadata snapshot at offset {}", snapshot.getIndex());
    }

    @Override
    public void notifyLeaderReady() {
        long term;
        try {
            term = getServer().join().getDivision(getGroupId()).getInfo().getCurrentTerm();
        } catch (IOException e) {
            log.error("Leader ready, but the term is unknown: staying inactive", e);
            return;
        }
        leadershipListeners.forEach(listener -> listener.onLeaderReady(term));
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        leadershipListeners.forEach(listener -> listener.onLeaderChanged(newLeaderId));
    }
}
