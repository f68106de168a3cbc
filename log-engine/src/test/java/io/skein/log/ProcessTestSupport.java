package io.skein.log;

import io.skein.log.record.TestRecords;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Starts {@link LogDirChild} as a real JVM process and reads what it prints, with deadlines. */
final class ProcessTestSupport implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private ProcessTestSupport(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("READ FAILED " + e);
            }
        }, "child-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    static ProcessTestSupport start(String command, Path dir, int nodeId) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                LogDirChild.class.getName(), command, dir.toString(), Integer.toString(nodeId)));
        builder.redirectError(ProcessBuilder.Redirect.DISCARD);
        return new ProcessTestSupport(builder.start());
    }

    /** The next line the child prints, waiting at most 60 s. */
    String nextLine() throws InterruptedException {
        String line = lines.poll(60, TimeUnit.SECONDS);
        if (line == null) {
            throw new AssertionError("the child printed nothing for 60 s (alive: " + process.isAlive() + ")");
        }
        return line;
    }

    void closeStdin() throws IOException {
        process.getOutputStream().close();
    }

    /** SIGKILL: no shutdown hooks, no flush, no clean-shutdown marker. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    int waitForExit() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("the child did not exit within 60 s");
        }
        return process.exitValue();
    }

    /** The batch the writing child appends for {@code offset}: one record whose value names the offset. */
    static ByteBuffer numberedBatch(long offset) {
        return TestRecords.batch(offset, "value-" + offset);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
