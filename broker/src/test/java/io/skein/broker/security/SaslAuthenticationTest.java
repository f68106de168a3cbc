package io.skein.broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skein.cli.CliRun;
import io.skein.testing.EveryBroker;
import io.skein.testing.KafkaTools;
import io.skein.testing.RawKafkaClient;
import io.skein.testing.SaslLogin;
import io.skein.testing.StringClients;
import io.skein.testing.TestNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.UnsupportedSaslMechanismException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SASL on a real node with real kafka-clients: SCRAM-SHA-256 and -512 users from the metadata log,
 * PLAIN users from the listener's JAAS config, brokers' own clients over SASL (the inter-broker
 * listener is SASL_PLAINTEXT with PLAIN), sessions that end and are renewed on their connections
 * (KIP-368), and every way in refused: a wrong password, an unknown mechanism, no credentials, a
 * deleted user, garbage where SASL bytes should be; each with the broker healthy for the others and
 * nothing written.
 */
@Timeout(600)
class SaslAuthenticationTest {
    /** Short, so that every client here renews its session several times (at 85-95% of it). */
    private static final int SESSION_MS = 3_000;
    private static final String SASL = "SASL_PLAINTEXT";
    private static final String SCRAM_ONLY = "SCRAM_ONLY";
    private static final String PLAIN_JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"broker\" password=\"broker-secret\" user_broker=\"broker-secret\" user_paula=\"paula-secret\";";

    @TempDir
    static Path dir;
    static TestNode node;
    /** An administrator on the PLAINTEXT listener. */
    static Admin admin;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir, Map.of(
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,"
                        + SCRAM_ONLY + ":SASL_PLAINTEXT",
                "sasl.enabled.mechanisms", "SCRAM-SHA-256,SCRAM-SHA-512,PLAIN",
                "listener.name.scram_only.sasl.enabled.mechanisms", "SCRAM-SHA-512",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config", PLAIN_JAAS,
                "inter.broker.listener.name", SASL, "sasl.mechanism.inter.broker.protocol", "PLAIN",
                "connections.max.reauth.ms", Integer.toString(SESSION_MS)),
                List.of(SASL + "://127.0.0.1:0", SCRAM_ONLY + "://127.0.0.1:0"));
        admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()));
        admin.alterUserScramCredentials(List.of(
                new UserScramCredentialUpsertion("alice", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096),
                        "alice-secret"),
                new UserScramCredentialUpsertion("bob", new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192),
                        "bob-secret"))).all().get();
    }

    @AfterAll
    static void stopNode() {
        admin.close();
        node.close();
    }

    /** A Kafka client's settings to log in on {@code listener} as {@code user} with {@code mechanism}. */
    static Map<String, String> login(String listener, String mechanism, String user, String password) {
        return login(node, listener, mechanism, user, password);
    }

    /** {@link #login(String, String, String, String)} on {@code node}'s listener. */
    static Map<String, String> login(TestNode node, String listener, String mechanism, String user, String password) {
        String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                : "org.apache.kafka.common.security.scram.ScramLoginModule";
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", node.bootstrap(listener));
        settings.put("security.protocol", "SASL_PLAINTEXT");
        settings.put("sasl.mechanism", mechanism);
        settings.put("sasl.jaas.config", module + " required username=\"" + user + "\" password=\"" + password + "\";");
        return settings;
    }

    private static Map<String, String> alice() {
        return login(SASL, "SCRAM-SHA-512", "alice", "alice-secret");
    }

    private static Admin adminAs(Map<String, String> login) {
        Map<String, Object> settings = new HashMap<>(login);
        settings.put("default.api.timeout.ms", "20000");
        settings.put("request.timeout.ms", "10000");
        return Admin.create(settings);
    }

    private static KafkaProducer<String, String> producerAs(Map<String, String> login) {
        Map<String, String> settings = new HashMap<>(login);
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        return StringClients.producer(node.bootstrap(SASL), settings);
    }

    /** What logging in as {@code login} and describing the cluster failed with. */
    private static Throwable loginFailure(Map<String, String> login) {
        try (Admin refused = adminAs(login)) {
            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> refused.describeCluster().nodes().get());
            return failed.getCause();
        }
    }

    private static void createTopic(String topic, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    }

    private static long endOffset(TopicPartition tp) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset();
    }

    private static void produceAs(Map<String, String> login, String topic, String value) throws Exception {
        try (KafkaProducer<String, String> producer = producerAs(login)) {
            producer.send(new ProducerRecord<>(topic, value)).get();
        }
    }

    @Test
    void scramUsersProduceConsumeInAGroupAndAdministerWithEitherMechanism() throws Exception {
        try (Admin asAlice = adminAs(alice())) {
            asAlice.createTopics(List.of(new NewTopic("sasl-orders", 3, (short) 1))).all().get();
            assertEquals(1, asAlice.describeCluster().nodes().get().size());
        }
        try (KafkaProducer<String, String> producer = producerAs(alice())) {
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>("sasl-orders", "k" + i, "order-" + i)).get();
            }
        }
        List<String> consumed = new ArrayList<>();
        Map<String, String> consumer = new HashMap<>(login(SASL, "SCRAM-SHA-256", "bob", "bob-secret"));
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, "sasl-group");
        consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> bob = StringClients.consumer(node.bootstrap(SASL), consumer)) {
            bob.subscribe(List.of("sasl-orders"));
            Awaitility.await("bob consumes every order").atMost(EveryBroker.WITHIN).until(() -> {
                for (ConsumerRecord<String, String> record : bob.poll(Duration.ofMillis(200))) {
                    consumed.add(record.value());
                }
                return consumed.size() >= 20;
            });
            bob.commitSync();
        }
        assertEquals(20, consumed.size());
        long committed = admin.listConsumerGroupOffsets("sasl-group").partitionsToOffsetAndMetadata().get().values()
                .stream().mapToLong(o -> o.offset()).sum();
        assertEquals(20, committed, "bob's group committed every offset");
    }

    @Test
    void theBrokersOwnConnectionsLogInOnTheSaslInterBrokerListener() throws Exception {
        createTopic("sasl-txn", 1);
        Map<String, String> transactional = new HashMap<>(alice());
        transactional.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "sasl-txn-alice");
        try (KafkaProducer<String, String> producer = producerAs(transactional)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("sasl-txn", "committed")).get();
            producer.commitTransaction(); // the coordinator's markers reach the leader over SASL, as the broker
        }
        Map<String, String> reader = new HashMap<>(alice());
        reader.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        reader.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer = StringClients.consumer(node.bootstrap(SASL), reader)) {
            consumer.assign(List.of(new TopicPartition("sasl-txn", 0)));
            List<String> read = new ArrayList<>();
            Awaitility.await("the committed record is readable").atMost(EveryBroker.WITHIN).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(record -> read.add(record.value()));
                return !read.isEmpty();
            });
            assertEquals(List.of("committed"), read);
        }
        // The admin API reads records from the leader over the inter-broker listener, as the broker.
        CliRun browsed = CliRun.skein("messages", "sasl-txn", "-p", "0", "--admin", node.adminAddress());
        assertEquals(0, browsed.exitCode(), browsed.err());
        assertTrue(browsed.out().contains("committed"), browsed.out());
    }

    @Test
    void aUserMadeWithKafkaConfigsLogsIn() throws Exception {
        KafkaTools.succeeded(KafkaTools.run(node.bootstrap(), null, "kafka.admin.ConfigCommand", "--alter",
                "--add-config", "SCRAM-SHA-256=[password=carol-secret]", "--entity-type", "users",
                "--entity-name", "carol"));
        createTopic("sasl-carol", 1);
        produceAs(login(SASL, "SCRAM-SHA-256", "carol", "carol-secret"), "sasl-carol", "from carol");
        assertEquals(1, endOffset(new TopicPartition("sasl-carol", 0)));
    }

    @Test
    void aDeletedUserCanNoLongerAuthenticate() throws Exception {
        admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("dave",
                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), "dave-secret"))).all().get();
        Map<String, String> dave = login(SASL, "SCRAM-SHA-512", "dave", "dave-secret");
        try (Admin asDave = adminAs(dave)) {
            asDave.describeCluster().nodes().get();
        }
        admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion("dave", ScramMechanism.SCRAM_SHA_512)))
                .all().get();
        assertInstanceOf(SaslAuthenticationException.class, loginFailure(dave));
    }

    @Test
    void wrongPasswordsUnknownUsersAndMechanismsAreRefusedAndNothingIsWritten() throws Exception {
        createTopic("sasl-denied", 1);
        TopicPartition denied = new TopicPartition("sasl-denied", 0);
        Throwable wrong = loginFailure(login(SASL, "SCRAM-SHA-512", "alice", "not-alice-secret"));
        assertInstanceOf(SaslAuthenticationException.class, wrong);
        assertEquals("Authentication failed during authentication due to invalid credentials with SASL mechanism "
                + "SCRAM-SHA-512", wrong.getMessage());
        Throwable unknown = loginFailure(login(SASL, "SCRAM-SHA-512", "mallory", "alice-secret"));
        assertEquals(wrong.getMessage(), unknown.getMessage(), "an unknown user looks like a wrong password");
        assertInstanceOf(SaslAuthenticationException.class, loginFailure(login(SASL, "SCRAM-SHA-256", "alice",
                "alice-secret")), "alice has no SCRAM-SHA-256 credential");
        Throwable mechanism = loginFailure(login(SCRAM_ONLY, "PLAIN", "paula", "paula-secret"));
        assertInstanceOf(UnsupportedSaslMechanismException.class, mechanism);
        assertTrue(mechanism.getMessage().contains("[SCRAM-SHA-512]"), mechanism.getMessage());

        try (KafkaProducer<String, String> refused = producerAs(login(SASL, "SCRAM-SHA-512", "alice", "wrong"))) {
            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> refused.send(new ProducerRecord<>("sasl-denied", "never")).get());
            assertInstanceOf(SaslAuthenticationException.class, failed.getCause());
        }
        createTopic("sasl-healthy", 1);
        produceAs(login(SCRAM_ONLY, "SCRAM-SHA-512", "alice", "alice-secret"), "sasl-healthy",
                "the broker still serves alice");
        assertEquals(1, endOffset(new TopicPartition("sasl-healthy", 0)));
        assertEquals(0, endOffset(denied), "nothing was written by the refused clients");
    }

    @Test
    void aClientWithoutCredentialsIsRefusedOnASaslListener() throws Exception {
        try (RawKafkaClient plain = new RawKafkaClient(node.bootstrap(SASL))) {
            ApiVersionsResponseData versions = plain.call(new ApiVersionsRequestData()
                    .setClientSoftwareName("raw-client").setClientSoftwareVersion("1.0"), (short) 3);
            assertEquals(Errors.NONE.code(), versions.errorCode(), "ApiVersions comes before authentication");
            // From v0 as Kafka advertises it, without which librdkafka does not log in; v0 itself is refused below.
            assertEquals(0, versions.apiKeys().find(ApiKeys.SASL_HANDSHAKE.id).minVersion());
            plain.send(new MetadataRequestData(), (short) 12);
            assertTrue(plain.closedByBroker(), "a Metadata request before authenticating closes the connection");
        }
        Map<String, Object> anonymous = Map.of("bootstrap.servers", node.bootstrap(SASL),
                "default.api.timeout.ms", "3000", "request.timeout.ms", "1000");
        try (Admin refused = Admin.create(anonymous)) {
            assertThrows(ExecutionException.class, () -> refused.describeCluster().nodes().get());
        }
        try (Admin asAlice = adminAs(alice())) {
            assertEquals(1, asAlice.describeCluster().nodes().get().size(), "the broker still serves alice");
        }
    }

    @Test
    void plainUsersComeFromTheListenersJaasConfig() throws Exception {
        createTopic("sasl-plain", 1);
        produceAs(login(SASL, "PLAIN", "paula", "paula-secret"), "sasl-plain", "from paula");
        Throwable wrong = loginFailure(login(SASL, "PLAIN", "paula", "not-paula-secret"));
        assertInstanceOf(SaslAuthenticationException.class, wrong);
        assertEquals("Authentication failed: Invalid username or password", wrong.getMessage());
        assertInstanceOf(SaslAuthenticationException.class, loginFailure(login(SASL, "PLAIN", "alice", "alice-secret")),
                "SCRAM users are not PLAIN users");
        assertEquals(1, endOffset(new TopicPartition("sasl-plain", 0)));
    }

    @Test
    void garbageWhereSaslBytesShouldBeClosesOnlyItsOwnConnection() throws Exception {
        createTopic("sasl-garbage", 1);
        TopicPartition tp = new TopicPartition("sasl-garbage", 0);
        try (KafkaProducer<String, String> producer = producerAs(alice());
             RawKafkaClient truncated = new RawKafkaClient(node.bootstrap(SASL))) {
            producer.send(new ProducerRecord<>("sasl-garbage", "before")).get();
            truncated.call(new SaslHandshakeRequestData().setMechanism("SCRAM-SHA-512"), (short) 1);
            truncated.sendBytes(ByteBuffer.allocate(24).putInt(1000).put("half a SaslAuthenticate".getBytes(
                    StandardCharsets.UTF_8), 0, 20).array());

            try (RawKafkaClient raw = new RawKafkaClient(node.bootstrap(SASL))) {
                raw.call(new SaslHandshakeRequestData().setMechanism("SCRAM-SHA-512"), (short) 1);
                long sent = System.nanoTime();
                SaslAuthenticateResponseData garbage = raw.call(new SaslAuthenticateRequestData()
                        .setAuthBytes("\u0000\u00ffnot a SCRAM message".getBytes(StandardCharsets.UTF_8)), (short) 2);
                assertTrue(System.nanoTime() - sent >= TimeUnit.MILLISECONDS.toNanos(100),
                        "a failed authentication is answered after connection.failed.authentication.delay.ms");
                assertEquals(Errors.SASL_AUTHENTICATION_FAILED.code(), garbage.errorCode());
                assertTrue(raw.closedByBroker(), "a failed authentication closes its connection");
            }
            try (RawKafkaClient raw = new RawKafkaClient(node.bootstrap(SASL))) {
                byte[] noise = new byte[64];
                new java.util.Random(7).nextBytes(noise);
                raw.sendBytes(ByteBuffer.allocate(68).putInt(64).put(noise).array());
                assertTrue(raw.closedByBroker(), "bytes that are no request close the connection");
            }
            try (RawKafkaClient raw = new RawKafkaClient(node.bootstrap(SASL))) {
                raw.sendBytes(ByteBuffer.allocate(8).putInt(10 << 20).putInt(0).array());
                assertTrue(raw.closedByBroker(), "a frame above sasl.server.max.receive.size before authenticating");
            }
            try (RawKafkaClient raw = new RawKafkaClient(node.bootstrap(SASL))) {
                raw.send(new SaslHandshakeRequestData().setMechanism("PLAIN"), (short) 0);
                assertTrue(raw.closedByBroker(), "SaslHandshake v0 (raw tokens) is not served");
            }
            try (RawKafkaClient raw = new RawKafkaClient(node.bootstrap(SASL))) {
                raw.send(RawKafkaClient.produce("sasl-garbage", 0, (short) 1, RawKafkaClient.batch(List.of("sneaky"))),
                        ApiKeys.PRODUCE.latestVersion());
                assertTrue(raw.closedByBroker(), "a Produce before authenticating closes the connection");
            }
            producer.send(new ProducerRecord<>("sasl-garbage", "after")).get();
            assertEquals(2, endOffset(tp), "only alice's records were written");
            assertFalse(truncated.closedByBroker(), "a frame still arriving holds only its own connection");
        }
    }

    @Test
    void skeinUsersAddsListsAndRemovesUsersWhoThenLogInOrNot() throws Exception {
        String adminApi = node.adminAddress();
        CliRun added = CliRun.withInput("", "users", "add", "erin", "--mechanism", "SCRAM-SHA-256", "--password",
                "erin-secret", "--iterations", "8192", "--admin", adminApi);
        assertEquals(0, added.exitCode(), added.err());
        assertTrue(added.out().matches("(?s)USER\\s+MECHANISM\\s+ITERATIONS\\s+erin\\s+SCRAM-SHA-256\\s+8192\\s*"),
                added.out());
        createTopic("sasl-erin", 1);
        produceAs(login(SASL, "SCRAM-SHA-256", "erin", "erin-secret"), "sasl-erin", "from erin");

        Path passwordFile = dir.resolve("erin.password");
        java.nio.file.Files.writeString(passwordFile, "erin-512-secret\n");
        assertEquals(0, CliRun.skein("users", "update", "erin", "--password-file", passwordFile.toString(),
                "--admin", adminApi).exitCode());
        CliRun listed = CliRun.skein("users", "list", "erin", "-o", "json", "--admin", adminApi);
        assertEquals(0, listed.exitCode(), listed.err());
        JsonNode erin = new ObjectMapper().readTree(listed.out()).get("users").get(0);
        assertEquals("erin", erin.get("name").asText());
        assertEquals("[{\"mechanism\":\"SCRAM-SHA-256\",\"iterations\":8192},{\"mechanism\":\"SCRAM-SHA-512\","
                + "\"iterations\":4096}]", erin.get("credentials").toString());
        assertTrue(CliRun.skein("users", "list", "--admin", adminApi).out().contains("alice"), "every user");
        produceAs(login(SASL, "SCRAM-SHA-512", "erin", "erin-512-secret"), "sasl-erin", "from erin, with SHA-512");

        assertEquals(0, CliRun.skein("users", "remove", "erin", "--mechanism", "SCRAM-SHA-256", "--admin", adminApi)
                .exitCode());
        assertInstanceOf(SaslAuthenticationException.class, loginFailure(login(SASL, "SCRAM-SHA-256", "erin",
                "erin-secret")));
        assertEquals(0, CliRun.skein("users", "remove", "erin", "--admin", adminApi).exitCode());
        CliRun gone = CliRun.skein("users", "list", "erin", "--admin", adminApi);
        assertEquals(1, gone.exitCode());
        assertTrue(gone.err().contains("RESOURCE_NOT_FOUND"), gone.err());
        CliRun tooFew = CliRun.skein("users", "add", "frank", "--password", "x", "--iterations", "10", "--admin",
                adminApi);
        assertEquals(1, tooFew.exitCode());
        assertTrue(tooFew.err().contains("UNACCEPTABLE_CREDENTIAL"), tooFew.err());
        assertEquals(2, CliRun.skein("users", "add", "frank", "--password", "x", "--mechanism", "PLAIN", "--admin",
                adminApi).exitCode(), "a mechanism SCRAM users cannot have is bad usage");
        assertEquals(2, endOffset(new TopicPartition("sasl-erin", 0)));
    }

    static double metric(KafkaProducer<?, ?> producer, String name) {
        for (Map.Entry<MetricName, ? extends Metric> metric : producer.metrics().entrySet()) {
            if (metric.getKey().name().equals(name) && metric.getKey().group().equals("producer-metrics")) {
                return ((Number) metric.getValue().metricValue()).doubleValue();
            }
        }
        throw new AssertionError("no producer metric " + name);
    }

    @Test
    void sessionsEndAndClientsRenewThemOnTheirConnection() throws Exception {
        createTopic("sasl-sessions", 1);
        try (KafkaProducer<String, String> producer = producerAs(alice())) {
            producer.send(new ProducerRecord<>("sasl-sessions", "first")).get();
            double connections = metric(producer, "connection-creation-total");
            int[] sent = {1};
            Awaitility.await("alice's producer renews its session three times").atMost(EveryBroker.WITHIN)
                    .pollInterval(Duration.ofMillis(100)).until(() -> {
                        producer.send(new ProducerRecord<>("sasl-sessions", "record " + sent[0])).get();
                        sent[0]++;
                        return metric(producer, "successful-reauthentication-total") >= 3;
                    });
            assertEquals(connections, metric(producer, "connection-creation-total"),
                    "the sessions were renewed on the producer's connections");
            assertEquals(0.0, metric(producer, "failed-reauthentication-total"));
            assertEquals(sent[0], endOffset(new TopicPartition("sasl-sessions", 0)));
        }
        try (RawKafkaClient raw = new RawKafkaClient(node.bootstrap(SASL))) {
            SaslAuthenticateResponseData done = SaslLogin.scram(raw, "SCRAM-SHA-512", "alice", "alice-secret", (short) 2);
            assertEquals(Errors.NONE.code(), done.errorCode());
            assertEquals(SESSION_MS, done.sessionLifetimeMs());
            raw.call(new MetadataRequestData(), (short) 12); // within the session
            long ends = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(done.sessionLifetimeMs());
            Awaitility.await("alice's raw session ends").atMost(EveryBroker.WITHIN)
                    .until(() -> System.nanoTime() - ends > 0);
            raw.send(new MetadataRequestData(), (short) 12);
            assertTrue(raw.closedByBroker(), "a request after the session ended closes the connection");
        }
    }
}
