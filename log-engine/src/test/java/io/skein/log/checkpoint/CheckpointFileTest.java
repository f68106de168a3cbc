package io.skein.log.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointFileTest {
    private static final Map<TopicPartition, Long> GOOD = Map.of(new TopicPartition("a", 0), 42L,
            new TopicPartition("b.c-d_e", 7), 9L);

    @TempDir
    Path dir;

    @Test
    void roundTripsInKafkasLayout() throws IOException {
        OffsetCheckpointFile file = new OffsetCheckpointFile(dir.resolve("offsets"));
        assertEquals(Map.of(), file.read(), "a missing checkpoint is empty");

        file.write(GOOD);

        assertEquals(GOOD, file.read());
        String text = Files.readString(file.path());
        assertTrue(text.startsWith("0\n2\n"), text);
        assertTrue(text.contains("a 0 42\n"), text);
    }

    @Test
    void aTornTempFileNeverReplacesAGoodCheckpoint() throws IOException {
        OffsetCheckpointFile file = new OffsetCheckpointFile(dir.resolve("offsets"));
        file.write(GOOD);
        Path temp = dir.resolve("offsets" + AtomicFiles.TEMP_SUFFIX);
        Files.writeString(temp, "0\n2\na 0 4"); // a writer that died mid-write

        assertEquals(GOOD, file.read());

        file.write(Map.of(new TopicPartition("a", 0), 43L));
        assertEquals(Map.of(new TopicPartition("a", 0), 43L), file.read());
        assertFalse(Files.exists(temp));
    }

    @Test
    void aWriteThatFailsLeavesTheOldCheckpoint() throws IOException {
        OffsetCheckpointFile file = new OffsetCheckpointFile(dir.resolve("offsets"));
        file.write(GOOD);
        Path temp = dir.resolve("offsets" + AtomicFiles.TEMP_SUFFIX);
        Files.createDirectories(temp.resolve("blocker")); // the temp file cannot be created

        assertThrows(IOException.class, () -> file.write(Map.of()));

        assertEquals(GOOD, file.read());
    }

    @Test
    void aCorruptCheckpointIsReportedNotHalfRead() throws IOException {
        Path path = dir.resolve("offsets");
        OffsetCheckpointFile file = new OffsetCheckpointFile(path);
        for (String corrupt : new String[] {"0\n3\na 0 1\n", "0\n1\na 0\n", "0\n1\na zero 1\n", "1\n0\n", ""}) {
            Files.writeString(path, corrupt);
            assertThrows(CheckpointFile.CorruptCheckpointException.class, file::read, corrupt);
        }
    }
}
