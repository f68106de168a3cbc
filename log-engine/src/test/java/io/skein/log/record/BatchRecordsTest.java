package io.skein.log.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BatchRecordsTest {
    /** Each record as {offset delta, timestamp, 1 if it has a key else 0}. */
    private static List<long[]> walk(ByteBuffer batch) {
        List<long[]> seen = new ArrayList<>();
        BatchRecords.walk(new RecordBatchView().at(batch, 0),
                (delta, timestamp, hasKey) -> seen.add(new long[] {delta, timestamp, hasKey ? 1 : 0}));
        return seen;
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void walksEveryRecordWithItsOffsetDeltaAndTimestamp(String codec) {
        ByteBuffer batch = TestRecords.batch(Compression.of(codec).build(), 500, "a", "b", "c");

        List<long[]> seen = walk(batch);

        assertEquals(3, seen.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, seen.get(i)[0]);
            assertEquals(500 + i, seen.get(i)[1]);
            assertEquals(1, seen.get(i)[2]);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "lz4"})
    void tellsRecordsWithAndWithoutKeysApart(String codec) {
        ByteBuffer batch = TestRecords.keyedBatch(Compression.of(codec).build(), 500, "k", "v", null, "w", "", "x");

        List<long[]> seen = walk(batch);

        assertEquals(List.of(1L, 0L, 1L), seen.stream().map(record -> record[2]).toList());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void malformedRecordsAreInvalidNotCrashes(int damage) {
        ByteBuffer batch = TestRecords.batch(100, "a", "b");
        switch (damage) {
            case 0 -> batch.put(61, (byte) 0x02); // first record's length 1: its fields overrun it
            case 1 -> {
                for (int i = 63; i < 69; i++) {
                    batch.put(i, (byte) 0xff); // a timestamp delta varint that never ends
                }
            }
            case 2 -> batch.putInt(57, 3); // three records declared, two present
            case 3 -> batch.putInt(57, 1); // one declared, two present
            default -> throw new IllegalArgumentException();
        }
        InvalidRecordException e = assertThrows(InvalidRecordException.class, () -> walk(batch));
        assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
    }
}
