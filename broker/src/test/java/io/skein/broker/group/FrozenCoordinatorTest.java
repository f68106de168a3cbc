package io.skein.broker.group;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.skein.testing.ProcessCluster;
import io.skein.testing.ProcessCluster.Node;
import io.skein.testing.RawKafkaClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group coordinator frozen (SIGSTOP) past its session, replaced meanwhile, must not answer a
 * stable OffsetFetch that waited in its socket from the group's offsets of before the freeze: a
 * read_committed consumer that goes back to them reprocesses what the new coordinator's commits
 * covered (the chaos suite's {@code reprocessed=12}). Real broker processes, a real freeze.
 */
@Timeout(300)
class FrozenCoordinatorTest {
    private static final int OFFSETS_PARTITIONS = 3;
    private static final String OFFSETS_TOPIC = GroupCoordinator.OFFSETS_TOPIC;

    @TempDir
    Path dir;

    @Test
    void aResumedCoordinatorAnswersAStableFetchSentWhileItWasFrozenWithNotCoordinator() throws Exception {
        try (ProcessCluster cluster = ProcessCluster.start(dir, 3,
                Map.of("broker.session.timeout.ms", "4000", "auto.leader.rebalance.enable", "false"),
                Map.of("offsets.topic.num.partitions", Integer.toString(OFFSETS_PARTITIONS),
                        "broker.heartbeat.interval.ms", "500", "replica.lag.time.max.ms", "2000",
                        "replica.fetch.backoff.ms", "200"))) {
            String group = "resumed";
            TopicPartition input = new TopicPartition("input", 0);
            int offsetsPartition = GroupCoordinator.partitionFor(group, OFFSETS_PARTITIONS);
            try (Admin admin = cluster.admin(null)) {
                admin.createTopics(List.of(new NewTopic(input.topic(), 1, (short) 3))).all().get();
                commit(admin, group, input, 10); // makes __consumer_offsets too
            }
            cluster.awaitAll("an ISR of 3", null, OFFSETS_TOPIC, offsetsPartition, p -> p.isrNodes().size() == 3);
            Node coordinator = cluster.broker(leader(cluster, null, offsetsPartition));

            try (RawKafkaClient toFrozen = new RawKafkaClient(coordinator.address())) {
                assertEquals(10, toFrozen.committedOffset(group, input, true).committedOffset(),
                        "a coordinator in touch with the controller answers stable fetches");

                coordinator.pause();
                try (Admin others = cluster.admin(coordinator)) {
                    await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                            .until(() -> leader(cluster, coordinator, offsetsPartition) != coordinator.id());
                    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().untilAsserted(() -> {
                        commit(others, group, input, 20);
                        assertEquals(20, others.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                                .get().get(input).offset());
                    });
                }
                // The consumer still takes the frozen broker for its coordinator: its fetch waits in the socket.
                int correlation = toFrozen.nextCorrelationId();
                toFrozen.send(RawKafkaClient.offsetFetch(group, input, true), RawKafkaClient.OFFSET_FETCH_VERSION);
                coordinator.resume();
                OffsetFetchResponsePartitions answer = RawKafkaClient.onlyOffset((OffsetFetchResponseData)
                        toFrozen.readResponse(ApiKeys.OFFSET_FETCH, RawKafkaClient.OFFSET_FETCH_VERSION, correlation));

                assertNotEquals(10, answer.committedOffset(), "the offsets of before the freeze, superseded by 20");
                assertEquals(Errors.NOT_COORDINATOR, Errors.forCode(answer.errorCode()));
            }
        }
    }

    private static void commit(Admin admin, String group, TopicPartition tp, long offset) throws Exception {
        admin.alterConsumerGroupOffsets(group, Map.of(tp, new OffsetAndMetadata(offset))).all().get();
    }

    /** The leader of the partition of {@code __consumer_offsets}, as the brokers but {@code excluded} describe it. */
    private static int leader(ProcessCluster cluster, Node excluded, int partition) throws Exception {
        try (Admin admin = cluster.admin(excluded)) {
            return admin.describeTopics(List.of(OFFSETS_TOPIC)).allTopicNames().get().get(OFFSETS_TOPIC)
                    .partitions().get(partition).leader().id();
        }
    }
}
