package io.skein.broker.api;

import io.skein.broker.network.RequestContext;
import io.skein.broker.replica.Partition;
import io.skein.broker.replica.ReplicaManager;
import io.skein.broker.security.Authorization;
import io.skein.log.PartitionLog;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsPartition;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsTopic;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * DescribeLogDirs ({@code kafka-log-dirs.sh}, {@code Admin.describeLogDirs}): each of this broker's
 * log dirs with the replicas it holds (all, or those asked for; others are left out, as in Kafka),
 * each with its size on disk and how far its log end is behind its high watermark (never below 0,
 * as Kafka reports a current replica's), and the volume's total and usable bytes. A directory taken
 * offline after a failure is KAFKA_STORAGE_ERROR with no replicas, as in Kafka. Skein has no future
 * replicas (no AlterReplicaLogDirs): isFuture is always false. DESCRIBE on the cluster, else
 * CLUSTER_AUTHORIZATION_FAILED with no log dirs, as in Kafka.
 */
final class DescribeLogDirsApi implements Api {
    private final ReplicaManager replicaManager;
    /** Each log dir as configured (as the log manager knows it), by the absolute path clients are told. */
    private final Map<Path, Path> logDirs = new LinkedHashMap<>();
    private final Authorization authorization;

    DescribeLogDirsApi(ReplicaManager replicaManager, List<Path> logDirs, Authorization authorization) {
        this.replicaManager = replicaManager;
        this.authorization = authorization;
        logDirs.forEach(dir -> this.logDirs.put(dir.toAbsolutePath().normalize(), dir));
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        DescribeLogDirsRequestData request = (DescribeLogDirsRequestData) context.request().data();
        if (!authorization.authorizeCluster(context, AclOperation.DESCRIBE)) {
            return CompletableFuture.completedFuture(new DescribeLogDirsResponseData()
                    .setErrorCode(Errors.CLUSTER_AUTHORIZATION_FAILED.code()));
        }
        Set<TopicPartition> wanted = null;
        if (request.topics() != null) {
            wanted = new HashSet<>();
            for (DescribeLogDirsRequestData.DescribableLogDirTopic topic : request.topics()) {
                for (int partition : topic.partitions()) {
                    wanted.add(new TopicPartition(topic.topic(), partition));
                }
            }
        }
        Map<Path, Map<String, DescribeLogDirsTopic>> byDir = new LinkedHashMap<>();
        logDirs.keySet().forEach(dir -> byDir.put(dir, new TreeMap<>()));
        for (Partition partition : replicaManager.partitions()) {
            TopicPartition tp = partition.topicPartition();
            PartitionLog log = partition.log();
            Map<String, DescribeLogDirsTopic> topics = byDir.get(log.dir().toAbsolutePath().normalize().getParent());
            if ((wanted != null && !wanted.contains(tp)) || topics == null) {
                continue;
            }
            topics.computeIfAbsent(tp.topic(), name -> new DescribeLogDirsTopic().setName(name)).partitions()
                    .add(new DescribeLogDirsPartition().setPartitionIndex(tp.partition()).setPartitionSize(log.size())
                            .setOffsetLag(Math.max(0, log.highWatermark() - log.logEndOffset())).setIsFutureKey(false));
        }
        DescribeLogDirsResponseData response = new DescribeLogDirsResponseData();
        byDir.forEach((dir, topics) -> response.results().add(result(dir, topics)));
        return CompletableFuture.completedFuture(response);
    }

    private DescribeLogDirsResult result(Path dir, Map<String, DescribeLogDirsTopic> topics) {
        DescribeLogDirsResult result = new DescribeLogDirsResult().setLogDir(dir.toString());
        if (replicaManager.isLogDirOffline(logDirs.get(dir))) {
            return result.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
        }
        result.setTopics(List.copyOf(topics.values()));
        try {
            FileStore store = Files.getFileStore(dir);
            return result.setErrorCode(Errors.NONE.code()).setTotalBytes(store.getTotalSpace())
                    .setUsableBytes(store.getUsableSpace());
        } catch (IOException e) {
            return result.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
        }
    }
}
