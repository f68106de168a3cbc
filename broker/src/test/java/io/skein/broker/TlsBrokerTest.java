package io.skein.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.certs.IssuedCertificate;
import io.skein.node.Listener;
import io.skein.node.NodeConfig;
import io.skein.testing.StringClients;
import io.skein.testing.TestCluster;
import io.skein.testing.TestNode;
import io.skein.testing.TlsFiles;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real nodes serving TLS to real Kafka clients, with certificates made by {@code skein certs}'s code. */
@Timeout(240)
class TlsBrokerTest {
    @TempDir
    Path dir;

    private int nodes;

    /** A node of a cluster of its own (its own directory), its SSL listener with node-1's certificate. */
    private TestNode start(TlsFiles certificates, Map<String, String> extra) throws Exception {
        Map<String, String> settings = new HashMap<>(certificates.node("node-1"));
        settings.putAll(extra);
        return TestNode.start(dir.resolve("node-" + ++nodes), settings);
    }

    private static Map<String, String> with(Map<String, String> client, String... more) {
        Map<String, String> settings = new HashMap<>(client);
        for (int i = 0; i < more.length; i += 2) {
            settings.put(more[i], more[i + 1]);
        }
        return settings;
    }

    private static Admin admin(String bootstrap, Map<String, String> client) {
        Map<String, Object> settings = new HashMap<>(client);
        settings.put("bootstrap.servers", bootstrap);
        return Admin.create(settings);
    }

    /** Over BoringSSL's engine where Netty has its native library: fetched slices in direct buffers. */
    @Test
    void producersAndConsumersRoundTripOverTls() throws Exception {
        roundTrip(Map.of());
    }

    /** Over the JDK's engine, where Netty has no native library: fetched slices in heap buffers. */
    @Test
    void producersAndConsumersRoundTripOverTheJdksTls() throws Exception {
        roundTrip(Map.of("ssl.provider", "SunJSSE"));
    }

    private void roundTrip(Map<String, String> engine) throws Exception {
        TlsFiles certificates = TlsFiles.in(dir.resolve("certs"));
        try (TestNode node = start(certificates, engine)) {
            Map<String, String> client = certificates.client(null);
            try (Admin admin = admin(node.bootstrap(), client)) {
                admin.createTopics(List.of(new NewTopic("orders", 3, (short) 1))).all().get();
            }
            // Values of 2 KiB, so that a fetch's log slices span many records and more than one TLS record.
            String padding = "x".repeat(2048);
            int count = 600;
            try (KafkaProducer<String, String> producer = StringClients.producer(node.bootstrap(),
                    with(client, "acks", "all", "linger.ms", "5"))) {
                for (int i = 0; i < count; i++) {
                    producer.send(new ProducerRecord<>("orders", "k" + i, i + ":" + padding));
                }
                producer.flush();
            }
            List<String> read = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = StringClients.consumer(node.bootstrap(),
                    with(client, "group.id", "billing", "auto.offset.reset", "earliest"))) {
                consumer.subscribe(List.of("orders"));
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> read.add(r.value()));
                    return read.size() >= count;
                });
            }
            assertEquals(count, read.size());
            assertEquals(count, read.stream().map(v -> v.substring(0, v.indexOf(':'))).distinct().count());
            assertTrue(read.stream().allMatch(v -> v.endsWith(":" + padding)), "every byte as written");
        }
    }

    @Test
    void mutualTlsServesCertifiedClientsAndRefusesOthers() throws Exception {
        TlsFiles certificates = TlsFiles.in(dir.resolve("certs"));
        try (TestNode node = start(certificates, Map.of("ssl.client.auth", "required"))) {
            try (KafkaProducer<String, String> alice = StringClients.producer(node.bootstrap(),
                    with(certificates.client("alice"), "acks", "all"))) {
                assertEquals(0, alice.send(new ProducerRecord<>("payments", "a", "1")).get().offset());
            }
            certificates.issue("expired", Instant.now().minus(Duration.ofDays(10)),
                    Instant.now().minus(Duration.ofDays(1)));
            Map<String, String> untrusted = with(certificates.client(null), "ssl.keystore.type", "PEM",
                    "ssl.keystore.location", certificates.impostor("mallory", dir.resolve("mallory.pem")).toString());
            Map<String, Map<String, String>> refusedClients = Map.of("no certificate", certificates.client(null),
                    "an expired certificate", certificates.client("expired"),
                    "a certificate of another CA", untrusted);
            refusedClients.forEach((why, client) -> {
                try (KafkaProducer<String, String> refusedProducer = StringClients.producer(node.bootstrap(),
                        with(client, "max.block.ms", "10000"))) {
                    ExecutionException refused = assertThrows(ExecutionException.class,
                            () -> refusedProducer.send(new ProducerRecord<>("payments", "b", "2")).get(), why);
                    assertInstanceOf(SslAuthenticationException.class, refused.getCause(), why + ": " + refused);
                }
            });
            try (KafkaConsumer<String, String> bob = StringClients.consumer(node.bootstrap(),
                    with(certificates.client("bob"), "auto.offset.reset", "earliest"))) {
                bob.assign(List.of(new TopicPartition("payments", 0)));
                List<ConsumerRecord<String, String>> records = new ArrayList<>();
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    bob.poll(Duration.ofMillis(200)).forEach(records::add);
                    return !records.isEmpty();
                });
                assertEquals(List.of("1"), records.stream().map(ConsumerRecord::value).toList(),
                        "nothing of the refused client was written");
            }
        }
    }

    @Test
    void aPlaintextClientOnTheTlsPortFailsAndTheBrokerServesOthers() throws Exception {
        TlsFiles certificates = TlsFiles.in(dir.resolve("certs"));
        try (TestNode node = start(certificates, Map.of())) {
            try (Admin plaintext = admin(node.bootstrap(), Map.of("default.api.timeout.ms", "5000",
                    "request.timeout.ms", "2000"))) {
                assertThrows(ExecutionException.class, () -> plaintext.describeCluster().nodes().get());
            }
            try (Admin tls = admin(node.bootstrap(), certificates.client(null))) {
                assertEquals(1, tls.describeCluster().nodes().get().size());
            }
        }
    }

    @Test
    void badTlsSettingsFailTheStartNamingTheKey() {
        TlsFiles certificates = TlsFiles.in(dir.resolve("certs"));
        certificates.issue("node-1");
        Path p12 = certificates.directory().pkcs12("node-1");
        ConfigException wrongPassword = assertThrows(ConfigException.class, () -> start(certificates, Map.of(
                "ssl.keystore.type", "PKCS12", "ssl.keystore.location", p12.toString(),
                "ssl.keystore.password", "not-" + TlsFiles.PASSWORD)));
        assertTrue(wrongPassword.getMessage().contains("ssl.keystore.password"), wrongPassword.getMessage());
        ConfigException missing = assertThrows(ConfigException.class, () -> start(certificates, Map.of(
                "ssl.keystore.location", dir.resolve("nowhere.pem").toString())));
        assertTrue(missing.getMessage().contains("ssl.keystore.location"), missing.getMessage());
        ConfigException missingTruststore = assertThrows(ConfigException.class, () -> start(certificates, Map.of(
                "listener.name.ssl.ssl.truststore.location", dir.resolve("nowhere.crt").toString())));
        assertTrue(missingTruststore.getMessage().contains("listener.name.ssl.ssl.truststore.location"),
                missingTruststore.getMessage());
    }

    @Test
    void newConnectionsSeeRenewedCertificatesAndNoneIsRefusedMeanwhile() throws Exception {
        TlsFiles certificates = TlsFiles.in(dir.resolve("certs"));
        IssuedCertificate first = certificates.issue("node-1");
        try (TestNode node = start(certificates, Map.of("ssl.reload.check.interval.ms", "100"))) {
            assertEquals(first.certificate().getSerialNumber(), servedSerial(certificates, node));
            // Clients keep connecting while the certificate is renewed again and again: each handshake
            // must be served, by the old certificate or the new one.
            AtomicBoolean renewing = new AtomicBoolean(true);
            AtomicReference<Exception> refused = new AtomicReference<>();
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Thread client = new Thread(() -> {
                    while (renewing.get() && refused.get() == null) {
                        try {
                            servedSerial(certificates, node);
                        } catch (Exception e) {
                            refused.compareAndSet(null, e);
                        }
                    }
                });
                client.start();
                clients.add(client);
            }
            for (int renewal = 0; renewal < 10 && refused.get() == null; renewal++) {
                IssuedCertificate renewed = certificates.issue("node-1"); // skein certs run again on its directory
                await().atMost(Duration.ofSeconds(30)).until(() -> refused.get() != null
                        || servedSerial(certificates, node).equals(renewed.certificate().getSerialNumber()));
            }
            renewing.set(false);
            for (Thread client : clients) {
                client.join();
            }
            assertNull(refused.get(), () -> "a new connection was refused during a renewal: " + refused.get());
            try (Admin admin = admin(node.bootstrap(), certificates.client(null))) {
                assertEquals(1, admin.describeCluster().nodes().get().size(), "Kafka clients connect as before");
            }
        }
    }

    /** The serial number of the certificate a new TLS connection to {@code node} is served. */
    private static BigInteger servedSerial(TlsFiles certificates, TestNode node) throws Exception {
        String[] hostPort = node.bootstrap().split(":");
        return certificates.servedCertificate(hostPort[0], Integer.parseInt(hostPort[1])).getSerialNumber();
    }

    /**
     * Every connection between the nodes on mutual TLS: followers fetching from leaders (the inter-broker
     * listener), Raft between the voters and the controller service the brokers register and heartbeat
     * through (the controller listener).
     */
    @Test
    void threeNodesReplicateOverMutualTls() throws Exception {
        TlsFiles certificates = TlsFiles.in(dir.resolve("certs"));
        try (TestCluster cluster = TestCluster.start(dir.resolve("cluster"), 3, "SSL", id -> with(
                certificates.sslSettings("node-" + id), "ssl.client.auth", "required",
                NodeConfig.LISTENER_SECURITY_PROTOCOL_MAP, "SSL:SSL,CONTROLLER:SSL",
                "listener.name.controller.ssl.client.auth", "required"))) {
            Map<String, String> client = certificates.client("admin");
            try (Admin admin = admin(cluster.bootstrap(), client)) {
                admin.createTopics(List.of(new NewTopic("replicated", 1, (short) 3)
                        .configs(Map.of("min.insync.replicas", "3")))).all().get();
            }
            int count = 200;
            try (KafkaProducer<String, String> producer = StringClients.producer(cluster.bootstrap(),
                    with(client, "acks", "all"))) {
                for (int i = 0; i < count; i++) {
                    producer.send(new ProducerRecord<>("replicated", "k" + i, "v" + i)).get();
                }
            }
            TopicPartition tp = new TopicPartition("replicated", 0);
            for (TestNode node : cluster.nodes()) {
                assertEquals(count, node.replica(tp).orElseThrow().logEndOffset(), node + "'s replica");
                // Raft's port serves the node's certificate: the voters reached each other over TLS.
                Listener raft = node.config().controllerListener().orElseThrow();
                assertEquals("CN=node-" + node.config().nodeId(), certificates.servedCertificate(raft.host(),
                        raft.port()).getSubjectX500Principal().getName(), node + "'s controller listener");
            }
            try (Admin admin = admin(cluster.bootstrap(), client)) {
                TopicDescription topic = admin.describeTopics(List.of("replicated")).allTopicNames().get()
                        .get("replicated");
                assertEquals(3, topic.partitions().get(0).isr().size(), "every follower fetches over TLS");
            }
        }
    }
}
