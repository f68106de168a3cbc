package io.skein.log;

import static io.skein.log.TestLogs.appendAsLeader;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * A second process for tests that need one: {@code lock DIR NODE} holds a log directory until its
 * stdin closes; {@code write DIR NODE} appends numbered records to {@code topic-0} forever, printing
 * each acknowledged offset, until it is killed; {@code delete-records DIR NODE} writes offsets 0-99 to
 * {@code topic-0}, deletes those below 60 as a DeleteRecords request does, prints {@code DELETED BELOW 60}
 * and waits to be killed.
 */
public final class LogDirChild {
    private LogDirChild() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[1]);
        int nodeId = Integer.parseInt(args[2]);
        LogConfig smallSegments = LogConfig.fromMap(Map.of("segment.bytes", 64 * 1024));
        LogManager manager = LogManager.start(LogManagerConfig.defaults(List.of(dir), nodeId), topic -> smallSegments,
                Clock.systemUTC(), FlushListener.NONE);
        switch (args[0]) {
            case "lock" -> {
                System.out.println("STARTED");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // hold the directory until the parent closes our stdin
                }
                manager.close();
            }
            case "write" -> {
                PartitionLog log = manager.getOrCreateLog(new TopicPartition("topic", 0), smallSegments);
                for (long offset = log.logEndOffset(); ; offset++) {
                    appendAsLeader(log, ProcessTestSupport.numberedBatch(offset), 0);
                    System.out.println("APPENDED " + offset);
                    System.out.flush();
                }
            }
            case "delete-records" -> {
                PartitionLog log = manager.getOrCreateLog(new TopicPartition("topic", 0), smallSegments);
                for (long offset = 0; offset < 100; offset++) {
                    appendAsLeader(log, ProcessTestSupport.numberedBatch(offset), 0);
                }
                log.updateHighWatermark(log.logEndOffset());
                log.maybeIncrementLogStartOffset(60);
                manager.checkpointLogStartOffsets(List.of(log.topicPartition()));
                System.out.println("DELETED BELOW 60");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // wait for the parent's kill
                }
            }
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
        }
    }
}
