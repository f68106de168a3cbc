package io.skein.broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.cli.CliRun;
import io.skein.node.NodeConfig;
import io.skein.testing.EveryBroker;
import io.skein.testing.StringClients;
import io.skein.testing.TestNode;
import io.skein.testing.TlsFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SASL over TLS (SASL_SSL) on a real node, for its clients and for itself: the inter-broker listener is
 * SASL_SSL with PLAIN, so the broker's own clients and connections (the admin API's, transaction
 * markers) log in over TLS; a SCRAM user made through that login produces, consumes and commits a
 * transaction; a client that only speaks TLS, or gives a wrong password, is refused.
 */
@Timeout(300)
class SaslSslTest {
    private static final String PLAIN_JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"broker\" password=\"broker-secret\" user_broker=\"broker-secret\";";

    @TempDir
    static Path dir;
    static TlsFiles certificates;
    static TestNode node;

    @BeforeAll
    static void startNode() throws Exception {
        certificates = TlsFiles.in(dir.resolve("certs"));
        Map<String, String> settings = new HashMap<>(certificates.node("node-1"));
        settings.put(NodeConfig.LISTENERS, settings.get(NodeConfig.LISTENERS).replace("SSL://", "SASL_SSL://"));
        settings.putAll(Map.of(NodeConfig.LISTENER_SECURITY_PROTOCOL_MAP, "SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
                NodeConfig.INTER_BROKER_LISTENER_NAME, "SASL_SSL",
                "sasl.enabled.mechanisms", "SCRAM-SHA-512,PLAIN", "sasl.mechanism.inter.broker.protocol", "PLAIN",
                "listener.name.sasl_ssl.plain.sasl.jaas.config", PLAIN_JAAS));
        node = TestNode.start(dir.resolve("node"), settings);
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    /** A client over TLS trusting the node's CA, logged in with {@code mechanism} as {@code user}. */
    private static Map<String, String> login(String mechanism, String user, String password) {
        Map<String, String> settings = new HashMap<>(certificates.client(null));
        String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                : "org.apache.kafka.common.security.scram.ScramLoginModule";
        settings.putAll(Map.of("bootstrap.servers", node.bootstrap(), "security.protocol", "SASL_SSL",
                "sasl.mechanism", mechanism,
                "sasl.jaas.config", module + " required username=\"" + user + "\" password=\"" + password + "\";"));
        return settings;
    }

    private static Admin admin(Map<String, String> login) {
        Map<String, Object> settings = new HashMap<>(login);
        settings.put("default.api.timeout.ms", "20000");
        settings.put("request.timeout.ms", "10000");
        return Admin.create(settings);
    }

    @Test
    void scramUsersWorkOverTlsAndTheBrokerLogsInToItselfOverTls() throws Exception {
        try (Admin asBroker = admin(login("PLAIN", "broker", "broker-secret"))) {
            asBroker.createTopics(List.of(new NewTopic("sasl-ssl", 1, (short) 1))).all().get();
            asBroker.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("alice",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "alice-secret"))).all().get();
        }
        Map<String, String> alice = login("SCRAM-SHA-512", "alice", "alice-secret");
        Map<String, String> transactional = new HashMap<>(alice);
        transactional.putAll(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "sasl-ssl-alice",
                ProducerConfig.ACKS_CONFIG, "all"));
        try (KafkaProducer<String, String> producer = StringClients.producer(node.bootstrap(), transactional)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("sasl-ssl", "over TLS")).get();
            producer.commitTransaction(); // its markers go to the leader over SASL_SSL, as the broker
        }
        Map<String, String> reader = new HashMap<>(alice);
        reader.putAll(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.GROUP_ID_CONFIG, "sasl-ssl-group", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
        List<String> read = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = StringClients.consumer(node.bootstrap(), reader)) {
            consumer.subscribe(List.of("sasl-ssl"));
            Awaitility.await("alice reads the committed record").atMost(EveryBroker.WITHIN).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(record -> read.add(record.value()));
                return !read.isEmpty();
            });
        }
        assertEquals(List.of("over TLS"), read);
        CliRun browsed = CliRun.skein("messages", "sasl-ssl", "-p", "0", "--admin", node.adminAddress());
        assertEquals(0, browsed.exitCode(), browsed.err()); // the admin API reads the leader over SASL_SSL
        assertTrue(browsed.out().contains("over TLS"), browsed.out());
    }

    @Test
    void aClientWithoutSaslOrWithAWrongPasswordIsRefusedOverTls() throws Exception {
        try (Admin wrong = admin(login("SCRAM-SHA-512", "alice", "not-alice-secret"))) {
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> wrong.describeCluster().nodes().get());
            assertInstanceOf(SaslAuthenticationException.class, refused.getCause());
        }
        Map<String, String> tlsOnly = new HashMap<>(certificates.client(null));
        tlsOnly.putAll(Map.of("bootstrap.servers", node.bootstrap(), "default.api.timeout.ms", "3000",
                "request.timeout.ms", "1000"));
        try (Admin anonymous = Admin.create(new HashMap<>(tlsOnly))) {
            assertThrows(ExecutionException.class, () -> anonymous.describeCluster().nodes().get(),
                    "TLS without a SASL login gets nothing past ApiVersions");
        }
        try (Admin asBroker = admin(login("PLAIN", "broker", "broker-secret"))) {
            assertEquals(1, asBroker.describeCluster().nodes().get().size(), "the broker still serves the others");
        }
    }
}
