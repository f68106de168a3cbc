package io.skein.broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.image.Acl;
import io.skein.metadata.image.ImageRecords;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.proto.metadata.MetadataRecord;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.Test;

/**
 * Kafka's authorization rules over ACLs, on images built from records as a broker builds them: literal,
 * prefixed and wildcard resources, principals and hosts, DENY over ALLOW, implied operations, super
 * users and the rule for resources no ACL names; and a seeded random cross-check of the index against
 * a plain reading of the rules over every ACL.
 */
class AclAuthorizerTest {
    private static final KafkaPrincipal ALICE = new KafkaPrincipal("User", "alice");
    private static final KafkaPrincipal BOB = new KafkaPrincipal("User", "bob");
    private static final InetAddress HOST_1 = address("10.0.0.1");
    private static final InetAddress HOST_2 = address("10.0.0.2");

    private static InetAddress address(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static Acl acl(ResourceType type, String name, PatternType pattern, String principal, String host,
                           AclOperation operation, AclPermissionType permission) {
        return new Acl(type, name, pattern, principal, host, operation, permission);
    }

    private static Acl allowTopic(String name, PatternType pattern, String principal, AclOperation operation) {
        return acl(ResourceType.TOPIC, name, pattern, principal, "*", operation, AclPermissionType.ALLOW);
    }

    private static Acl denyTopic(String name, PatternType pattern, String principal, AclOperation operation) {
        return acl(ResourceType.TOPIC, name, pattern, principal, "*", operation, AclPermissionType.DENY);
    }

    /** An image holding {@code acls}, as replaying their records gives it. */
    private static MetadataImage image(List<Acl> acls) {
        MetadataDelta delta = new MetadataDelta(MetadataImage.EMPTY);
        for (Acl acl : acls) {
            delta.replay(MetadataRecord.newBuilder().setAccessControlEntry(acl.toRecord(UUID.randomUUID())).build());
        }
        return delta.apply(1);
    }

    private static AclAuthorizer authorizer(List<String> superUsers, boolean allowIfNoAcls, Acl... acls) {
        AclAuthorizer authorizer = new AclAuthorizer(superUsers, allowIfNoAcls);
        authorizer.onMetadataUpdate(ImageRecords.replacementDelta(image(List.of(acls))), image(List.of(acls)));
        return authorizer;
    }

    private static boolean topic(AclAuthorizer authorizer, KafkaPrincipal principal, AclOperation operation,
                                 String name) {
        return authorizer.decide(principal, HOST_1, operation, ResourceType.TOPIC, name).allowed();
    }

    @Test
    void literalPrefixedAndWildcardResources() {
        AclAuthorizer authorizer = authorizer(List.of(), false,
                allowTopic("orders", PatternType.LITERAL, "User:alice", AclOperation.READ),
                allowTopic("pay", PatternType.PREFIXED, "User:alice", AclOperation.WRITE),
                allowTopic("*", PatternType.LITERAL, "User:bob", AclOperation.READ));

        assertTrue(topic(authorizer, ALICE, AclOperation.READ, "orders"));
        assertFalse(topic(authorizer, ALICE, AclOperation.READ, "orders-eu"), "a literal name is not a prefix");
        assertTrue(topic(authorizer, ALICE, AclOperation.WRITE, "payments"));
        assertTrue(topic(authorizer, ALICE, AclOperation.WRITE, "pay"), "a prefix covers the name itself");
        assertFalse(topic(authorizer, ALICE, AclOperation.WRITE, "pa"));
        assertFalse(topic(authorizer, ALICE, AclOperation.WRITE, "xpayments"));
        assertTrue(topic(authorizer, BOB, AclOperation.READ, "anything"), "the wildcard resource");
        assertFalse(topic(authorizer, BOB, AclOperation.WRITE, "anything"));
        assertFalse(authorizer.decide(BOB, HOST_1, AclOperation.READ, ResourceType.GROUP, "anything").allowed(),
                "ACLs of topics say nothing of groups");
    }

    @Test
    void principalsAndHosts() {
        AclAuthorizer authorizer = authorizer(List.of(), false,
                acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:*", "10.0.0.1", AclOperation.READ,
                        AclPermissionType.ALLOW),
                acl(ResourceType.GROUP, "billing", PatternType.LITERAL, "Group:ops", "*", AclOperation.READ,
                        AclPermissionType.ALLOW));

        assertTrue(authorizer.decide(BOB, HOST_1, AclOperation.READ, ResourceType.TOPIC, "orders").allowed(),
                "User:* is every principal");
        assertFalse(authorizer.decide(BOB, HOST_2, AclOperation.READ, ResourceType.TOPIC, "orders").allowed(),
                "from another host");
        assertTrue(authorizer.decide(new KafkaPrincipal("Group", "ops"), HOST_2, AclOperation.READ, ResourceType.GROUP,
                "billing").allowed());
        assertFalse(authorizer.decide(new KafkaPrincipal("User", "ops"), HOST_2, AclOperation.READ, ResourceType.GROUP,
                "billing").allowed(), "the principal's type counts");
    }

    @Test
    void aMatchingDenyWinsOverAnyAllow() {
        AclAuthorizer authorizer = authorizer(List.of(), true,
                allowTopic("orders", PatternType.LITERAL, "User:alice", AclOperation.ALL),
                allowTopic("*", PatternType.LITERAL, "User:*", AclOperation.READ),
                denyTopic("ord", PatternType.PREFIXED, "User:alice", AclOperation.WRITE),
                denyTopic("*", PatternType.LITERAL, "User:bob", AclOperation.ALL));

        assertTrue(topic(authorizer, ALICE, AclOperation.READ, "orders"));
        assertFalse(topic(authorizer, ALICE, AclOperation.WRITE, "orders"), "a prefixed DENY over a literal ALLOW ALL");
        assertFalse(topic(authorizer, BOB, AclOperation.READ, "orders"), "a wildcard DENY over a wildcard ALLOW");
        Rule rule = authorizer.decide(ALICE, HOST_1, AclOperation.WRITE, ResourceType.TOPIC, "orders");
        assertEquals(new Rule.MatchingAcl(denyTopic("ord", PatternType.PREFIXED, "User:alice", AclOperation.WRITE),
                false), rule);
    }

    @Test
    void readWriteDeleteAndAlterImplyDescribeAndAlterConfigsImpliesDescribeConfigs() {
        AclAuthorizer authorizer = authorizer(List.of(), false,
                allowTopic("r", PatternType.LITERAL, "User:alice", AclOperation.READ),
                allowTopic("w", PatternType.LITERAL, "User:alice", AclOperation.WRITE),
                allowTopic("d", PatternType.LITERAL, "User:alice", AclOperation.DELETE),
                allowTopic("a", PatternType.LITERAL, "User:alice", AclOperation.ALTER),
                allowTopic("c", PatternType.LITERAL, "User:alice", AclOperation.CREATE),
                allowTopic("ac", PatternType.LITERAL, "User:alice", AclOperation.ALTER_CONFIGS),
                allowTopic("x", PatternType.LITERAL, "User:alice", AclOperation.READ),
                denyTopic("x", PatternType.LITERAL, "User:alice", AclOperation.WRITE));

        for (String name : List.of("r", "w", "d", "a")) {
            assertTrue(topic(authorizer, ALICE, AclOperation.DESCRIBE, name), name);
        }
        assertFalse(topic(authorizer, ALICE, AclOperation.DESCRIBE, "c"), "CREATE implies nothing");
        assertFalse(topic(authorizer, ALICE, AclOperation.WRITE, "r"), "READ does not imply WRITE");
        assertTrue(topic(authorizer, ALICE, AclOperation.DESCRIBE_CONFIGS, "ac"));
        assertFalse(topic(authorizer, ALICE, AclOperation.ALTER_CONFIGS, "r"));
        assertTrue(topic(authorizer, ALICE, AclOperation.DESCRIBE, "x"), "a DENY of WRITE does not deny DESCRIBE");
    }

    @Test
    void superUsersMayDoAnythingWhateverTheAclsSay() {
        AclAuthorizer authorizer = authorizer(List.of("User:admin", "User:ANONYMOUS"), false,
                denyTopic("*", PatternType.LITERAL, "User:*", AclOperation.ALL));
        assertEquals(Rule.SUPER_USER, authorizer.decide(new KafkaPrincipal("User", "admin"), HOST_1,
                AclOperation.WRITE, ResourceType.TOPIC, "orders"));
        assertTrue(topic(authorizer, KafkaPrincipal.ANONYMOUS, AclOperation.READ, "orders"));
        assertFalse(topic(authorizer, ALICE, AclOperation.READ, "orders"));
    }

    @Test
    void aResourceNoAclNamesIsOpenOnlyWithAllowEveryoneIfNoAclFound() {
        Acl bobReadsOrders = allowTopic("orders", PatternType.LITERAL, "User:bob", AclOperation.READ);
        AclAuthorizer closed = authorizer(List.of(), false, bobReadsOrders);
        AclAuthorizer open = authorizer(List.of(), true, bobReadsOrders);

        assertEquals(Rule.DEFAULT_DENY, closed.decide(ALICE, HOST_1, AclOperation.READ, ResourceType.TOPIC, "events"));
        assertEquals(Rule.DEFAULT_ALLOW, open.decide(ALICE, HOST_1, AclOperation.READ, ResourceType.TOPIC, "events"));
        assertEquals(Rule.DEFAULT_DENY, open.decide(ALICE, HOST_1, AclOperation.READ, ResourceType.TOPIC, "orders"),
                "an ACL names orders, for someone else: no one else may");
        assertTrue(open.decide(ALICE, HOST_1, AclOperation.ALTER, ResourceType.CLUSTER, "kafka-cluster").allowed());
    }

    @Test
    void theIndexFollowsTheImageAcrossChangesAndSnapshots() {
        Acl aliceReads = allowTopic("orders", PatternType.LITERAL, "User:alice", AclOperation.READ);
        AclAuthorizer authorizer = authorizer(List.of(), false, aliceReads);
        MetadataImage before = image(List.of(aliceReads));
        authorizer.onMetadataUpdate(ImageRecords.replacementDelta(before), before);
        assertTrue(topic(authorizer, ALICE, AclOperation.READ, "orders"));

        MetadataImage empty = new MetadataDelta(MetadataImage.EMPTY).apply(2);
        authorizer.onMetadataUpdate(ImageRecords.replacementDelta(empty), empty);
        assertFalse(topic(authorizer, ALICE, AclOperation.READ, "orders"), "a snapshot with no ACLs replaces them");

        MetadataImage unchanged = empty.withOffset(3);
        authorizer.onMetadataUpdate(new MetadataDelta(empty), unchanged);
        assertFalse(topic(authorizer, ALICE, AclOperation.READ, "orders"));
    }

    @Test
    void aDenialIsLoggedAtInfoToKafkasAuthorizerLoggerAndAPermissionIsNot() {
        AclAuthorizer authorizer = authorizer(List.of(), false,
                allowTopic("orders", PatternType.LITERAL, "User:alice", AclOperation.READ));
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertTrue(authorizer.authorize(ALICE, HOST_1, ApiKeys.FETCH, AclOperation.READ, ResourceType.TOPIC,
                    "orders", 1, true, true));
            assertFalse(authorizer.authorize(ALICE, HOST_1, ApiKeys.PRODUCE, AclOperation.WRITE, ResourceType.TOPIC,
                    "orders", 2, true, true));
            assertFalse(authorizer.authorize(BOB, HOST_1, ApiKeys.METADATA, AclOperation.DESCRIBE, ResourceType.TOPIC,
                    "orders", 1, true, false));
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("INFO logger - Principal = User:alice is Denied operation = WRITE from host = "
                + "10.0.0.1 on resource = Topic:LITERAL:orders for request = Produce with resourceRefCount = 2 based "
                + "on rule DefaultDeny"), log);
        assertFalse(log.contains("Allowed"), log);
        assertFalse(log.contains("User:bob"), "a denial that only filters is logged at TRACE: " + log);
    }

    @Test
    void byResourceTypeAnAllowCountsUnlessADenyOfItsNameOrAPrefixCancelsIt() {
        AclAuthorizer authorizer = authorizer(List.of(), false,
                allowTopic("orders", PatternType.LITERAL, "User:alice", AclOperation.WRITE),
                denyTopic("ord", PatternType.PREFIXED, "User:alice", AclOperation.WRITE),
                allowTopic("pay", PatternType.PREFIXED, "User:bob", AclOperation.WRITE),
                allowTopic("*", PatternType.LITERAL, "User:carol", AclOperation.ALL));
        assertFalse(authorizer.authorizeByResourceType(ALICE, HOST_1, ApiKeys.INIT_PRODUCER_ID, AclOperation.WRITE,
                ResourceType.TOPIC));
        assertTrue(authorizer.authorizeByResourceType(BOB, HOST_1, ApiKeys.INIT_PRODUCER_ID, AclOperation.WRITE,
                ResourceType.TOPIC));
        assertTrue(authorizer.authorizeByResourceType(new KafkaPrincipal("User", "carol"), HOST_1,
                ApiKeys.INIT_PRODUCER_ID, AclOperation.WRITE, ResourceType.TOPIC));
        assertFalse(authorizer.authorizeByResourceType(BOB, HOST_1, ApiKeys.INIT_PRODUCER_ID, AclOperation.READ,
                ResourceType.TOPIC));
    }

    // ---------------------------------------------------------------- random cross-check

    private static final List<String> NAMES = List.of("a", "ab", "abc", "abd", "b", "ba", "*", "a*", "", "abcd");
    private static final List<String> PRINCIPALS = List.of("User:alice", "User:bob", "User:*", "Group:alice");
    private static final List<String> HOSTS = List.of("*", "10.0.0.1", "10.0.0.2");
    private static final List<AclOperation> OPERATIONS = List.of(AclOperation.ALL, AclOperation.READ,
            AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALTER,
            AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.CREATE);

    /** The rules read plainly, over every ACL: what the index must agree with. */
    private static boolean reference(List<Acl> acls, boolean allowIfNoAcls, KafkaPrincipal principal, String host,
                                     AclOperation operation, ResourceType type, String name) {
        List<Acl> naming = acls.stream().filter(acl -> acl.resourceType() == type
                && (acl.patternType() == PatternType.LITERAL
                ? acl.resourceName().equals(name) || acl.resourceName().equals("*")
                : name.startsWith(acl.resourceName()))).toList();
        if (naming.isEmpty()) {
            return allowIfNoAcls;
        }
        List<Acl> applying = naming.stream().filter(acl -> (acl.principal().equals("User:*")
                || acl.principal().equals(principal.toString()))
                && (acl.host().equals("*") || acl.host().equals(host))).toList();
        boolean denied = applying.stream().anyMatch(acl -> acl.permission() == AclPermissionType.DENY
                && (acl.operation() == AclOperation.ALL || acl.operation() == operation));
        boolean allowed = applying.stream().anyMatch(acl -> acl.permission() == AclPermissionType.ALLOW
                && (acl.operation() == AclOperation.ALL || acl.operation() == operation
                || (operation == AclOperation.DESCRIBE && List.of(AclOperation.READ, AclOperation.WRITE,
                AclOperation.DELETE, AclOperation.ALTER).contains(acl.operation()))
                || (operation == AclOperation.DESCRIBE_CONFIGS && acl.operation() == AclOperation.ALTER_CONFIGS)));
        return !denied && allowed;
    }

    @Test
    void theIndexAgreesWithEveryAclReadPlainlyOnRandomAclsAndChecks() {
        long seed = Long.getLong("skein.test.seed", 20261203L);
        Random random = new Random(seed);
        for (int round = 0; round < 200; round++) {
            List<Acl> acls = new ArrayList<>();
            int count = random.nextInt(25);
            for (int i = 0; i < count; i++) {
                String name = NAMES.get(random.nextInt(NAMES.size() - 1) + (random.nextInt(4) == 0 ? 1 : 0));
                if (name.isEmpty()) {
                    name = "z";
                }
                acls.add(acl(random.nextInt(5) == 0 ? ResourceType.GROUP : ResourceType.TOPIC, name,
                        random.nextBoolean() ? PatternType.LITERAL : PatternType.PREFIXED,
                        PRINCIPALS.get(random.nextInt(PRINCIPALS.size())), HOSTS.get(random.nextInt(HOSTS.size())),
                        OPERATIONS.get(random.nextInt(OPERATIONS.size())),
                        random.nextInt(3) == 0 ? AclPermissionType.DENY : AclPermissionType.ALLOW));
            }
            boolean allowIfNoAcls = random.nextBoolean();
            AclAuthorizer authorizer = authorizer(List.of(), allowIfNoAcls, acls.toArray(Acl[]::new));
            for (int check = 0; check < 100; check++) {
                KafkaPrincipal principal = random.nextBoolean() ? ALICE : random.nextBoolean() ? BOB
                        : new KafkaPrincipal("Group", "alice");
                InetAddress host = random.nextBoolean() ? HOST_1 : HOST_2;
                AclOperation operation = OPERATIONS.get(1 + random.nextInt(OPERATIONS.size() - 1));
                ResourceType type = random.nextInt(5) == 0 ? ResourceType.GROUP : ResourceType.TOPIC;
                String name = NAMES.get(random.nextInt(NAMES.size() - 1));
                if (name.isEmpty()) {
                    name = "abcde";
                }
                assertEquals(reference(acls, allowIfNoAcls, principal, host.getHostAddress(), operation, type, name),
                        authorizer.decide(principal, host, operation, type, name).allowed(),
                        "seed " + seed + ", round " + round + ": " + principal + " from " + host + " " + operation
                                + " " + type + ":" + name + " with " + acls);
            }
        }
    }
}
