package io.skein.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.skein.log.LeaderEpochCache.EpochEndOffset;
import io.skein.log.LeaderEpochCache.EpochEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaderEpochCacheTest {
    @TempDir
    Path dir;

    private static Path createDirectories(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private LeaderEpochCache cacheWith(int... epochAndStart) {
        LeaderEpochCache cache = LeaderEpochCache.empty(dir);
        for (int i = 0; i < epochAndStart.length; i += 2) {
            cache.assign(epochAndStart[i], epochAndStart[i + 1]);
        }
        return cache;
    }

    @Test
    void answersOffsetsForLeaderEpochAsKafkaDoes() {
        LeaderEpochCache cache = cacheWith(2, 10, 4, 20, 7, 35);

        assertEquals(new EpochEndOffset(7, 50), cache.endOffsetFor(7, 50), "the latest epoch ends at the log end");
        assertEquals(new EpochEndOffset(4, 35), cache.endOffsetFor(4, 50));
        assertEquals(new EpochEndOffset(4, 35), cache.endOffsetFor(5, 50), "an unknown epoch: the largest below it");
        assertEquals(new EpochEndOffset(1, 10), cache.endOffsetFor(1, 50), "older than any: ends where the first starts");
        assertEquals(EpochEndOffset.UNDEFINED, cache.endOffsetFor(8, 50), "newer than any");
        assertEquals(EpochEndOffset.UNDEFINED, cache.endOffsetFor(LeaderEpochCache.UNDEFINED_EPOCH, 50));
        Path other = dir.resolve("other");
        assertEquals(EpochEndOffset.UNDEFINED, LeaderEpochCache.empty(createDirectories(other)).endOffsetFor(0, 0));
    }

    @Test
    void mapsOffsetsToEpochs() {
        LeaderEpochCache cache = cacheWith(2, 10, 4, 20);
        assertEquals(OptionalInt.empty(), cache.epochForOffset(9));
        assertEquals(OptionalInt.of(2), cache.epochForOffset(10));
        assertEquals(OptionalInt.of(2), cache.epochForOffset(19));
        assertEquals(OptionalInt.of(4), cache.epochForOffset(1000));
    }

    @Test
    void onlyNewerEpochsAreAssigned() {
        LeaderEpochCache cache = cacheWith(3, 10);
        cache.assign(3, 15);
        cache.assign(2, 20);
        cache.assign(-1, 30);
        assertEquals(List.of(new EpochEntry(3, 10)), cache.entries());
        cache.assign(5, 8); // a newer epoch starting earlier replaces what it overlaps
        assertEquals(List.of(new EpochEntry(5, 8)), cache.entries());
    }

    @Test
    void truncationFromEitherEndIsDurable() throws IOException {
        LeaderEpochCache cache = cacheWith(1, 0, 2, 10, 3, 20, 4, 30);

        cache.truncateFromEnd(20);
        cache.truncateFromStart(5);

        List<EpochEntry> expected = List.of(new EpochEntry(1, 5), new EpochEntry(2, 10));
        assertEquals(expected, cache.entries());
        assertEquals(expected, LeaderEpochCache.load(dir).entries());
        assertEquals("0\n2\n1 5\n2 10\n", Files.readString(dir.resolve(LeaderEpochCache.CHECKPOINT_FILE)));
        cache.clear();
        assertEquals(List.of(), LeaderEpochCache.load(dir).entries());
    }

    @Test
    void anUnreadableCheckpointIsReportedForRebuilding() throws IOException {
        Files.writeString(dir.resolve(LeaderEpochCache.CHECKPOINT_FILE), "0\n1\nnot numbers\n");
        assertNull(LeaderEpochCache.load(dir));
    }
}
