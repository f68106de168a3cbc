package io.skein.broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.broker.kafka.ScramPasswords;
import io.skein.metadata.image.ImageRecords;
import io.skein.proto.metadata.MetadataRecordBatch;
import io.skein.testing.EveryBroker;
import io.skein.testing.RawKafkaClient;
import io.skein.testing.SaslLogin;
import io.skein.testing.StringClients;
import io.skein.testing.TestCluster;
import io.skein.testing.TestNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three brokers that replicate to each other over SASL_PLAINTEXT with SCRAM-SHA-512, as a user made
 * before the cluster's first start ({@code skein storage format --add-scram}), renewing their sessions
 * every few seconds; SCRAM users added or removed through one broker, and every broker agreeing
 * within a bounded wait.
 */
@Timeout(600)
class SaslClusterTest {
    private static final String SASL = "SASL_PLAINTEXT";

    @TempDir
    static Path dir;
    static TestCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        MetadataRecordBatch bootstrap = MetadataRecordBatch.newBuilder().addRecords(ImageRecords.scramCredentialRecord(
                "broker", io.skein.proto.metadata.ScramMechanism.SCRAM_SHA_512, ScramPasswords.credential(
                        io.skein.proto.metadata.ScramMechanism.SCRAM_SHA_512, "broker-secret", 4096))).build();
        cluster = TestCluster.start(dir, 3, SASL, id -> Map.of(
                "listener.security.protocol.map", "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
                "sasl.enabled.mechanisms", "SCRAM-SHA-512,SCRAM-SHA-256",
                "inter.broker.listener.name", SASL, "sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-512",
                "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config", scramJaas("broker", "broker-secret"),
                "connections.max.reauth.ms", "3000"), bootstrap);
    }

    @AfterAll
    static void stopCluster() {
        cluster.close();
    }

    /** How a SCRAM login of {@code user} on {@code node}'s SASL listener ends. */
    private static short login(TestNode node, String user, String password) {
        try (RawKafkaClient raw = new RawKafkaClient(node.bootstrap())) {
            return SaslLogin.scram(raw, "SCRAM-SHA-512", user, password, (short) 2).errorCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String scramJaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                + password + "\";";
    }

    /** A client of {@code bootstrap} logged in as {@code user} with SCRAM-SHA-512. */
    private static Map<String, Object> as(String bootstrap, String user, String password) {
        return Map.of("bootstrap.servers", bootstrap, "security.protocol", "SASL_PLAINTEXT",
                "sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config", scramJaas(user, password));
    }

    /** An administrator of {@code node}, logged in as the brokers' own user, the one the cluster started with. */
    private static Admin adminOf(TestNode node) {
        return Admin.create(as(node.bootstrap(), "broker", "broker-secret"));
    }

    @Test
    void brokersReplicateAsTheirBootstrapUserAndAUserAddedAnywhereLogsInEverywhere() throws Exception {
        assertTrue(cluster.node(1).image().scramCredentials().containsKey("broker"), "the bootstrap records");
        try (Admin admin = adminOf(cluster.node(1))) {
            admin.createTopics(List.of(new NewTopic("sasl-replicated", 1, (short) 3)
                    .configs(Map.of("min.insync.replicas", "3")))).all().get();
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("alice",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "alice-secret"))).all().get();
        }
        assertEquals(Errors.NONE.code(), login(cluster.node(1), "alice", "alice-secret"), "at once where it was made");
        EveryBroker.await("alice logs in", cluster.nodes(), node -> login(node, "alice", "alice-secret"), code -> code == Errors.NONE.code());

        Map<String, String> alice = new HashMap<>();
        as(cluster.bootstrap(), "alice", "alice-secret").forEach((key, value) -> alice.put(key, (String) value));
        alice.put(ProducerConfig.ACKS_CONFIG, "all");
        int written = 0;
        try (KafkaProducer<String, String> producer = StringClients.producer(cluster.bootstrap(), alice)) {
            // Writes need all three replicas (min.insync.replicas=3) while sessions end and are renewed, the
            // brokers' own as their clients'.
            while (written < 10 || SaslAuthenticationTest.metric(producer, "successful-reauthentication-total") < 3) {
                producer.send(new ProducerRecord<>("sasl-replicated", "record " + written)).get();
                written++;
            }
        }
        TopicPartition tp = new TopicPartition("sasl-replicated", 0);
        int expected = written;
        EveryBroker.await("every replica holds alice's records", cluster.nodes(),
                node -> node.replica(tp).orElseThrow().logEndOffset(), end -> end == expected);
    }

    @Test
    void aUserRemovedThroughOneBrokerCanLogInAtNone() throws Exception {
        try (Admin admin = adminOf(cluster.node(2))) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("bob",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "bob-secret"))).all().get();
            EveryBroker.await("bob logs in", cluster.nodes(), node -> login(node, "bob", "bob-secret"), code -> code == Errors.NONE.code());
            admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion("bob",
                    ScramMechanism.SCRAM_SHA_512))).all().get();
        }
        assertEquals(Errors.SASL_AUTHENTICATION_FAILED.code(), login(cluster.node(2), "bob", "bob-secret"),
                "at once where it was removed");
        EveryBroker.await("bob is refused", cluster.nodes(), node -> login(node, "bob", "bob-secret"), code -> code == Errors.SASL_AUTHENTICATION_FAILED.code());
    }
}
