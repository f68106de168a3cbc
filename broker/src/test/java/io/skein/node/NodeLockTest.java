package io.skein.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.skein.testing.TestNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's lock on its directories within one JVM; {@link StartMistakesTest} has it between processes. */
class NodeLockTest {
    @TempDir
    Path dir;

    @Test
    void aNodeHoldsEveryDirectoryWithItsPidUntilItCloses() throws IOException {
        Path metadata = dir.resolve("metadata");
        NodeConfig config = NodeConfig.of(TestNode.settings(dir, Map.of(NodeConfig.METADATA_LOG_DIR, metadata.toString())));
        NodeStorage.format(config, NodeStorage.randomClusterId(), false);
        String pid = Long.toString(ProcessHandle.current().pid());
        Path data = config.logDirs().get(0);

        NodeLock lock = NodeLock.acquire(config);
        for (Path each : config.formattedDirs()) {
            assertEquals(pid + "\n", Files.readString(each.resolve(NodeLock.FILE_NAME), StandardCharsets.US_ASCII));
        }
        IOException refused = assertThrows(IOException.class, () -> NodeLock.acquire(config));
        assertEquals("a node is already running on " + data + " (pid " + pid + "): stop it, or give this one another "
                + "log.dirs", refused.getMessage());
        assertEquals(pid + "\n", Files.readString(data.resolve(NodeLock.FILE_NAME), StandardCharsets.US_ASCII),
                "a refused node leaves the lock as it was");

        lock.close();
        assertEquals("", Files.readString(data.resolve(NodeLock.FILE_NAME), StandardCharsets.US_ASCII),
                "no pid left to mislead");
        NodeLock.acquire(config).close();
    }
}
