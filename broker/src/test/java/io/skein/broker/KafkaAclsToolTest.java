package io.skein.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.image.Acl;
import io.skein.node.NodeConfig;
import io.skein.testing.ChildJvm;
import io.skein.testing.KafkaTools;
import io.skein.testing.TestCluster;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kafka-acls.sh} (Kafka 4.3.1's {@code AclCommand}) against a cluster of two brokers with an
 * authorizer: ACLs it adds through one broker show on every broker within the cluster's wait, it
 * lists them through the other, and removes them.
 */
@Timeout(300)
class KafkaAclsToolTest {
    private static final String TOOL = "org.apache.kafka.tools.AclCommand";

    @TempDir
    static Path dir;
    static TestCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = TestCluster.start(dir, 2, Map.of(NodeConfig.AUTHORIZER_CLASS_NAME, NodeConfig.STANDARD_AUTHORIZER,
                NodeConfig.SUPER_USERS, "User:ANONYMOUS"));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String acls(TestNode node, String... args) throws Exception {
        ChildJvm.Result result = KafkaTools.run(node.bootstrap(), null, TOOL, args);
        return KafkaTools.succeeded(result);
    }

    private static final Acl ALICE_READS_ORDERS = new Acl(ResourceType.TOPIC, "orders", PatternType.LITERAL,
            "User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW);
    private static final Acl ALICE_READS_BILLING = new Acl(ResourceType.GROUP, "billing", PatternType.LITERAL,
            "User:alice", "*", AclOperation.READ, AclPermissionType.ALLOW);
    private static final Acl BOB_DENIED_PAY = new Acl(ResourceType.TOPIC, "pay", PatternType.PREFIXED,
            "User:bob", "10.0.0.9", AclOperation.WRITE, AclPermissionType.DENY);

    @Test
    void aclsAddedThroughOneBrokerAreListedThroughTheOtherAndRemoved() throws Exception {
        TestNode first = cluster.node(1);
        TestNode second = cluster.node(2);
        acls(first, "--add", "--allow-principal", "User:alice", "--operation", "Read", "--topic", "orders",
                "--group", "billing");
        acls(first, "--add", "--deny-principal", "User:bob", "--deny-host", "10.0.0.9", "--operation", "Write",
                "--topic", "pay", "--resource-pattern-type", "prefixed");
        cluster.awaitAll("the three ACLs", image -> Set.copyOf(image.acls().values())
                .equals(Set.of(ALICE_READS_ORDERS, ALICE_READS_BILLING, BOB_DENIED_PAY)));

        String listed = acls(second, "--list");
        assertTrue(listed.contains("ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)"), listed);
        assertTrue(listed.contains("(principal=User:alice, host=*, operation=READ, permissionType=ALLOW)"), listed);
        assertTrue(listed.contains("ResourcePattern(resourceType=TOPIC, name=pay, patternType=PREFIXED)"), listed);
        assertTrue(listed.contains("(principal=User:bob, host=10.0.0.9, operation=WRITE, permissionType=DENY)"), listed);
        String matched = acls(second, "--list", "--topic", "payments", "--resource-pattern-type", "match");
        assertTrue(matched.contains("name=pay, patternType=PREFIXED") && !matched.contains("orders"), matched);

        acls(second, "--remove", "--force", "--allow-principal", "User:alice", "--operation", "Read", "--topic",
                "orders");
        cluster.awaitAll("alice's topic ACL removed", image -> Set.copyOf(image.acls().values())
                .equals(Set.of(ALICE_READS_BILLING, BOB_DENIED_PAY)));
        String afterRemoval = acls(first, "--list", "--principal", "User:alice");
        assertFalse(afterRemoval.contains("name=orders"), afterRemoval);
        assertTrue(afterRemoval.contains("name=billing"), afterRemoval);

        acls(first, "--remove", "--force", "--topic", "pay", "--resource-pattern-type", "prefixed");
        acls(first, "--remove", "--force", "--group", "billing");
        cluster.awaitAll("no ACLs", image -> image.acls().isEmpty());
        assertEquals("", String.join("\n", ChildJvm.printed(acls(second, "--list"))).strip());
    }
}
