package io.skein.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.node.NodeConfig;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateAclsResult;
import org.apache.kafka.clients.admin.DeleteAclsResult;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * CreateAcls, DescribeAcls and DeleteAcls through Kafka's Admin client, as Kafka serves them: ACLs
 * are kept by the controller and read back from the broker asked at once; bad ACLs are refused one by
 * one; a deletion answers with what each filter matched; without an authorizer, SECURITY_DISABLED.
 */
@Timeout(180)
class AclApisTest {
    @TempDir
    Path dir;
    private TestNode node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private static AclBinding acl(ResourceType type, String name, PatternType pattern, String principal,
                                  AclOperation operation, AclPermissionType permission) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(principal, "*", operation, permission));
    }

    private static Set<AclBinding> described(Admin admin, AclBindingFilter filter) throws Exception {
        return Set.copyOf(admin.describeAcls(filter).values().get());
    }

    @Test
    void aclsAreCreatedReadBackAtOnceAndDeletedByFilters() throws Exception {
        node = TestNode.start(dir, Map.of(NodeConfig.AUTHORIZER_CLASS_NAME, NodeConfig.STANDARD_AUTHORIZER,
                NodeConfig.SUPER_USERS, "User:ANONYMOUS"));
        AclBinding aliceReads = acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:alice",
                AclOperation.READ, AclPermissionType.ALLOW);
        AclBinding bobDenied = acl(ResourceType.TOPIC, "pay", PatternType.PREFIXED, "User:bob",
                AclOperation.WRITE, AclPermissionType.DENY);
        AclBinding groups = acl(ResourceType.GROUP, "*", PatternType.LITERAL, "User:*", AclOperation.READ,
                AclPermissionType.ALLOW);
        AclBinding badCluster = acl(ResourceType.CLUSTER, "my-cluster", PatternType.LITERAL, "User:alice",
                AclOperation.ALTER, AclPermissionType.ALLOW);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
            CreateAclsResult created = admin.createAcls(List.of(aliceReads, bobDenied, groups, badCluster, aliceReads));
            created.values().get(aliceReads).get();
            created.values().get(bobDenied).get();
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> created.values().get(badCluster).get());
            assertInstanceOf(InvalidRequestException.class, refused.getCause());
            assertTrue(refused.getCause().getMessage().contains("kafka-cluster"), refused.getCause().getMessage());

            assertEquals(Set.of(aliceReads, bobDenied, groups), described(admin, AclBindingFilter.ANY),
                    "read back from the broker asked, each once");
            assertEquals(Set.of(bobDenied), described(admin, new AclBindingFilter(new ResourcePatternFilter(
                    ResourceType.TOPIC, "payments", PatternType.MATCH), AccessControlEntryFilter.ANY)),
                    "MATCH: the prefixed ACL that covers the name");

            AclBindingFilter alices = new AclBindingFilter(ResourcePatternFilter.ANY,
                    new AccessControlEntryFilter("User:alice", null, AclOperation.ANY, AclPermissionType.ANY));
            AclBindingFilter topics = new AclBindingFilter(new ResourcePatternFilter(ResourceType.TOPIC, null,
                    PatternType.ANY), AccessControlEntryFilter.ANY);
            DeleteAclsResult deleted = admin.deleteAcls(List.of(alices, topics));
            Collection<AclBinding> all = deleted.all().get();
            assertEquals(Set.of(aliceReads, bobDenied), Set.copyOf(all));
            assertEquals(List.of(aliceReads), deleted.values().get(alices).get().values().stream()
                    .map(DeleteAclsResult.FilterResult::binding).toList());
            assertEquals(Set.of(aliceReads, bobDenied), deleted.values().get(topics).get().values().stream()
                    .map(DeleteAclsResult.FilterResult::binding).collect(Collectors.toSet()),
                    "an ACL two filters match is in both answers");
            assertEquals(Set.of(groups), described(admin, AclBindingFilter.ANY), "deleted, as the broker shows at once");
        }
    }

    @Test
    void withoutAnAuthorizerTheAclApisAnswerSecurityDisabled() throws Exception {
        node = TestNode.start(dir);
        AclBinding acl = acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:alice", AclOperation.READ,
                AclPermissionType.ALLOW);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()))) {
            for (Executable call : List.<Executable>of(
                    () -> admin.createAcls(List.of(acl)).all().get(),
                    () -> admin.describeAcls(AclBindingFilter.ANY).values().get(),
                    () -> admin.deleteAcls(List.of(AclBindingFilter.ANY)).all().get())) {
                ExecutionException failed = assertThrows(ExecutionException.class, call);
                assertInstanceOf(SecurityDisabledException.class, failed.getCause());
            }
        }
    }
}
