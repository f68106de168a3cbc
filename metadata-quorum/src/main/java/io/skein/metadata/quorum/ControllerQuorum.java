package io.skein.metadata.quorum;

import io.skein.metadata.image.MetadataImage;
import io.skein.proto.metadata.MetadataRecordBatch;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;

/**
 * What the active controller needs of the metadata quorum: to know whether it leads, to append
 * batches to the metadata log, and the committed image it starts from. {@link MetadataQuorum} is the
 * Ratis implementation; the controller knows nothing else of Ratis.
 */
public interface ControllerQuorum {
    int nodeId();

    /** The latest committed and applied image. */
    MetadataImage image();

    /**
     * The offset of the latest committed metadata a broker can reach: of the last batch applied or
     * snapshot loaded here. Unlike {@link #image()}'s, it skips entries without metadata (a new
     * leader's first entry), which no broker is ever sent.
     */
    long metadataOffset();

    /** Whether this node leads and has applied every entry before its term. */
    boolean isLeader();

    /** The leader's node id, if the quorum has one. */
    OptionalInt leaderId();

    /** Who leads, at which term, how far the log is committed, and how far each voter has it. */
    QuorumState describe();

    /**
     * Appends one batch; completes with its log index once it is committed and applied here, or
     * fails if this node does not lead.
     */
    CompletableFuture<Long> append(MetadataRecordBatch batch);

    /**
     * {@code leaderReady} gets the term once this node leads and has applied everything before it;
     * {@code leaderChanged} gets the new leader's node id (-1 for none) whenever leadership moves.
     */
    void onLeadership(LongConsumer leaderReady, IntConsumer leaderChanged);
}
