package io.skein.log.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * One offset per partition of a log directory, as Kafka keeps its recovery points, log start offsets
 * and high watermarks: lines of {@code topic partition offset}.
 */
public final class OffsetCheckpointFile {
    private static final int VERSION = 0;

    private final CheckpointFile<Map.Entry<TopicPartition, Long>> file;

    public OffsetCheckpointFile(Path path) {
        this.file = new CheckpointFile<>(path, VERSION, new CheckpointFile.Format<>() {
            @Override
            public String format(Map.Entry<TopicPartition, Long> entry) {
                return entry.getKey().topic() + ' ' + entry.getKey().partition() + ' ' + entry.getValue();
            }

            @Override
            public Map.Entry<TopicPartition, Long> parse(String line) {
                String[] fields = line.trim().split(" ");
                if (fields.length != 3) {
                    throw new IllegalArgumentException("malformed line \"" + line + "\"");
                }
                return Map.entry(new TopicPartition(fields[0], Integer.parseInt(fields[1])), Long.parseLong(fields[2]));
            }
        });
    }

    public void write(Map<TopicPartition, Long> offsets) throws IOException {
        file.write(offsets.entrySet());
    }

    public Map<TopicPartition, Long> read() throws IOException {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        for (Map.Entry<TopicPartition, Long> entry : file.read()) {
            offsets.put(entry.getKey(), entry.getValue());
        }
        return offsets;
    }

    public Path path() {
        return file.path();
    }
}
