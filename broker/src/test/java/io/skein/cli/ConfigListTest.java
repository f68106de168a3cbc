package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.skein.log.LogConfig;
import io.skein.node.NodeConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** {@code skein config list}: every key of a node and of a topic, from the definitions the node parses them with. */
class ConfigListTest {
    private static Map<String, JsonNode> keys(JsonNode document, String scope) {
        Map<String, JsonNode> keys = new TreeMap<>();
        document.get("keys").forEach(key -> {
            if (key.get("scope").asText().equals(scope)) {
                keys.put(key.get("name").asText(), key);
            }
        });
        return keys;
    }

    private static List<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    @Test
    void jsonHasEveryKeyWithItsTypeDefaultValidValuesAndUpdateMode() throws Exception {
        JsonNode document = CliRun.skein("config", "list", "-o", "json").json();
        Map<String, JsonNode> node = keys(document, "node");
        Map<String, JsonNode> topic = keys(document, "topic");

        Set<String> nodeKeys = new TreeSet<>(NodeConfig.keys().keySet());
        nodeKeys.removeAll(NodeConfig.refusedKeys().keySet());
        nodeKeys.addAll(List.of("listener.name.<listener>.<key>", "listener.name.<listener>.<mechanism>.sasl.jaas.config"));
        assertEquals(nodeKeys, node.keySet());
        assertEquals(new TreeSet<>(LogConfig.names()), topic.keySet());

        JsonNode hours = node.get("log.retention.hours");
        assertEquals(List.of("int", "168", "[-1,...]", "cluster-wide"), List.of(hours.get("type").asText(),
                hours.get("default").asText(), hours.get("validValues").asText(), hours.get("updateMode").asText()));
        assertEquals("[-1,...]", node.get("log.retention.ms").get("validValues").asText(), "unset, or at least -1");
        assertTrue(node.get("log.retention.ms").get("default").isNull());
        assertEquals("read-only", node.get("num.io.threads").get("updateMode").asText());
        assertTrue(node.get("node.id").get("required").asBoolean());
        assertTrue(node.get("node.id").get("default").isNull());
        assertFalse(node.get("log.dirs").get("required").asBoolean(), "log.dir stands in for it");
        assertEquals("PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL",
                node.get("listener.security.protocol.map").get("default").asText(), "as written in a config file");

        JsonNode retention = topic.get("retention.ms");
        assertEquals(List.of("log.retention.ms", "log.retention.minutes", "log.retention.hours"),
                texts(retention.get("serverDefault")));
        assertEquals("per-topic", retention.get("updateMode").asText());
        assertEquals("-1 or [1,...,9]", topic.get("compression.gzip.level").get("validValues").asText());
        assertEquals("false (true is refused)", topic.get("remote.storage.enable").get("validValues").asText());

        document.get("keys").forEach(key -> {
            String shown = key.get("default").asText() + " " + key.get("validValues").asText();
            assertFalse(shown.contains("Lambda") || shown.contains("java.lang.Object@"), key.toString());
            assertFalse(key.get("documentation").asText().contains("<code>"), "plain text: " + key);
        });
        Set<String> refused = new TreeSet<>();
        document.get("refused").forEach(refusal -> refused.add(refusal.get("name").asText()));
        assertTrue(refused.containsAll(List.of("ssl.engine.factory.class", "controller.quorum.bootstrap.servers",
                "remote.storage.enable=true")), refused.toString());
    }

    @Test
    void theTableShowsKeysWhoseNameContainsTheText() {
        CliRun hours = CliRun.skein("config", "list", "retention.hours");
        assertEquals(0, hours.exitCode(), hours.err());
        assertTrue(hours.out().startsWith("Node keys (server.properties):\nKEY "), hours.out());
        assertTrue(hours.out().lines().anyMatch(line -> line.matches(
                "log\\.retention\\.hours +int +168 +\\[-1,\\.\\.\\.] +cluster-wide +Default retention\\.ms, in hours")),
                hours.out());
        assertFalse(hours.out().contains("Topic keys"), "no topic key's name contains it: " + hours.out());

        CliRun topic = CliRun.skein("config", "list", "retention", "--scope", "topic");
        assertEquals(0, topic.exitCode(), topic.err());
        assertTrue(topic.out().startsWith("Topic keys"), topic.out());
        assertTrue(topic.out().lines().anyMatch(line -> line.matches("retention\\.ms +long +604800000 +\\[-1,\\.\\.\\.] "
                + "+log\\.retention\\.ms,log\\.retention\\.minutes,log\\.retention\\.hours +\\S.*")), topic.out());
        assertFalse(topic.out().contains("Node keys"), topic.out());

        CliRun none = CliRun.skein("config", "list", "retention.weeks");
        assertEquals(1, none.exitCode());
        assertEquals("No key's name contains 'retention.weeks'\n", none.err());
    }
}
