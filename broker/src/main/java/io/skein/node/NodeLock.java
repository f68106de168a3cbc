package io.skein.node;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A running node's claim on its directories: {@value #FILE_NAME} in each of them, locked and holding
 * the node's pid, taken before the node binds a port, so that a second node started on the same
 * directories is refused at once, naming the first. The lock is the operating system's, which it
 * drops when the process ends however it ends; a file a killed node left behind holds no lock and is
 * simply taken over. (The log manager's own {@code .lock} guards the log dirs of any log manager; this
 * one is the node's, covering the metadata log dir too, and says who holds it.)
 */
public final class NodeLock implements AutoCloseable {
    public static final String FILE_NAME = ".node.lock";

    /**
     * The files locked in this JVM. A lock is the process's: a second channel would fail to lock the
     * file, and closing it would drop the first channel's lock too, so a file held here is never opened again.
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private record Held(Path file, FileChannel channel, FileLock lock) {
    }

    private final List<Held> held;

    private NodeLock(List<Held> held) {
        this.held = held;
    }

    /**
     * Locks every directory of {@code config} (which must exist: it is formatted) for this process.
     *
     * @throws IOException "a node is already running on DIR (pid N)" if another node holds one of them
     */
    public static NodeLock acquire(NodeConfig config) throws IOException {
        List<Held> held = new ArrayList<>();
        try {
            for (Path dir : config.formattedDirs()) {
                held.add(lock(dir, config.logDirs().contains(dir) ? NodeConfig.LOG_DIRS : NodeConfig.METADATA_LOG_DIR));
            }
        } catch (IOException | RuntimeException e) {
            new NodeLock(held).close();
            throw e;
        }
        return new NodeLock(held);
    }

    private static Held lock(Path dir, String key) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (!HELD.add(file)) {
            throw running(dir, key, Long.toString(ProcessHandle.current().pid()));
        }
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            try {
                FileLock lock = channel.tryLock();
                if (lock == null) {
                    throw running(dir, key, owner(channel));
                }
                channel.truncate(0);
                channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
                return new Held(file, channel, lock);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            HELD.remove(file);
            throw e;
        }
    }

    /** The pid the holder wrote, or "" if it has not written it yet. */
    private static String owner(FileChannel channel) throws IOException {
        ByteBuffer content = ByteBuffer.allocate(32);
        channel.read(content, 0);
        return new String(content.array(), 0, content.position(), StandardCharsets.US_ASCII).strip();
    }

    private static IOException running(Path dir, String key, String pid) {
        return new IOException("a node is already running on " + shown(dir) + (pid.isEmpty() ? "" : " (pid " + pid + ")")
                + ": stop it, or give this one another " + key);
    }

    /** {@code dir} as the user is likely to have named it: {@code ./data} below the working directory. */
    private static String shown(Path dir) {
        Path here = Path.of("").toAbsolutePath();
        return dir.startsWith(here) && !dir.equals(here) ? "./" + here.relativize(dir) : dir.toString();
    }

    /** Empties the files (no pid is left to mislead) and releases them. */
    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (Held each : held) {
            try (FileChannel channel = each.channel()) {
                channel.truncate(0);
                each.lock().release();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            } finally {
                HELD.remove(each.file());
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
