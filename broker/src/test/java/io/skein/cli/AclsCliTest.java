package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.skein.node.NodeConfig;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code skein acls} (and so the admin API's ACL RPCs) against a real node with an authorizer: ACLs
 * added with kafka-acls' options are the ones Kafka's Admin client then describes, listed as a table
 * or JSON and filtered, and removed by filters; Kafka's refusals are exit code 1, bad usage 2.
 */
@Timeout(120)
class AclsCliTest {
    @TempDir
    static Path dir;
    static TestNode node;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir, Map.of(NodeConfig.AUTHORIZER_CLASS_NAME, NodeConfig.STANDARD_AUTHORIZER,
                NodeConfig.SUPER_USERS, "User:ANONYMOUS"));
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    private static CliRun skein(String... args) {
        return CliRun.atAdmin(node.adminAddress(), args);
    }

    /** The ACLs of a JSON answer's list, each as "TYPE:NAME:PATTERN PRINCIPAL@HOST OPERATION PERMISSION". */
    private static Set<String> acls(JsonNode list) {
        return StreamSupport.stream(list.spliterator(), false).map(acl -> acl.get("resourceType").asText() + ":"
                + acl.get("resourceName").asText() + ":" + acl.get("patternType").asText() + " "
                + acl.get("principal").asText() + "@" + acl.get("host").asText() + " " + acl.get("operation").asText()
                + " " + acl.get("permission").asText()).collect(Collectors.toSet());
    }

    private static AclBinding binding(ResourceType type, String name, PatternType pattern, String principal,
                                      AclOperation operation, AclPermissionType permission) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(principal, "*", operation, permission));
    }

    @Test
    void aclsAreAddedListedAndRemovedWithKafkaAclsOptions() throws Exception {
        CliRun added = skein("acls", "add", "--topic", "orders", "--group", "billing", "--allow-principal",
                "User:alice", "--operation", "Read", "--operation", "describe");
        assertEquals(0, added.exitCode(), added.err());
        assertTrue(added.out().startsWith("RESOURCE-TYPE"), added.out());
        assertTrue(added.out().contains("TOPIC          orders   LITERAL  User:alice  *     READ"), added.out());
        skein("acls", "add", "--topic", "pay", "--resource-pattern-type", "prefixed", "--deny-principal",
                "User:bob", "--deny-host", "10.0.0.9", "--operation", "write", "-o", "json").json();

        assertEquals(Set.of("TOPIC:orders:LITERAL User:alice@* READ ALLOW",
                        "TOPIC:orders:LITERAL User:alice@* DESCRIBE ALLOW",
                        "GROUP:billing:LITERAL User:alice@* READ ALLOW",
                        "GROUP:billing:LITERAL User:alice@* DESCRIBE ALLOW",
                        "TOPIC:pay:PREFIXED User:bob@10.0.0.9 WRITE DENY"),
                acls(skein("acls", "list", "-o", "json").json().get("acls")));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
            assertTrue(admin.describeAcls(AclBindingFilter.ANY).values().get().containsAll(List.of(
                    binding(ResourceType.GROUP, "billing", PatternType.LITERAL, "User:alice", AclOperation.READ,
                            AclPermissionType.ALLOW),
                    new AclBinding(new ResourcePattern(ResourceType.TOPIC, "pay", PatternType.PREFIXED),
                            new AccessControlEntry("User:bob", "10.0.0.9", AclOperation.WRITE,
                                    AclPermissionType.DENY)))), "what Kafka's clients see");
        }
        assertEquals(Set.of("TOPIC:pay:PREFIXED User:bob@10.0.0.9 WRITE DENY"), acls(skein("acls", "list",
                "--topic", "payments", "--resource-pattern-type", "match", "-o", "json").json().get("acls")));
        assertEquals(2, skein("acls", "list", "--topic", "orders", "--principal", "User:alice", "-o", "json").json()
                .get("acls").size());

        assertEquals(Set.of("TOPIC:orders:LITERAL User:alice@* READ ALLOW"), acls(skein("acls", "remove",
                "--topic", "orders", "--allow-principal", "User:alice", "--operation", "read", "-o", "json").json()
                .get("deleted")));
        assertEquals(Set.of("GROUP:billing:LITERAL User:alice@* READ ALLOW",
                "GROUP:billing:LITERAL User:alice@* DESCRIBE ALLOW"), acls(skein("acls", "remove", "--group",
                "billing", "-o", "json").json().get("deleted")), "every ACL of the resource");
        assertEquals(Set.of("TOPIC:orders:LITERAL User:alice@* DESCRIBE ALLOW",
                "TOPIC:pay:PREFIXED User:bob@10.0.0.9 WRITE DENY"), acls(skein("acls", "list", "-o", "json").json()
                .get("acls")));
    }

    @Test
    void kafkasRefusalsFailWithItsErrorAndBadUsageWithTwo() {
        CliRun notAPrincipal = skein("acls", "add", "--cluster", "--allow-principal", "alice", "--operation", "alter");
        assertEquals(1, notAPrincipal.exitCode(), notAPrincipal.out() + notAPrincipal.err());
        // A line of its own: the captured stderr is the JVM's, where other tests' late log lines may land first.
        assertTrue(notAPrincipal.err().lines().anyMatch(line -> line.startsWith("Error: INVALID_REQUEST: ")),
                notAPrincipal.err());
        CliRun unknownOperation = skein("acls", "add", "--topic", "t", "--allow-principal", "User:a", "--operation",
                "fly");
        assertEquals(1, unknownOperation.exitCode());
        assertTrue(unknownOperation.err().contains("Unknown operation 'fly'"), unknownOperation.err());
        assertEquals(2, skein("acls", "add", "--allow-principal", "User:alice").exitCode(), "no resource");
        assertEquals(2, skein("acls", "add", "--topic", "t").exitCode(), "no principal");
        assertEquals(2, skein("acls", "remove", "--allow-principal", "User:alice").exitCode(), "no resource");
    }
}
