package io.skein.broker.kafka;

import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A stretch of a log segment written to a socket with {@code sendfile}. Unlike Netty's
 * {@code DefaultFileRegion} it never closes the file: the segment belongs to its log, which keeps a
 * deleted segment's file open for {@code file.delete.delay.ms} so that slices in flight stay readable.
 */
final class FileSliceRegion extends AbstractReferenceCounted implements FileRegion {
    private final FileChannel file;
    private final long position;
    private final long count;
    private long transferred;

    FileSliceRegion(FileChannel file, long position, long count) {
        this.file = file;
        this.position = position;
        this.count = count;
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public long count() {
        return count;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Override
    @Deprecated
    public long transfered() {
        return transferred;
    }

    @Override
    public long transferTo(WritableByteChannel target, long offset) throws IOException {
        long remaining = count - offset;
        if (remaining <= 0) {
            return 0;
        }
        long written = file.transferTo(position + offset, remaining, target);
        if (written == 0 && file.size() < position + count) {
            throw new EOFException("The log file ends before the slice being sent: it was truncated");
        }
        transferred += written;
        return written;
    }

    @Override
    public FileSliceRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public FileSliceRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public FileSliceRegion touch() {
        return this;
    }

    @Override
    public FileSliceRegion touch(Object hint) {
        return this;
    }

    @Override
    protected void deallocate() {
        // The log owns the file.
    }
}
