package io.skein.log.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransactionIndexTest {
    private static final AbortedTxn A = new AbortedTxn(7, 0, 10, 11);
    private static final AbortedTxn B = new AbortedTxn(8, 5, 20, 12);
    private static final AbortedTxn C = new AbortedTxn(9, 21, 30, 31);

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("00000000000000000000.txnindex");
    }

    /** Kafka's entry: version int16 0, producer id, first offset, last offset, last stable offset. */
    @Test
    void entriesAreWrittenInKafkasFormatAndReadBack() throws Exception {
        try (TransactionIndex index = new TransactionIndex(0, file())) {
            assertFalse(Files.exists(file()), "created with its first entry");
            index.append(A);
            index.append(B);
        }
        ByteBuffer expected = ByteBuffer.allocate(68);
        expected.putShort((short) 0).putLong(7).putLong(0).putLong(10).putLong(11);
        expected.putShort((short) 0).putLong(8).putLong(5).putLong(20).putLong(12);
        assertArrayEquals(expected.array(), Files.readAllBytes(file()));
        try (TransactionIndex index = new TransactionIndex(0, file())) {
            assertEquals(List.of(A, B), index.allAbortedTxns());
            assertThrows(IllegalArgumentException.class, () -> index.append(new AbortedTxn(1, 0, 20, 21)),
                    "markers come in order");
            index.append(C);
            assertEquals(List.of(A, B, C), index.allAbortedTxns());
        }
    }

    @Test
    void aTornLastEntryIsIgnoredAndOverwritten() throws Exception {
        try (TransactionIndex index = new TransactionIndex(0, file())) {
            index.append(A);
            index.append(B);
        }
        byte[] bytes = Files.readAllBytes(file());
        Files.write(file(), Arrays.copyOf(bytes, bytes.length - 5));
        try (TransactionIndex index = new TransactionIndex(0, file())) {
            assertEquals(List.of(A), index.allAbortedTxns());
            index.append(C);
            assertEquals(List.of(A, C), index.allAbortedTxns());
        }
    }

    @Test
    void truncationRemovesTheTransactionsAbortedFromTheOffsetOn() throws Exception {
        try (TransactionIndex index = new TransactionIndex(0, file())) {
            index.append(A);
            index.append(B);
            index.append(C);
            index.truncateTo(20);
            assertEquals(List.of(A), index.allAbortedTxns());
            assertEquals(34, Files.size(file()));
            index.append(new AbortedTxn(8, 5, 15, 16));
            index.reset();
            assertEquals(List.of(), index.allAbortedTxns());
        }
    }

    /** As Kafka: overlapping entries, and done once an entry's last stable offset reaches the upper bound. */
    @Test
    void aSearchCollectsTheOverlappingTransactionsAndKnowsWhenItIsComplete() throws Exception {
        try (TransactionIndex index = new TransactionIndex(0, file())) {
            index.append(A);
            index.append(B);
            index.append(C);
            TransactionIndex.SearchResult found = index.collectAbortedTxns(11, 21);
            assertEquals(List.of(B), found.abortedTransactions());
            assertTrue(found.complete(), "C's last stable offset 31 reaches 21");
            found = index.collectAbortedTxns(0, 40);
            assertEquals(List.of(A, B, C), found.abortedTransactions());
            assertFalse(found.complete(), "a later segment may hold transactions aborted below 40");
        }
    }

    @Test
    void anEntryEndingBeforeTheSegmentIsCorrupt() throws Exception {
        try (TransactionIndex index = new TransactionIndex(15, file())) {
            index.append(A);
            assertThrows(CorruptIndexException.class, index::sanityCheck);
        }
    }
}
