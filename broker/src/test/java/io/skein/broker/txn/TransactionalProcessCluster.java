package io.skein.broker.txn;

import io.skein.broker.coordinator.CoordinatorRuntime;
import io.skein.testing.ProcessCluster;
import io.skein.testing.ProcessCluster.Node;
import io.skein.testing.StringClients;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * Three broker processes that serve transactions, for the tests that crash them: where each
 * transactional id's and group's coordinator is, topics replicated three times with
 * {@code min.insync.replicas} 2, and transactional producers patient enough to ride out a failover.
 */
final class TransactionalProcessCluster implements AutoCloseable {
    private static final int STATE_PARTITIONS = 5;

    final ProcessCluster processes;

    private TransactionalProcessCluster(ProcessCluster processes) {
        this.processes = processes;
    }

    static TransactionalProcessCluster start(Path dir) throws Exception {
        TransactionalProcessCluster cluster = new TransactionalProcessCluster(ProcessCluster.start(dir, 3,
                Map.of("broker.session.timeout.ms", "6000", "auto.leader.rebalance.enable", "false"),
                Map.of("transaction.state.log.num.partitions", Integer.toString(STATE_PARTITIONS),
                        "offsets.topic.num.partitions", Integer.toString(STATE_PARTITIONS),
                        "group.initial.rebalance.delay.ms", "0",
                        "broker.heartbeat.interval.ms", "500", "replica.lag.time.max.ms", "2000",
                        "replica.fetch.backoff.ms", "200")));
        try {
            // The state topic is made by the first transactional producer, as in Kafka; the tests need it
            // whole beforehand, to know each transactional id's coordinator.
            try (KafkaProducer<String, String> first = cluster.producer("first")) {
                first.initTransactions();
            }
            // And the group coordinator's topic, made by the first lookup of a group's coordinator.
            try (Admin admin = cluster.processes.admin(null)) {
                admin.listConsumerGroupOffsets("first").partitionsToOffsetAndMetadata().get();
            }
            cluster.awaitStateTopicsFullIsr();
        } catch (Exception | AssertionError e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    TopicPartitionInfo describe(String topic, int partition, Node excluded) throws Exception {
        try (Admin admin = processes.admin(excluded)) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().get(partition);
        }
    }

    int leader(String topic, int partition) throws Exception {
        return describe(topic, partition, null).leader().id();
    }

    /** The broker that coordinates {@code transactionalId}: the leader of its partition of the state topic. */
    int transactionCoordinator(String transactionalId) throws Exception {
        return leader("__transaction_state", transactionStatePartition(transactionalId));
    }

    static int transactionStatePartition(String transactionalId) {
        return CoordinatorRuntime.partitionFor(transactionalId, STATE_PARTITIONS);
    }

    /** The broker that coordinates {@code groupId}: the leader of its partition of {@code __consumer_offsets}. */
    int groupCoordinator(String groupId) throws Exception {
        return leader("__consumer_offsets", offsetsPartition(groupId));
    }

    static int offsetsPartition(String groupId) {
        return CoordinatorRuntime.partitionFor(groupId, STATE_PARTITIONS);
    }

    /** The first of {@code prefix-0}, {@code prefix-1}... not coordinated by {@code broker}, so that a fault can hit one and not the other. */
    static String idNotCoordinatedBy(String prefix, int broker, IdCoordinator coordinator) throws Exception {
        for (int i = 0; ; i++) {
            String id = prefix + "-" + i;
            if (coordinator.of(id) != broker) {
                return id;
            }
        }
    }

    /** Where an id is coordinated. */
    interface IdCoordinator {
        int of(String id) throws Exception;
    }

    void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = processes.admin(null)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 3)
                    .configs(Map.of("min.insync.replicas", "2")))).all().get();
        }
        awaitFullIsr(topic, partitions);
    }

    /** Waits until every running broker shows each of the first {@code partitions} partitions of {@code topic} with an ISR of 3. */
    void awaitFullIsr(String topic, int partitions) {
        for (int p = 0; p < partitions; p++) {
            processes.awaitAll("an ISR of 3", null, topic, p, partition -> partition.isrNodes().size() == 3);
        }
    }

    /** Waits until every partition of {@code __transaction_state} and {@code __consumer_offsets} has an ISR of 3. */
    void awaitStateTopicsFullIsr() {
        awaitFullIsr("__transaction_state", STATE_PARTITIONS);
        awaitFullIsr("__consumer_offsets", STATE_PARTITIONS);
    }

    KafkaProducer<String, String> producer(String transactionalId) {
        return StringClients.producer(processes.bootstrap(), Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                transactionalId, ProducerConfig.MAX_BLOCK_MS_CONFIG, "120000",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000", ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000"));
    }

    @Override
    public void close() {
        processes.close();
    }
}
