package io.skein.log;

import org.apache.kafka.common.KafkaException;

/**
 * A follower append whose offsets do not continue the log: a batch starts before or after the log
 * end offset, or batches in one append are not contiguous. The replica fetcher reacts to it; it is
 * never a client's error.
 */
public class UnexpectedAppendOffsetException extends KafkaException {
    private final long expectedOffset;
    private final long actualOffset;

    public UnexpectedAppendOffsetException(String message, long expectedOffset, long actualOffset) {
        super(message);
        this.expectedOffset = expectedOffset;
        this.actualOffset = actualOffset;
    }

    public long expectedOffset() {
        return expectedOffset;
    }

    public long actualOffset() {
        return actualOffset;
    }
}
