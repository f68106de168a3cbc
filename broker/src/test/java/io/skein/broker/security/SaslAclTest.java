package io.skein.broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.node.NodeConfig;
import io.skein.testing.RawKafkaClient;
import io.skein.testing.SaslLogin;
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
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
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
 * on a topic produces to it and one without is refused, with nothing written; a prefixed DENY wins over
 * a literal ALLOW of everything; a user that is no broker fetching as a follower gets no records; a user
 * that may not alter the cluster cannot add SCRAM users; the PLAIN super user the broker's own clients
 * log in as does all.
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
    void aPrefixedDenyOverridesAnAllowOfEverythingAndDeniesNothingElse() throws Exception {
        admin.createTopics(List.of(new NewTopic("pay-orders", 1, (short) 1))).all().get();
        admin.createAcls(List.of(
                new AclBinding(new ResourcePattern(ResourceType.TOPIC, "pay-orders", PatternType.LITERAL),
                        new AccessControlEntry("User:bob", "*", AclOperation.ALL, AclPermissionType.ALLOW)),
                new AclBinding(new ResourcePattern(ResourceType.TOPIC, "pay-", PatternType.PREFIXED),
                        new AccessControlEntry("User:bob", "*", AclOperation.WRITE, AclPermissionType.DENY))))
                .all().get();
        // Not idempotent: an idempotent producer would already be refused its producer id (no WRITE anywhere).
        Map<String, String> bob = new HashMap<>(scram("bob", "bob-secret"));
        bob.putAll(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false", ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000"));
        try (KafkaProducer<String, String> producer = StringClients.producer(node.bootstrap(SASL), bob)) {
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("pay-orders", "denied")).get());
            assertInstanceOf(TopicAuthorizationException.class, refused.getCause());
        }
        TopicPartition tp = new TopicPartition("pay-orders", 0);
        assertEquals(0, admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset(),
                "nothing written");
        try (Admin asBob = Admin.create(new HashMap<>(scram("bob", "bob-secret")))) {
            assertEquals(1, asBob.describeTopics(List.of("pay-orders")).allTopicNames().get().get("pay-orders")
                    .partitions().size(), "the ALLOW still grants what the DENY does not name");
        }
    }

    @Test
    void aFollowerFetchFromAUserThatIsNoBrokerIsRefusedWithNoRecords() throws Exception {
        admin.createTopics(List.of(new NewTopic("acl-replicated", 1, (short) 1))).all().get();
        admin.createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, "acl-replicated",
                PatternType.LITERAL), new AccessControlEntry("User:alice", "*", AclOperation.READ,
                AclPermissionType.ALLOW)))).all().get();
        Map<String, String> asAdmin = SaslAuthenticationTest.login(node, SASL, "PLAIN", "admin", "admin-secret");
        try (KafkaProducer<String, String> producer = StringClients.producer(node.bootstrap(SASL), asAdmin)) {
            producer.send(new ProducerRecord<>("acl-replicated", "replicated")).get();
        }
        Uuid topicId = admin.describeTopics(List.of("acl-replicated")).allTopicNames().get().get("acl-replicated")
                .topicId();
        try (RawKafkaClient alice = new RawKafkaClient(node.bootstrap(SASL))) {
            assertEquals(Errors.NONE.code(), SaslLogin.scram(alice, "SCRAM-SHA-512", "alice", "alice-secret",
                    (short) 2).errorCode());
            // A follower's fetch names its broker: replicaId up to v14, the replica state from v15.
            for (short version : new short[] {12, ApiKeys.FETCH.latestVersion()}) {
                FetchResponseData.PartitionData asFollower = only(alice.call(fetch(version, topicId, 2), version));
                assertEquals(Errors.TOPIC_AUTHORIZATION_FAILED.code(), asFollower.errorCode(), "v" + version);
                assertEquals(0, asFollower.records() == null ? 0 : asFollower.records().sizeInBytes(), "v" + version);
            }
            // The same connection fetching as a consumer, which alice may: the records are there, and served.
            short latest = ApiKeys.FETCH.latestVersion();
            FetchResponseData.PartitionData asConsumer = only(alice.call(fetch(latest, topicId, -1), latest));
            assertEquals(Errors.NONE.code(), asConsumer.errorCode());
            assertEquals(1, asConsumer.highWatermark());
            assertTrue(asConsumer.records().sizeInBytes() > 0);
        }
    }

    private static FetchRequestData fetch(short version, Uuid topicId, int replicaId) {
        FetchRequestData.FetchTopic topic = new FetchRequestData.FetchTopic().setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20)));
        FetchRequestData request = new FetchRequestData().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
                .setTopics(List.of(version >= 13 ? topic.setTopicId(topicId) : topic.setTopic("acl-replicated")));
        return version >= 15 ? request.setReplicaState(new FetchRequestData.ReplicaState().setReplicaId(replicaId))
                : request.setReplicaId(replicaId);
    }

    private static FetchResponseData.PartitionData only(FetchResponseData response) {
        assertEquals(Errors.NONE.code(), response.errorCode());
        return response.responses().get(0).partitions().get(0);
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
