package io.skein.log.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.producer.ProducerStateManager.BatchMetadata;
import io.skein.log.producer.ProducerStateManager.PendingAppend;
import io.skein.log.record.RecordBatchView;
import io.skein.log.record.TestRecords;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.Optional;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.junit.jupiter.api.Test;

class ProducerStateManagerTest {
    private final ProducerStateManager state = new ProducerStateManager("t-0");
    private long nextOffset;

    /** A batch of {@code records} records from producer 7, written at the next offsets. */
    private RecordBatchView batch(short epoch, int baseSequence, int records, long timestamp) {
        ByteBuffer buffer = TestRecords.idempotentBatch(7, epoch, baseSequence, 0,
                Collections.nCopies(2 * records, "v").toArray(String[]::new));
        RecordBatchView view = new RecordBatchView().at(buffer, 0);
        view.setBaseOffset(nextOffset);
        nextOffset += records;
        buffer.putLong(35, timestamp); // max timestamp, for expiry
        return view;
    }

    private Optional<BatchMetadata> append(RecordBatchView batch) {
        Optional<BatchMetadata> duplicate = state.checkLeaderBatch(batch, new PendingAppend());
        if (duplicate.isEmpty()) {
            state.update(batch);
        }
        return duplicate;
    }

    @Test
    void sequencesWrapAroundAtIntegerMaxValue() {
        assertTrue(append(batch((short) 0, Integer.MAX_VALUE - 1, 3, 0)).isEmpty()); // MAX - 1, MAX, 0
        assertThrows(OutOfOrderSequenceException.class, () -> append(batch((short) 0, 2, 1, 0)));
        assertTrue(append(batch((short) 0, 1, 1, 0)).isEmpty());
    }

    @Test
    void aRetryIsFoundByItsExactSequenceRange() {
        RecordBatchView first = batch((short) 0, 0, 3, 0);
        append(first);
        append(batch((short) 0, 3, 2, 0));
        BatchMetadata original = append(batch((short) 0, 0, 3, 0)).orElseThrow();
        assertEquals(new BatchMetadata(0, 2, 0, 2), original);
        assertThrows(OutOfOrderSequenceException.class, () -> append(batch((short) 0, 0, 2, 0)),
                "an overlapping range that is not a retry");
    }

    @Test
    void batchesOfOneAppendFollowEachOther() {
        PendingAppend pending = new PendingAppend();
        assertTrue(state.checkLeaderBatch(batch((short) 0, 0, 2, 0), pending).isEmpty());
        assertTrue(state.checkLeaderBatch(batch((short) 0, 2, 2, 0), pending).isEmpty());
        assertThrows(OutOfOrderSequenceException.class, () -> state.checkLeaderBatch(batch((short) 0, 2, 2, 0), pending));
    }

    @Test
    void aNewEpochStartsAtZeroAndFencesTheOldOne() {
        append(batch((short) 3, 0, 1, 0));
        assertThrows(OutOfOrderSequenceException.class, () -> append(batch((short) 4, 5, 1, 0)));
        append(batch((short) 4, 0, 1, 0));
        assertThrows(InvalidProducerEpochException.class, () -> append(batch((short) 3, 1, 1, 0)));
    }

    @Test
    void anExpiredProducerMayContinueFromAnySequence() {
        append(batch((short) 0, 0, 1, 1_000));
        state.removeExpired(1_000 + 500, 1_000);
        assertThrows(OutOfOrderSequenceException.class, () -> append(batch((short) 0, 9, 1, 2_000)));
        state.removeExpired(1_000 + 5_000, 1_000);
        assertTrue(append(batch((short) 0, 9, 1, 6_000)).isEmpty());
    }
}
