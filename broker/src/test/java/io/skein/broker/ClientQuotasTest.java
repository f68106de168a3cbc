package io.skein.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.image.ClientQuotaEntity;
import io.skein.testing.ChildJvm;
import io.skein.testing.EveryBroker;
import io.skein.testing.KafkaTools;
import io.skein.testing.RawKafkaClient;
import io.skein.testing.StringClients;
import io.skein.testing.TestCluster;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.quota.ClientQuotaFilterComponent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client quotas on a cluster of two nodes, set with Kafka 4.3.1's {@code kafka-configs.sh} and
 * kafka-clients' Admin, described by every broker once its metadata shows them, and enforced on real
 * producers and consumers: a client over its byte rate moves at about its quota (the average over a
 * run, which can only come out lower on a busy machine, held to a generous multiple of the quota, since
 * Kafka's windows let a young client burst ten seconds' worth) and is told so in {@code
 * throttle_time_ms} (its own throttle-time metrics); removing the quota lifts the throttle. Clients are
 * told apart by client id, as the listener is PLAINTEXT and every user ANONYMOUS; which quota a user and
 * client id fall under is {@code ClientQuotaLimitsTest}'s.
 */
@Timeout(900)
class ClientQuotasTest {
    private static final String TOOL = "kafka.admin.ConfigCommand";
    /** The byte rate the throttled clients are held to. */
    private static final int QUOTA = 100_000;
    private static final int RECORD_BYTES = 1_000;
    /** What a throttled client moves: thirty seconds' worth of its quota, three times what it may burst at first. */
    private static final int RECORDS = 30 * QUOTA / RECORD_BYTES;
    /** How far over its quota a throttled client's average may come out: Kafka's windows allow about 1.4 here. */
    private static final double GENEROUS = 2.5;

    @TempDir
    static Path dir;
    static TestCluster cluster;
    static Admin admin;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = TestCluster.start(dir, 2, Map.of());
        admin = cluster.admin();
    }

    @AfterAll
    static void stopCluster() {
        if (admin != null) {
            admin.close();
        }
        cluster.close();
    }

    /** Runs the tool with {@code via} as its only bootstrap server. */
    private static ChildJvm.Result configs(TestNode via, String... args) throws Exception {
        return KafkaTools.run(via.bootstrap(), null, TOOL, args);
    }

    private static void awaitQuotas(String what, ClientQuotaEntity entity, Map<String, Double> quotas) {
        cluster.awaitAll(what, image -> quotas.equals(image.clientQuotas().getOrDefault(entity, Map.of())));
    }

    private static void createTopic(String topic) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }

    /** The client's metric of this name in this group, as a number. */
    private static double metric(Map<MetricName, ? extends Metric> metrics, String group, String name) {
        return metrics.entrySet().stream().filter(m -> m.getKey().group().equals(group)
                        && m.getKey().name().equals(name) && m.getKey().tags().keySet().stream().noneMatch("topic"::equals))
                .map(m -> (Double) m.getValue().metricValue()).findFirst()
                .orElseThrow(() -> new AssertionError("no metric " + group + "/" + name));
    }

    private static KafkaProducer<String, String> producer(String clientId) {
        return StringClients.producer(cluster.bootstrap(), Map.of(ProducerConfig.CLIENT_ID_CONFIG, clientId,
                ProducerConfig.ACKS_CONFIG, "1", ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "600000",
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "120000"));
    }

    /** Sends {@code records} records as fast as the producer may; the bytes per second it managed. */
    private static double produce(KafkaProducer<String, String> producer, String topic, int records) {
        String value = "v".repeat(RECORD_BYTES);
        long started = System.nanoTime();
        for (int i = 0; i < records; i++) {
            producer.send(new ProducerRecord<>(topic, value));
        }
        producer.flush();
        return (double) records * RECORD_BYTES / ((System.nanoTime() - started) / 1e9);
    }

    @Test
    void kafkaConfigsSetsQuotasThatEveryBrokerDescribes() throws Exception {
        KafkaTools.succeeded(configs(cluster.node(1), "--alter", "--entity-type", "users", "--entity-name", "alice",
                "--add-config", "producer_byte_rate=1048576,consumer_byte_rate=2097152"));
        KafkaTools.succeeded(configs(cluster.node(2), "--alter", "--entity-type", "users", "--entity-name", "alice",
                "--entity-type", "clients", "--entity-name", "reports", "--add-config", "request_percentage=12.5"));
        KafkaTools.succeeded(configs(cluster.node(1), "--alter", "--entity-type", "clients", "--entity-default",
                "--add-config", "consumer_byte_rate=1000000000"));
        KafkaTools.succeeded(configs(cluster.node(2), "--alter", "--entity-type", "users", "--entity-default",
                "--add-config", "producer_byte_rate=1000000000"));
        awaitQuotas("alice's quotas", ClientQuotaEntity.user("alice"),
                Map.of("producer_byte_rate", 1048576.0, "consumer_byte_rate", 2097152.0));
        awaitQuotas("alice's reports' quota", ClientQuotaEntity.userAndClientId("alice", "reports"),
                Map.of("request_percentage", 12.5));
        awaitQuotas("the default client id's quota", ClientQuotaEntity.clientId(null),
                Map.of("consumer_byte_rate", 1e9));
        awaitQuotas("the default user's quota", ClientQuotaEntity.user(null), Map.of("producer_byte_rate", 1e9));

        for (TestNode node : cluster.nodes()) {
            String alice = KafkaTools.succeeded(configs(node, "--describe", "--entity-type", "users", "--entity-name",
                    "alice"));
            assertTrue(alice.contains("Quota configs for user-principal 'alice' are ")
                    && alice.contains("producer_byte_rate=1048576.0") && alice.contains("consumer_byte_rate=2097152.0"),
                    alice);
            String reports = KafkaTools.succeeded(configs(node, "--describe", "--entity-type", "users", "--entity-name",
                    "alice", "--entity-type", "clients", "--entity-name", "reports"));
            assertTrue(reports.contains("Quota configs for user-principal 'alice', client-id 'reports' are "
                    + "request_percentage=12.5"), reports);
            String defaultClient = KafkaTools.succeeded(configs(node, "--describe", "--entity-type", "clients",
                    "--entity-default"));
            assertTrue(defaultClient.contains("Quota configs for the default client-id are consumer_byte_rate=1.0E9"),
                    defaultClient);
            String everyUser = KafkaTools.succeeded(configs(node, "--describe", "--entity-type", "users"));
            assertTrue(everyUser.contains("Quota configs for the default user-principal are producer_byte_rate=1.0E9")
                    && everyUser.contains("Quota configs for user-principal 'alice' are "), everyUser);
            assertTrue(!everyUser.contains("client-id"), "--entity-type users alone shows users alone: " + everyUser);
        }

        KafkaTools.succeeded(configs(cluster.node(2), "--alter", "--entity-type", "users", "--entity-name", "alice",
                "--delete-config", "producer_byte_rate"));
        awaitQuotas("alice's consumer quota alone", ClientQuotaEntity.user("alice"),
                Map.of("consumer_byte_rate", 2097152.0));
        String alice = KafkaTools.succeeded(configs(cluster.node(1), "--describe", "--entity-type", "users",
                "--entity-name", "alice"));
        assertTrue(alice.contains("are consumer_byte_rate=2097152.0") && !alice.contains("producer_byte_rate"), alice);

        admin.alterClientQuotas(List.of(
                removal(new org.apache.kafka.common.quota.ClientQuotaEntity(Map.of("user", "alice")),
                        "consumer_byte_rate"),
                removal(entity("user", "alice", "client-id", "reports"), "request_percentage"),
                removal(entity("client-id", null), "consumer_byte_rate"),
                removal(entity("user", null), "producer_byte_rate"))).all().get();
        cluster.awaitAll("no quota left", image -> image.clientQuotas().isEmpty());
    }

    /** kafka-clients' entity of types and names (null: the default). */
    private static org.apache.kafka.common.quota.ClientQuotaEntity entity(String... typesAndNames) {
        Map<String, String> entity = new HashMap<>();
        for (int i = 0; i < typesAndNames.length; i += 2) {
            entity.put(typesAndNames[i], typesAndNames[i + 1]);
        }
        return new org.apache.kafka.common.quota.ClientQuotaEntity(entity);
    }

    private static ClientQuotaAlteration removal(org.apache.kafka.common.quota.ClientQuotaEntity entity, String key) {
        return new ClientQuotaAlteration(entity, List.of(new ClientQuotaAlteration.Op(key, null)));
    }

    private static ClientQuotaAlteration setting(org.apache.kafka.common.quota.ClientQuotaEntity entity, String key,
                                                 double value) {
        return new ClientQuotaAlteration(entity, List.of(new ClientQuotaAlteration.Op(key, value)));
    }

    @Test
    void aProducerOverItsQuotaIsThrottledToItAndToldSo() throws Exception {
        createTopic("throttled-writes");
        KafkaTools.succeeded(configs(cluster.node(2), "--alter", "--entity-type", "clients", "--entity-name",
                "throttled-producer", "--add-config", "producer_byte_rate=" + QUOTA));
        awaitQuotas("the producer's quota", ClientQuotaEntity.clientId("throttled-producer"),
                Map.of("producer_byte_rate", (double) QUOTA));
        try (KafkaProducer<String, String> producer = producer("throttled-producer")) {
            double rate = produce(producer, "throttled-writes", RECORDS);
            assertTrue(rate <= GENEROUS * QUOTA, rate + " B/s, over " + GENEROUS + " times the quota of " + QUOTA);
            assertTrue(metric(producer.metrics(), "producer-metrics", "produce-throttle-time-max") > 0,
                    "the producer was told it was throttled");
            assertTrue(metric(producer.metrics(), "producer-metrics", "produce-throttle-time-avg") > 0);
        }
    }

    @Test
    void aConsumerOverItsQuotaIsThrottledToItAndToldSo() throws Exception {
        createTopic("throttled-reads");
        try (KafkaProducer<String, String> producer = producer("unthrottled-producer")) {
            produce(producer, "throttled-reads", RECORDS);
        }
        admin.alterClientQuotas(List.of(setting(entity("client-id", "throttled-consumer"), "consumer_byte_rate",
                QUOTA))).all().get();
        awaitQuotas("the consumer's quota", ClientQuotaEntity.clientId("throttled-consumer"),
                Map.of("consumer_byte_rate", (double) QUOTA));
        TopicPartition partition = new TopicPartition("throttled-reads", 0);
        try (KafkaConsumer<String, String> consumer = StringClients.consumer(cluster.bootstrap(), Map.of(
                ConsumerConfig.CLIENT_ID_CONFIG, "throttled-consumer",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(64 * 1024)))) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long bytes = 0;
            long started = System.nanoTime();
            long deadline = started + TimeUnit.MINUTES.toNanos(10);
            while (bytes < (long) RECORDS * RECORD_BYTES) {
                assertTrue(System.nanoTime() < deadline, "read only " + bytes + " bytes in 10 minutes");
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofSeconds(1))) {
                    bytes += record.serializedValueSize();
                }
            }
            double rate = bytes / ((System.nanoTime() - started) / 1e9);
            assertTrue(rate <= GENEROUS * QUOTA, rate + " B/s, over " + GENEROUS + " times the quota of " + QUOTA);
            assertTrue(metric(consumer.metrics(), "consumer-fetch-manager-metrics", "fetch-throttle-time-max") > 0,
                    "the consumer was told it was throttled");
        }
    }

    @Test
    void removingAQuotaLiftsTheThrottle() throws Exception {
        createTopic("lifted");
        KafkaTools.succeeded(configs(cluster.node(1), "--alter", "--entity-type", "clients", "--entity-name",
                "lifted-producer", "--add-config", "producer_byte_rate=10000"));
        awaitQuotas("the producer's quota", ClientQuotaEntity.clientId("lifted-producer"),
                Map.of("producer_byte_rate", 10000.0));
        try (KafkaProducer<String, String> producer = producer("lifted-producer")) {
            produce(producer, "lifted", 200);
            assertTrue(metric(producer.metrics(), "producer-metrics", "produce-throttle-time-max") > 0,
                    "throttled at 10 kB/s");
        }

        KafkaTools.succeeded(configs(cluster.node(2), "--alter", "--entity-type", "clients", "--entity-name",
                "lifted-producer", "--delete-config", "producer_byte_rate"));
        cluster.awaitAll("the quota gone", image -> image.clientQuotas().isEmpty() || !image.clientQuotas()
                .containsKey(ClientQuotaEntity.clientId("lifted-producer")));
        try (KafkaProducer<String, String> producer = producer("lifted-producer")) {
            produce(producer, "lifted", 2_000);
            assertEquals(0.0, metric(producer.metrics(), "producer-metrics", "produce-throttle-time-max"),
                    "two megabytes, at 10 kB/s three minutes' worth, and not throttled");
        }
    }

    @Test
    void requestTimeOverItsQuotaIsThrottled() throws Exception {
        createTopic("busy");
        // A hundredth of a percent of one request thread: a millisecond of its time in the ten-second window.
        admin.alterClientQuotas(List.of(setting(entity("client-id", "busy-producer"), "request_percentage", 0.01)))
                .all().get();
        awaitQuotas("the request quota", ClientQuotaEntity.clientId("busy-producer"), Map.of("request_percentage", 0.01));
        try (KafkaProducer<String, String> producer = producer("busy-producer")) {
            double throttled = 0;
            for (int i = 0; i < 1_000 && throttled == 0; i++) {
                producer.send(new ProducerRecord<>("busy", "r" + i)).get();
                throttled = metric(producer.metrics(), "producer-metrics", "produce-throttle-time-max");
            }
            assertTrue(throttled > 0, "a thousand requests within a millisecond of request threads' time");
            assertTrue(throttled <= 1_000, "request time throttles for at most one sample: " + throttled);
        }
    }

    @Test
    void aClientThatIgnoresItsThrottleTimeIsNotReadFromBeforeItEnds() throws Exception {
        createTopic("ignored-throttle");
        admin.alterClientQuotas(List.of(setting(entity("client-id", "raw-client"), "producer_byte_rate", 10_000)))
                .all().get();
        awaitQuotas("the raw client's quota", ClientQuotaEntity.clientId("raw-client"),
                Map.of("producer_byte_rate", 10_000.0));
        int leader = cluster.describe("ignored-throttle").partitions().get(0).leader().id();
        try (RawKafkaClient client = new RawKafkaClient(cluster.node(leader).bootstrap())) {
            long sent = System.nanoTime();
            // 120 kB in a young window of ten seconds: 12 kB/s, 20% over, so about 2 s of throttle.
            ProduceResponseData produced = client.call(RawKafkaClient.produce("ignored-throttle", 0, (short) 1,
                    RawKafkaClient.batch(List.of("x".repeat(120_000)))), (short) 12);
            assertEquals(0, RawKafkaClient.only(produced).errorCode(), "answered at once, and written");
            assertTrue(produced.throttleTimeMs() > 0, "throttled: " + produced);
            // Unlike Kafka's clients, this one does not wait: the broker does not read its next request until then.
            client.call(new ApiVersionsRequestData().setClientSoftwareName("test").setClientSoftwareVersion("1"),
                    (short) 3);
            long answeredAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
            assertTrue(answeredAfterMs >= produced.throttleTimeMs(), "the next request answered " + answeredAfterMs
                    + " ms after the first was sent, within its throttle of " + produced.throttleTimeMs() + " ms");
        }
        admin.alterClientQuotas(List.of(removal(entity("client-id", "raw-client"), "producer_byte_rate"))).all().get();
    }

    @Test
    void invalidQuotasAreRefusedWithKafkasErrors() throws Exception {
        Map<org.apache.kafka.common.quota.ClientQuotaEntity, String> refused = Map.of(
                entity("user", "bob"), "producer_rate",
                entity("group", "g"), "producer_byte_rate",
                entity("ip", "10.0.0.1"), "connection_creation_rate",
                entity("user", "carol"), "controller_mutation_rate");
        for (Map.Entry<org.apache.kafka.common.quota.ClientQuotaEntity, String> refusal : refused.entrySet()) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> admin.alterClientQuotas(List.of(
                    setting(refusal.getKey(), refusal.getValue(), 10))).all().get(), refusal.toString());
            assertInstanceOf(InvalidRequestException.class, e.getCause(), refusal.toString());
        }
        ExecutionException unknownKey = assertThrows(ExecutionException.class, () -> admin.alterClientQuotas(List.of(
                setting(entity("user", "bob"), "producer_rate", 10))).all().get());
        assertEquals("Invalid configuration key producer_rate", unknownKey.getCause().getMessage());

        ChildJvm.Result fractional = configs(cluster.node(1), "--alter", "--entity-type", "clients", "--entity-name",
                "app", "--add-config", "producer_byte_rate=1.5");
        assertNotEquals(0, fractional.exitCode(), fractional.output());
        assertTrue(fractional.output().contains("InvalidRequestException: producer_byte_rate cannot be a fractional "
                + "value."), fractional.output());
        ChildJvm.Result ip = configs(cluster.node(2), "--alter", "--entity-type", "ips", "--entity-name", "10.0.0.1",
                "--add-config", "connection_creation_rate=10");
        assertNotEquals(0, ip.exitCode(), ip.output());
        assertTrue(ip.output().contains("ip entities (connection_creation_rate) are not supported"), ip.output());

        ExecutionException unknownType = assertThrows(ExecutionException.class, () -> admin.describeClientQuotas(
                ClientQuotaFilter.contains(List.of(ClientQuotaFilterComponent.ofEntityType("group")))).entities().get());
        assertInstanceOf(UnsupportedVersionException.class, unknownType.getCause());
        cluster.awaitAll("nothing set", image -> !image.clientQuotas().containsKey(ClientQuotaEntity.user("bob")));
    }

    @Test
    void everyBrokerAdvertisesTheQuotaApisAtEveryVersion() throws Exception {
        for (TestNode node : cluster.nodes()) {
            try (RawKafkaClient client = new RawKafkaClient(node.bootstrap())) {
                ApiVersionsResponseData versions = client.call(new ApiVersionsRequestData()
                        .setClientSoftwareName("test").setClientSoftwareVersion("1"), (short) 3);
                for (ApiKeys api : List.of(ApiKeys.ALTER_CLIENT_QUOTAS, ApiKeys.DESCRIBE_CLIENT_QUOTAS)) {
                    ApiVersionsResponseData.ApiVersion advertised = versions.apiKeys().find(api.id);
                    assertEquals(api.oldestVersion(), advertised.minVersion(), api.toString());
                    assertEquals(api.latestVersion(), advertised.maxVersion(), api.toString());
                }
            }
        }
    }
}
