package io.skein.chaos;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.chaos.checker.Anomaly.Kind;
import io.skein.chaos.checker.CheckResult;
import io.skein.chaos.checker.Checker;
import io.skein.chaos.cluster.ChaosNode;
import io.skein.chaos.cluster.SkeinCluster;
import io.skein.chaos.history.History;
import io.skein.chaos.history.Op;
import io.skein.chaos.history.Op.Fn;
import io.skein.chaos.history.Op.Type;
import io.skein.chaos.report.Report;
import io.skein.chaos.workload.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The checker's negative control on a real cluster: a configuration that is unsafe on purpose
 * (acks=1, min.insync.replicas=1, unclean election allowed) and a fault sequence that must lose
 * acknowledged writes. Both followers are frozen while the leader acknowledges writes alone, then
 * the leader dies and the followers come back: one of them leads without those writes. The run is
 * red as expected when the checker reports them lost.
 */
@Timeout(600)
class NegativeControlTest {
    @BeforeAll
    static void needsDocker() {
        DockerScenarios.assumeAvailable();
    }

    @Test
    void anUnsafeConfigurationLosesAcknowledgedWritesAndTheCheckerSaysSo() throws Exception {
        Path reportDir = Path.of("target", "chaos", "negative-control");
        Map<String, String> unsafe = Map.of("min.insync.replicas", "1", "unclean.leader.election.enable", "true",
                "broker.session.timeout.ms", "4000", "broker.heartbeat.interval.ms", "500");
        try (SkeinCluster cluster = SkeinCluster.start(3, ChaosScenariosTest.BROKER_TARGET, unsafe, Map.of());
             History history = History.writingTo(Files.createDirectories(reportDir).resolve("history.jsonl"));
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("control", 1, (short) 3))).all().get(60, TimeUnit.SECONDS);
            Workload workload = new Workload(cluster.bootstrap(), "control", 1, history,
                    Map.of(ProducerConfig.ACKS_CONFIG, "1", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false"));
            workload.startProducers(1, 50);
            Thread.sleep(3_000); // some writes reach every replica first

            TopicPartitionInfo partition = admin.describeTopics(List.of("control")).allTopicNames().get()
                    .get("control").partitions().get(0);
            ChaosNode leader = cluster.node(partition.leader().id());
            List<ChaosNode> followers = cluster.nodes().stream().filter(node -> node != leader).toList();
            followers.forEach(ChaosNode::pause);
            Op paused = history.invoke("nemesis", Fn.NEMESIS, null, "pause the followers of leader " + leader.id());
            Thread.sleep(5_000); // acknowledged by the leader alone
            leader.kill();
            Op killed = history.invoke("nemesis", Fn.NEMESIS, null, "kill leader " + leader.id());
            followers.forEach(ChaosNode::resume);
            history.complete(paused, Type.OK, null, null, null);
            // A former follower leads (without the leader's last writes) and takes writes again.
            await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> {
                TopicPartitionInfo now = admin.describeTopics(List.of("control")).allTopicNames().get()
                        .get("control").partitions().get(0);
                return now.leader() != null && now.leader().id() != leader.id();
            });
            Thread.sleep(3_000);
            leader.restart(); // it cuts its divergent suffix and follows
            history.complete(killed, Type.OK, null, null, null);
            workload.close();
            workload.finalRead(Duration.ofSeconds(60));

            CheckResult result = Checker.check(history.ops());
            System.out.print(Report.write(reportDir, "Negative control: acks=1, min.insync=1, unclean election",
                    history.ops(), result));
            assertTrue(result.count(Kind.LOST) > 0, result.resultLine());
            assertFalse(result.valid());
        }
    }
}
