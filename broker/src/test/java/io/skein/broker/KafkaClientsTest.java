package io.skein.broker;

import io.skein.testing.ClientWorkload;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** The project's own kafka-clients (4.x) against a real node: producers, consumers, Admin. */
@Timeout(120)
class KafkaClientsTest {
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

    @ParameterizedTest
    @ValueSource(strings = {"roundtrip", "codecs", "acks", "admin"})
    void scenario(String scenario) throws Exception {
        new ClientWorkload(node.bootstrap(), "v4").run(scenario);
    }
}
