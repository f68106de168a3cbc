package io.skein.broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.skein.node.NodeConfig;
import io.skein.testing.StringClients;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SASL logins as the principals ACLs judge: on a node with Kafka's authorizer, a SCRAM user with WRITE
 * on a topic produces to it and one without is refused, with nothing written; a user that may not alter
 * the cluster cannot add SCRAM users; the PLAIN super user the broker's own clients log in as does all.
 */
@Timeout(300)
class SaslAclTest {
    private static final String SASL = "SASL_PLAINTEXT";

    @TempDir
    static Path dir;
    static TestNode node;
    static Admin admin;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir, Map.of(
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
                NodeConfig.AUTHORIZER_CLASS_NAME, NodeConfig.STANDARD_AUTHORIZER, NodeConfig.SUPER_USERS, "User:admin",
                "sasl.enabled.mechanisms", "SCRAM-SHA-512,PLAIN",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain"
                        + ".PlainLoginModule required username=\"admin\" password=\"admin-secret\" "
                        + "user_admin=\"admin-secret\";",
                "inter.broker.listener.name", SASL, "sasl.mechanism.inter.broker.protocol", "PLAIN",
                "offsets.topic.num.partitions", "1", "transaction.state.log.num.partitions", "1"),
                List.of(SASL + "://127.0.0.1:0"));
        admin = Admin.create(new HashMap<>(SaslAuthenticationTest.login(node, SASL, "PLAIN", "admin", "admin-secret")));
        admin.createTopics(List.of(new NewTopic("acl-orders", 1, (short) 1))).all().get();
        admin.alterUserScramCredentials(List.of(
                new UserScramCredentialUpsertion("alice", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096),
                        "alice-secret"),
                new UserScramCredentialUpsertion("bob", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096),
                        "bob-secret"))).all().get();
        admin.createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, "acl-orders", PatternType.LITERAL),
                new AccessControlEntry("User:alice", "*", AclOperation.WRITE, AclPermissionType.ALLOW)))).all().get();
    }

    @AfterAll
    static void stopNode() {
        admin.close();
        node.close();
    }

    private static Map<String, String> scram(String user, String password) {
        return SaslAuthenticationTest.login(node, SASL, "SCRAM-SHA-512", user, password);
    }

    private static void produce(Map<String, String> login) throws Exception {
        Map<String, String> settings = new HashMap<>(login);
        settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        try (KafkaProducer<String, String> producer = StringClients.producer(node.bootstrap(SASL), settings)) {
            producer.send(new ProducerRecord<>("acl-orders", "from " + login.get("sasl.jaas.config"))).get();
        }
    }

    @Test
    void aUserWithWriteProducesAndOneWithoutIsRefusedWithNothingWritten() throws Exception {
        produce(scram("alice", "alice-secret"));
        ExecutionException refused = assertThrows(ExecutionException.class, () -> produce(scram("bob", "bob-secret")));
        assertInstanceOf(TopicAuthorizationException.class, refused.getCause());
        TopicPartition tp = new TopicPartition("acl-orders", 0);
        assertEquals(1, admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset(),
                "alice's record alone");
    }

    @Test
    void onlyAUserThatMayAlterTheClusterChangesScramUsers() throws Exception {
        try (Admin asBob = Admin.create(new HashMap<>(scram("bob", "bob-secret")))) {
            ExecutionException refused = assertThrows(ExecutionException.class, () -> asBob.alterUserScramCredentials(
                    List.of(new UserScramCredentialUpsertion("mallory", new ScramCredentialInfo(
                            ScramMechanism.SCRAM_SHA_512, 4096), "mallory-secret"))).all().get());
            assertInstanceOf(ClusterAuthorizationException.class, refused.getCause());
        }
        assertEquals(List.of("alice", "bob"), admin.describeUserScramCredentials().users().get().stream().sorted()
                .toList(), "no mallory");
    }
}
