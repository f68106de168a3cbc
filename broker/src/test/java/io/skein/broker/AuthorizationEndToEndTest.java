package io.skein.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.skein.node.NodeConfig;
import io.skein.testing.StringClients;
import io.skein.testing.TestCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
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
 * ACLs enforced end to end on a real cluster of two brokers, with Kafka's own clients. Until SASL
 * and TLS are merged every connection is {@code User:ANONYMOUS}, clients' and brokers' alike, so the
 * cluster runs with {@code allow.everyone.if.no.acl.found}: what no ACL names stays open (the brokers'
 * replication among it), and the ACLs on one topic, an ALLOW of everything to everyone and a DENY of
 * WRITE to ANONYMOUS, show the DENY winning over the ALLOW for writes and not touching reads.
 */
@Timeout(300)
class AuthorizationEndToEndTest {
    @TempDir
    static Path dir;
    static TestCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = TestCluster.start(dir, 2, Map.of(NodeConfig.AUTHORIZER_CLASS_NAME, NodeConfig.STANDARD_AUTHORIZER,
                NodeConfig.ALLOW_EVERYONE_IF_NO_ACL_FOUND, "true", "min.insync.replicas", "2",
                "offsets.topic.replication.factor", "2", "offsets.topic.num.partitions", "2"));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static AclBinding topicAcl(String topic, PatternType pattern, String principal, AclOperation operation,
                                       AclPermissionType permission) {
        return new AclBinding(new ResourcePattern(ResourceType.TOPIC, topic, pattern),
                new AccessControlEntry(principal, "*", operation, permission));
    }

    private static KafkaProducer<String, String> producer() {
        return StringClients.producer(cluster.bootstrap(), Map.of(ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000", ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000"));
    }

    @Test
    void aDenyOfWritesWinsOverAnAllowOfEverythingWhileReadsAndReplicationGoOn() throws Exception {
        Admin admin = cluster.admin();
        admin.createTopics(List.of(new NewTopic("secret", 1, (short) 2), new NewTopic("open", 1, (short) 2)))
                .all().get();
        try (KafkaProducer<String, String> producer = producer()) {
            producer.send(new ProducerRecord<>("secret", "before")).get();
        }
        admin.createAcls(List.of(
                topicAcl("secret", PatternType.LITERAL, "User:*", AclOperation.ALL, AclPermissionType.ALLOW),
                topicAcl("sec", PatternType.PREFIXED, "User:ANONYMOUS", AclOperation.WRITE, AclPermissionType.DENY),
                topicAcl("ghost", PatternType.LITERAL, "User:ANONYMOUS", AclOperation.DESCRIBE,
                        AclPermissionType.DENY))).all().get();
        cluster.awaitAll("the three ACLs", image -> image.acls().size() == 3);

        try (KafkaProducer<String, String> producer = producer()) {
            ExecutionException denied = assertThrows(ExecutionException.class,
                    () -> producer.send(new ProducerRecord<>("secret", "after")).get());
            assertInstanceOf(TopicAuthorizationException.class, denied.getCause());
            // acks=all with min.insync.replicas 2: the other broker's replica fetches go on under the authorizer.
            assertEquals(0, producer.send(new ProducerRecord<>("open", "kept")).get().offset());
        }

        try (KafkaConsumer<String, String> consumer = StringClients.consumer(cluster.bootstrap(), Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, "readers", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            consumer.subscribe(List.of("secret"));
            List<String> read = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (read.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    read.add(record.value());
                }
            }
            assertEquals(List.of("before"), read, "a DENY of WRITE denies nothing else");
            consumer.commitSync();
        }

        ExecutionException hidden = assertThrows(ExecutionException.class,
                () -> admin.describeTopics(List.of("ghost")).allTopicNames().get());
        assertInstanceOf(TopicAuthorizationException.class, hidden.getCause(),
                "a topic the client may not describe is not said not to exist");
    }
}
