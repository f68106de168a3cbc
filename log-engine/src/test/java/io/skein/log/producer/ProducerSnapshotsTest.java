package io.skein.log.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.skein.log.producer.ProducerSnapshots.CorruptSnapshotException;
import io.skein.log.producer.ProducerStateManager.BatchMetadata;
import io.skein.log.producer.ProducerStateManager.ProducerStateEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProducerSnapshotsTest {
    private static final List<ProducerStateEntry> ENTRIES = List.of(
            new ProducerStateEntry(7, (short) 2, 5, 1_700_000_000_123L, OptionalLong.of(20),
                    List.of(new BatchMetadata(0, 2, 10, 12), new BatchMetadata(3, 3, 20, 20),
                            new BatchMetadata(Integer.MAX_VALUE, 1, 21, 23))),
            new ProducerStateEntry(Long.MAX_VALUE, Short.MAX_VALUE, -1, -1, OptionalLong.empty(), List.of()));

    @TempDir
    Path dir;

    @Test
    void whatIsWrittenIsReadBackUnderItsOffset() throws Exception {
        ProducerSnapshots.write(dir, 24, ENTRIES);
        ProducerSnapshots.write(dir, 0, List.of());
        assertEquals(ENTRIES, ProducerSnapshots.read(dir, 24));
        assertEquals(List.of(), ProducerSnapshots.read(dir, 0));
        assertEquals(Set.of(0L, 24L), ProducerSnapshots.offsets(dir));
        assertEquals(Set.of("00000000000000000000.snapshot", "00000000000000000024.snapshot"),
                Set.of(dir.toFile().list()), "no temp file is left");
    }

    @Test
    void everyFlippedByteAndEveryCutIsCaught() throws Exception {
        ProducerSnapshots.write(dir, 24, ENTRIES);
        Path file = ProducerSnapshots.file(dir, 24);
        byte[] good = Files.readAllBytes(file);
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x01;
            Files.write(file, bad);
            assertThrows(CorruptSnapshotException.class, () -> ProducerSnapshots.read(dir, 24), "byte " + i);
        }
        for (int length = 0; length < good.length; length++) {
            Files.write(file, Arrays.copyOf(good, length));
            assertThrows(CorruptSnapshotException.class, () -> ProducerSnapshots.read(dir, 24), "length " + length);
        }
    }

    /** A snapshot of a Skein from before transactions: its producers have no marker and no transaction open. */
    @Test
    void aVersion1SnapshotIsReadWithNoTransactions() throws Exception {
        ByteBuffer v1 = ByteBuffer.allocate(2 + 4 + 8 + 4 + (8 + 2 + 8 + 1) + (4 + 4 + 8 + 8));
        v1.putShort((short) 1).putInt(0).putLong(24).putInt(1);
        v1.putLong(7).putShort((short) 2).putLong(1_700_000_000_123L).put((byte) 1).putInt(0).putInt(2).putLong(10)
                .putLong(12);
        CRC32C crc = new CRC32C();
        crc.update(v1.array(), 6, v1.capacity() - 6);
        v1.putInt(2, (int) crc.getValue());
        Files.write(ProducerSnapshots.file(dir, 24), v1.array());

        assertEquals(List.of(new ProducerStateEntry(7, (short) 2, -1, 1_700_000_000_123L, OptionalLong.empty(),
                List.of(new BatchMetadata(0, 2, 10, 12)))), ProducerSnapshots.read(dir, 24));
    }

    @Test
    void aSnapshotRenamedToAnotherOffsetIsRefused() throws Exception {
        ProducerSnapshots.write(dir, 24, ENTRIES);
        Files.move(ProducerSnapshots.file(dir, 24), ProducerSnapshots.file(dir, 30));
        assertThrows(CorruptSnapshotException.class, () -> ProducerSnapshots.read(dir, 30));
    }

    @Test
    void deletionKeepsOnlyTheRangeAsked() throws Exception {
        for (long offset : List.of(3L, 6L, 9L, 12L)) {
            ProducerSnapshots.write(dir, offset, List.of());
        }
        assertEquals(2, ProducerSnapshots.deleteOutside(dir, 6, 9));
        assertEquals(Set.of(6L, 9L), ProducerSnapshots.offsets(dir));
        ProducerSnapshots.deleteAll(dir);
        assertEquals(Set.of(), ProducerSnapshots.offsets(dir));
    }
}
