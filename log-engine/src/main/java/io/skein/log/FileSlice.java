package io.skein.log;

import java.nio.channels.FileChannel;

/**
 * Whole record batches of a segment, as a region of its file: the network layer hands the region to
 * {@code sendfile} without copying it into the JVM. The channel belongs to the segment and stays
 * open while the segment exists; do not close it.
 */
public record FileSlice(FileChannel channel, long position, int length) {
    /** Nothing to send; the only slice without a channel. */
    public static final FileSlice EMPTY = new FileSlice(null, 0, 0);

    public boolean isEmpty() {
        return length == 0;
    }
}
