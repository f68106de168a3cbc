package io.skein.broker.kafka;

import java.nio.ByteBuffer;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.protocol.types.RawTaggedField;

/**
 * How long a partition leader's add (a transaction of AddPartitionsToTxn v4+) may wait at the
 * coordinator for the transaction before it to complete: what is left of the leader's
 * {@code add.partitions.to.txn.retry.backoff.max.ms} window, so that the coordinator's wait and
 * the leader's retries end together. Kafka's protocol has no field for it, so Skein's leaders send it
 * in a tagged field of their own (KIP-482), a 4-byte count of milliseconds; a coordinator that does
 * not know the tag (Kafka's) skips it, and a request without it (from Kafka's leaders, or a client's)
 * waits for nothing.
 */
public final class AddPartitionsWait {
    /** Far above the tags Kafka numbers from 0 up in its own schemas, so as never to meet one. */
    static final int TAG = 10_000;

    private AddPartitionsWait() {
    }

    /** Tells the coordinator that {@code transaction} may wait up to {@code waitMs}, if that is positive. */
    public static void set(AddPartitionsToTxnTransaction transaction, int waitMs) {
        if (waitMs > 0) {
            transaction.unknownTaggedFields().add(new RawTaggedField(TAG,
                    ByteBuffer.allocate(Integer.BYTES).putInt(waitMs).array()));
        }
    }

    /** How long {@code transaction} may wait, in milliseconds: 0 if its sender said nothing. */
    public static int of(AddPartitionsToTxnTransaction transaction) {
        for (RawTaggedField field : transaction.unknownTaggedFields()) {
            if (field.tag() == TAG && field.size() == Integer.BYTES) {
                return Math.max(0, ByteBuffer.wrap(field.data()).getInt());
            }
        }
        return 0;
    }
}
