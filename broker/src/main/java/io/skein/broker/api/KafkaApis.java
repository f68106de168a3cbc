package io.skein.broker.api;

import io.skein.broker.metadata.AclAdmin;
import io.skein.broker.metadata.ClientQuotaAdmin;
import io.skein.broker.metadata.MetadataWaiter;
import io.skein.broker.metadata.ScramAdmin;
import io.skein.broker.metadata.ControllerRequests;
import io.skein.broker.metadata.TopicAdmin;
import io.skein.broker.metadata.ConfigDescriber;
import io.skein.broker.group.GroupCoordinator;
import io.skein.broker.network.RequestContext;
import io.skein.broker.network.RequestHandler;
import io.skein.broker.producer.ProducerIdManager;
import io.skein.broker.quota.ClientQuotas;
import io.skein.broker.replica.ReplicaManager;
import io.skein.broker.security.Authorization;
import io.skein.broker.txn.AddPartitionsToTxnManager;
import io.skein.broker.txn.TransactionCoordinator;
import io.skein.node.NodeConfig;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * The Kafka APIs a broker serves, each at every version kafka-clients' classes know; ApiVersions
 * advertises exactly these. Topic, partition assignment, config, ACL and client quota changes and leader elections go
 * to the active controller; group requests to the group coordinator; transactional ones to the
 * transaction coordinator. Each API authorizes its request as Kafka's does, in its own handler (see
 * {@link Authorization}).
 */
public final class KafkaApis implements RequestHandler {
    private final Map<ApiKeys, Api> apis = new EnumMap<>(ApiKeys.class);
    private final MetadataWaiter metadataWaiter;
    private final TopicAdmin topicAdmin;
    private final ConfigDescriber configs;
    private final AclAdmin aclAdmin;
    private final ScramAdmin scramAdmin;
    private final ClientQuotaAdmin clientQuotaAdmin;
    private final RequestThrottling throttling;

    /**
     * @param metadataWaiter the metadata requests are answered from, which this follows (see {@link #metadata()})
     * @param authorization  how requests are authorized: by ACLs, or (no authorizer) not at all
     * @param clientQuotas   the client quotas requests are throttled by
     */
    public KafkaApis(NodeConfig config, String clusterId, MetadataWaiter metadataWaiter, ReplicaManager replicaManager,
                     ControllerRequests controller, ProducerIdManager producerIds, GroupCoordinator groupCoordinator,
                     TransactionCoordinator transactionCoordinator,
                     AddPartitionsToTxnManager addPartitionsToTxn, Authorization authorization,
                     ClientQuotas clientQuotas) {
        this.metadataWaiter = metadataWaiter;
        this.throttling = new RequestThrottling(clientQuotas);
        ClusterView cluster = new ClusterView(metadataWaiter::image, clusterId, config.nodeId());
        this.topicAdmin = new TopicAdmin(controller, metadataWaiter, config.deleteTopicEnable());
        this.aclAdmin = new AclAdmin(controller, metadataWaiter, authorization.enabled());
        this.configs = new ConfigDescriber(config);
        int requestTimeoutMs = config.getInt(NodeConfig.REQUEST_TIMEOUT_MS);
        this.scramAdmin = new ScramAdmin(controller, metadataWaiter, requestTimeoutMs);
        this.clientQuotaAdmin = new ClientQuotaAdmin(controller, metadataWaiter, requestTimeoutMs);
        TopicAdminApis topicApis = new TopicAdminApis(cluster, topicAdmin, configs, authorization);
        apis.put(ApiKeys.PRODUCE, new ProduceApi(cluster, replicaManager, addPartitionsToTxn, authorization));
        apis.put(ApiKeys.FETCH, new FetchApi(cluster, replicaManager, authorization, clientQuotas));
        apis.put(ApiKeys.LIST_OFFSETS, new ListOffsetsApi(replicaManager, authorization));
        apis.put(ApiKeys.METADATA, new MetadataApi(cluster, topicAdmin, config.autoCreateTopicsEnable(), authorization));
        apis.put(ApiKeys.OFFSET_FOR_LEADER_EPOCH, new OffsetsForLeaderEpochApi(replicaManager, authorization));
        apis.put(ApiKeys.DELETE_RECORDS, new DeleteRecordsApi(cluster, replicaManager, authorization));
        apis.put(ApiKeys.INIT_PRODUCER_ID, new InitProducerIdApi(producerIds, transactionCoordinator, authorization));
        apis.put(ApiKeys.CREATE_TOPICS, topicApis::createTopics);
        apis.put(ApiKeys.DELETE_TOPICS, topicApis::deleteTopics);
        apis.put(ApiKeys.CREATE_PARTITIONS, topicApis::createPartitions);
        apis.put(ApiKeys.ELECT_LEADERS, new ElectLeadersApi(topicAdmin, authorization));
        ReassignmentApis reassignments = new ReassignmentApis(cluster, topicAdmin, authorization);
        apis.put(ApiKeys.ALTER_PARTITION_REASSIGNMENTS, reassignments::alterPartitionReassignments);
        apis.put(ApiKeys.LIST_PARTITION_REASSIGNMENTS, reassignments::listPartitionReassignments);
        apis.put(ApiKeys.DESCRIBE_CLUSTER, new DescribeClusterApi(cluster, authorization));
        apis.put(ApiKeys.DESCRIBE_QUORUM, new DescribeQuorumApi(controller, config.voters(),
                config.controllerListenerName(), Clock.systemUTC(), authorization));
        apis.put(ApiKeys.DESCRIBE_CONFIGS, new DescribeConfigsApi(cluster, configs, authorization));
        AlterConfigsApis alterConfigs = new AlterConfigsApis(cluster, topicAdmin, authorization);
        apis.put(ApiKeys.INCREMENTAL_ALTER_CONFIGS, alterConfigs::incrementalAlterConfigs);
        apis.put(ApiKeys.ALTER_CONFIGS, alterConfigs::alterConfigs);
        apis.put(ApiKeys.DESCRIBE_LOG_DIRS, new DescribeLogDirsApi(replicaManager, config.logDirs(), authorization));
        apis.put(ApiKeys.FIND_COORDINATOR, new FindCoordinatorApi(cluster, topicAdmin, groupCoordinator.config(),
                transactionCoordinator.config(), authorization));
        AclApis aclApis = new AclApis(aclAdmin, authorization, requestTimeoutMs);
        apis.put(ApiKeys.CREATE_ACLS, aclApis::createAcls);
        apis.put(ApiKeys.DESCRIBE_ACLS, aclApis::describeAcls);
        apis.put(ApiKeys.DELETE_ACLS, aclApis::deleteAcls);
        GroupApis groups = new GroupApis(cluster, groupCoordinator, authorization);
        apis.put(ApiKeys.JOIN_GROUP, groups::joinGroup);
        apis.put(ApiKeys.SYNC_GROUP, groups::syncGroup);
        apis.put(ApiKeys.HEARTBEAT, groups::heartbeat);
        apis.put(ApiKeys.LEAVE_GROUP, groups::leaveGroup);
        apis.put(ApiKeys.OFFSET_COMMIT, groups::offsetCommit);
        apis.put(ApiKeys.OFFSET_FETCH, groups::offsetFetch);
        apis.put(ApiKeys.OFFSET_DELETE, groups::offsetDelete);
        apis.put(ApiKeys.LIST_GROUPS, groups::listGroups);
        apis.put(ApiKeys.DESCRIBE_GROUPS, groups::describeGroups);
        apis.put(ApiKeys.DELETE_GROUPS, groups::deleteGroups);
        TransactionApis transactionApis = new TransactionApis(cluster, transactionCoordinator, groupCoordinator,
                authorization);
        apis.put(ApiKeys.ADD_PARTITIONS_TO_TXN, transactionApis::addPartitionsToTxn);
        apis.put(ApiKeys.ADD_OFFSETS_TO_TXN, transactionApis::addOffsetsToTxn);
        apis.put(ApiKeys.END_TXN, transactionApis::endTxn);
        apis.put(ApiKeys.TXN_OFFSET_COMMIT, new TxnOffsetCommitApi(cluster, groupCoordinator, replicaManager,
                addPartitionsToTxn, authorization));
        apis.put(ApiKeys.WRITE_TXN_MARKERS, new WriteTxnMarkersApi(cluster, replicaManager, groupCoordinator,
                requestTimeoutMs, authorization));
        TransactionAdminApis adminApis = new TransactionAdminApis(transactionCoordinator, authorization);
        apis.put(ApiKeys.DESCRIBE_TRANSACTIONS, adminApis::describeTransactions);
        apis.put(ApiKeys.LIST_TRANSACTIONS, adminApis::listTransactions);
        apis.put(ApiKeys.DESCRIBE_PRODUCERS, new DescribeProducersApi(cluster, replicaManager, authorization));
        ScramApis scramApis = new ScramApis(cluster, scramAdmin, authorization);
        apis.put(ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, scramApis::alterUserScramCredentials);
        apis.put(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, scramApis::describeUserScramCredentials);
        ClientQuotaApis clientQuotaApis = new ClientQuotaApis(clientQuotaAdmin, authorization);
        apis.put(ApiKeys.ALTER_CLIENT_QUOTAS, clientQuotaApis::alterClientQuotas);
        apis.put(ApiKeys.DESCRIBE_CLIENT_QUOTAS, clientQuotaApis::describeClientQuotas);
        // Reached only outside a SASL authentication: on other listeners, or once authenticated, as in Kafka.
        apis.put(ApiKeys.SASL_HANDSHAKE, context -> CompletableFuture.completedFuture(new SaslHandshakeResponseData()
                .setErrorCode(Errors.ILLEGAL_SASL_STATE.code())));
        apis.put(ApiKeys.SASL_AUTHENTICATE, context -> CompletableFuture.completedFuture(
                new SaslAuthenticateResponseData().setErrorCode(Errors.ILLEGAL_SASL_STATE.code())
                        .setErrorMessage("SaslAuthenticate request received after successful authentication")));
        apis.put(ApiKeys.API_VERSIONS, new ApiVersionsApi(apis.keySet(), cluster));
    }

    /**
     * Follows the broker's metadata; register it after every other publisher, as requests are
     * answered from it (the admin API's too).
     */
    public MetadataWaiter metadata() {
        return metadataWaiter;
    }

    /** Topic changes through the controller, as this broker's Kafka API makes them (the admin API's too). */
    public TopicAdmin topicAdmin() {
        return topicAdmin;
    }

    /** ACL changes through the controller, and ACLs as this broker has them (the admin API's too). */
    public AclAdmin aclAdmin() {
        return aclAdmin;
    }

    /** SCRAM credential changes through the controller, as this broker's Kafka API makes them (the admin API's too). */
    public ScramAdmin scramAdmin() {
        return scramAdmin;
    }

    /** Client quota changes through the controller, and quotas as this broker has them (the admin API's too). */
    public ClientQuotaAdmin clientQuotaAdmin() {
        return clientQuotaAdmin;
    }

    /** Configs as DescribeConfigs describes them (the admin API's too). */
    public ConfigDescriber configs() {
        return configs;
    }

    @Override
    public boolean supports(ApiKeys apiKey, short version) {
        return apis.containsKey(apiKey) && apiKey.isVersionSupported(version)
                && (apiKey != ApiKeys.SASL_HANDSHAKE || version >= ApiVersionsApi.SASL_HANDSHAKE_MIN_VERSION);
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        long started = System.nanoTime();
        CompletableFuture<ApiMessage> response = apis.get(context.request().apiKey()).handle(context);
        return throttling.throttled(context, response, System.nanoTime() - started);
    }
}
