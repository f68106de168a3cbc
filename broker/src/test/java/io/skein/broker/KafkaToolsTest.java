package io.skein.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.ChildJvm;
import io.skein.testing.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's own command-line tools against a real node, each run as {@code kafka-topics.sh} and friends
 * would: their main class, in a JVM of their own with the kafka-clients release they were built with.
 */
@Timeout(300)
class KafkaToolsTest {
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir);
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    private static ChildJvm.Result tool(Path stdin, String mainClass, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", node.bootstrap()));
        all.addAll(List.of(args));
        return ChildJvm.run(System.getProperty("skein.kafka.tools.version"), stdin, TOOL_TIMEOUT, mainClass,
                all.toArray(String[]::new));
    }

    private static ChildJvm.Result topics(String... args) throws Exception {
        return tool(null, "org.apache.kafka.tools.TopicCommand", args);
    }

    private static String succeeded(ChildJvm.Result result) {
        assertEquals(0, result.exitCode(), result.output());
        return result.output();
    }

    @Test
    void kafkaTopicsCreatesListsDescribesAltersAndDeletes() throws Exception {
        assertTrue(succeeded(topics("--create", "--topic", "t01", "--partitions", "3", "--replication-factor", "1"))
                .contains("Created topic t01."));
        assertTrue(ChildJvm.printed(succeeded(topics("--list"))).contains("t01"));

        String described = succeeded(topics("--describe", "--topic", "t01"));
        assertTrue(described.contains("PartitionCount: 3"), described);
        for (int p = 0; p < 3; p++) {
            assertTrue(described.contains("Partition: " + p + "\tLeader: 1\tReplicas: 1\tIsr: 1"), described);
        }

        succeeded(topics("--alter", "--topic", "t01", "--partitions", "4"));
        assertTrue(succeeded(topics("--describe", "--topic", "t01")).contains("PartitionCount: 4"));

        ChildJvm.Result fewer = topics("--alter", "--topic", "t01", "--partitions", "2");
        assertNotEquals(0, fewer.exitCode(), fewer.output());
        assertTrue(fewer.output().contains("The number of partitions for a topic can only be increased. Topic t01 "
                + "currently has 4 partitions, 2 would not be an increase."), fewer.output());

        ChildJvm.Result twice = topics("--create", "--topic", "t01", "--partitions", "1");
        assertNotEquals(0, twice.exitCode(), twice.output());
        assertTrue(twice.output().contains("Topic 't01' already exists."), twice.output());

        succeeded(topics("--delete", "--topic", "t01"));
        assertTrue(!ChildJvm.printed(succeeded(topics("--list"))).contains("t01"));
    }

    @Test
    void consoleProducerToConsoleConsumer() throws Exception {
        succeeded(topics("--create", "--topic", "console", "--partitions", "1", "--replication-factor", "1"));
        List<String> lines = IntStream.range(0, 50).mapToObj(i -> "line " + i).toList();
        Path input = dir.resolve("input.txt");
        Files.write(input, lines);
        succeeded(tool(input, "org.apache.kafka.tools.ConsoleProducer", "--topic", "console"));

        String consumed = succeeded(tool(null, "org.apache.kafka.tools.consumer.ConsoleConsumer", "--topic", "console",
                "--partition", "0", "--from-beginning", "--max-messages", "50", "--timeout-ms", "30000"));
        assertEquals(lines, ChildJvm.printed(consumed).stream().filter(line -> line.startsWith("line ")).toList(),
                consumed);
        assertTrue(consumed.contains("Processed a total of 50 messages"), consumed);
    }
}
