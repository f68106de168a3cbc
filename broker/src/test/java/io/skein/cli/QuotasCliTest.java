package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code skein quotas} (and so the admin API's quota RPCs) against a real node: quotas set by user,
 * client id and their defaults are the ones Kafka's Admin client then describes, listed as a table or
 * JSON and filtered, and removed one key or all at once; Kafka's refusals are exit code 1, bad usage 2.
 */
@Timeout(120)
class QuotasCliTest {
    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir, Map.of());
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    private static CliRun skein(String... args) {
        return CliRun.atAdmin(node.adminAddress(), args);
    }

    @Test
    void quotasAreSetListedAndRemovedAsKafkasClientsSeeThem() throws Exception {
        CliRun set = skein("quotas", "set", "--user", "alice", "producer_byte_rate=1048576", "request_percentage=12.5");
        assertEquals(0, set.exitCode(), set.err());
        assertTrue(set.out().startsWith("USER") && set.out().contains("alice  -          producer_byte_rate  1048576")
                && set.out().contains("request_percentage  12.5"), set.out());
        assertEquals(0, skein("quotas", "set", "--user", "alice", "--client-id", "reports",
                "consumer_byte_rate=2000000").exitCode());
        assertEquals(0, skein("quotas", "set", "--default-client-id", "consumer_byte_rate=500000").exitCode());

        try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
            Map<ClientQuotaEntity, Map<String, Double>> described = admin.describeClientQuotas(ClientQuotaFilter.all())
                    .entities().get();
            Map<String, String> defaultClient = new HashMap<>();
            defaultClient.put("client-id", null);
            assertEquals(Map.of(new ClientQuotaEntity(Map.of("user", "alice")),
                            Map.of("producer_byte_rate", 1048576.0, "request_percentage", 12.5),
                            new ClientQuotaEntity(Map.of("user", "alice", "client-id", "reports")),
                            Map.of("consumer_byte_rate", 2000000.0),
                            new ClientQuotaEntity(defaultClient), Map.of("consumer_byte_rate", 500000.0)),
                    described, "what Kafka's clients see");
        }

        String all = skein("quotas", "list").out();
        assertTrue(all.contains("-      <default>  consumer_byte_rate  500000")
                && all.contains("alice  reports    consumer_byte_rate  2000000"), all);
        JsonNode alices = skein("quotas", "list", "--user", "alice", "-o", "json").json().get("entries");
        assertEquals(2, alices.size(), "alice's own and her client id's: " + alices);
        assertEquals(1, skein("quotas", "list", "--default-client-id", "-o", "json").json().get("entries").size());

        CliRun removed = skein("quotas", "remove", "--user", "alice", "producer_byte_rate");
        assertEquals(0, removed.exitCode(), removed.err());
        assertTrue(removed.out().contains("request_percentage") && !removed.out().contains("producer_byte_rate"),
                removed.out());
        CliRun gone = skein("quotas", "remove", "--user", "alice", "--all");
        assertEquals("No quotas left for user alice, client id -\n", gone.out());
        assertEquals(0, skein("quotas", "remove", "--user", "alice", "--client-id", "reports", "--all").exitCode());
        assertEquals(0, skein("quotas", "remove", "--default-client-id", "--all").exitCode());
        assertEquals("No client quotas\n", skein("quotas", "list").out());
    }

    @Test
    void kafkasRefusalsFailWithItsErrorAndBadUsageWithTwo() {
        CliRun fraction = skein("quotas", "set", "--client-id", "app", "producer_byte_rate=0.5");
        assertEquals(1, fraction.exitCode(), fraction.out() + fraction.err());
        assertTrue(fraction.err().lines().anyMatch(line -> line.equals(
                "Error: INVALID_REQUEST: producer_byte_rate cannot be a fractional value.")), fraction.err());
        CliRun unknown = skein("quotas", "set", "--user", "bob", "fetch_rate=5");
        assertEquals(1, unknown.exitCode());
        assertTrue(unknown.err().contains("Invalid configuration key fetch_rate"), unknown.err());

        assertEquals(2, skein("quotas", "set", "producer_byte_rate=5").exitCode(), "no entity");
        assertEquals(2, skein("quotas", "set", "--user", "bob", "--default-user", "producer_byte_rate=5").exitCode());
        assertEquals(2, skein("quotas", "set", "--user", "bob", "producer_byte_rate").exitCode(), "no value");
        assertEquals(2, skein("quotas", "remove", "--user", "bob").exitCode(), "no key, no --all");
    }
}
