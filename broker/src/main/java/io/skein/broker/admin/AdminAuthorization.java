package io.skein.broker.admin;

import io.skein.broker.security.AclAuthorizer;
import io.skein.broker.security.Caller;
import io.skein.metadata.image.Acl;
import io.skein.proto.admin.DescribeTopicsResponse;
import io.skein.proto.admin.DescribeTransactionsResponse;
import io.skein.proto.admin.ListGroupsResponse;
import io.skein.proto.admin.ListTopicsResponse;
import io.skein.proto.admin.ListTransactionsResponse;
import io.skein.proto.admin.TransactionDescription;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.resource.ResourceType;

/**
 * What each admin action needs of the ACLs, in one place: every method of the admin API, every page,
 * action and JSON endpoint of the console asks here first, as the caller its listener authenticated,
 * and is refused unless the caller may do what the Kafka request that does the same needs (the
 * admin method's name in each method's comment, then the Kafka request's), with Kafka's
 * authorization errors, whose messages name the operation and the resource. Lists and "every topic"
 * leave out what the caller may not describe, as Kafka's Metadata, ListGroups and ListTransactions
 * do. Without an authorizer ({@code authorizer.class.name} empty) everything is allowed, as in Kafka.
 *
 * <p>Decisions are the broker's {@link AclAuthorizer}'s ({@code super.users},
 * {@code allow.everyone.if.no.acl.found}), logged to {@code kafka.authorizer.logger} with
 * {@code AdminService/<method>} as the request.
 */
public final class AdminAuthorization {
    private static final String ADMIN = "AdminService/";

    private final Optional<AclAuthorizer> authorizer;

    public AdminAuthorization(Optional<AclAuthorizer> authorizer) {
        this.authorizer = authorizer;
    }

    // Topics

    /** CreateTopics (Kafka's CreateTopics): CREATE on the cluster, or on each topic. */
    public void createTopics(Caller caller, Collection<String> topics) {
        requireOnClusterOrEach(caller, "CreateTopics", AclOperation.CREATE, topics);
    }

    /** DeleteTopics (DeleteTopics): DELETE on the cluster, or on each topic. */
    public void deleteTopics(Caller caller, Collection<String> topics) {
        requireOnClusterOrEach(caller, "DeleteTopics", AclOperation.DELETE, topics);
    }

    /** ListTopics (Metadata of every topic): the topics the caller may DESCRIBE. */
    public ListTopicsResponse listTopics(Caller caller, ListTopicsResponse all) {
        Predicate<String> visible = describableTopics(caller, "ListTopics");
        return ListTopicsResponse.newBuilder()
                .addAllTopics(all.getTopicsList().stream().filter(t -> visible.test(t.getName())).toList()).build();
    }

    /** DescribeTopics (Metadata, ListOffsets): DESCRIBE on each topic named; see {@link #describedTopics}. */
    public void describeTopics(Caller caller, Collection<String> topics) {
        requireEach(caller, "DescribeTopics", AclOperation.DESCRIBE, ResourceType.TOPIC, topics);
    }

    /** DescribeTopics of every topic (none named): the topics the caller may DESCRIBE. */
    public DescribeTopicsResponse describedTopics(Caller caller, DescribeTopicsResponse all) {
        Predicate<String> visible = describableTopics(caller, "DescribeTopics");
        return DescribeTopicsResponse.newBuilder()
                .addAllTopics(all.getTopicsList().stream().filter(t -> visible.test(t.getName())).toList()).build();
    }

    /** CreatePartitions (CreatePartitions): ALTER on the topic. */
    public void createPartitions(Caller caller, String topic) {
        require(caller, "CreatePartitions", AclOperation.ALTER, ResourceType.TOPIC, topic);
    }

    /** AlterTopicConfigs (IncrementalAlterConfigs): ALTER_CONFIGS on the topic. */
    public void alterTopicConfigs(Caller caller, String topic) {
        require(caller, "AlterTopicConfigs", AclOperation.ALTER_CONFIGS, ResourceType.TOPIC, topic);
    }

    /** DescribeTopicConfigs (DescribeConfigs): DESCRIBE_CONFIGS on the topic. */
    public void describeTopicConfigs(Caller caller, String topic) {
        require(caller, "DescribeTopicConfigs", AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, topic);
    }

    /** DeleteRecords (DeleteRecords): DELETE on the topic. */
    public void deleteRecords(Caller caller, String topic) {
        require(caller, "DeleteRecords", AclOperation.DELETE, ResourceType.TOPIC, topic);
    }

    /** ElectLeaders (ElectLeaders): ALTER on the cluster. */
    public void electLeaders(Caller caller) {
        requireCluster(caller, "ElectLeaders", AclOperation.ALTER);
    }

    /** BrowseMessages (Fetch, as a consumer): READ on the topic. */
    public void browseMessages(Caller caller, String topic) {
        require(caller, "BrowseMessages", AclOperation.READ, ResourceType.TOPIC, topic);
    }

    /** The console's test message (Produce): WRITE on the topic. */
    public void produce(Caller caller, String topic) {
        require(caller, "Produce", AclOperation.WRITE, ResourceType.TOPIC, topic);
    }

    // The cluster and its history

    /** DescribeCluster (DescribeCluster): nothing, as Kafka asks nothing for it. */
    public void describeCluster(Caller caller) {
    }

    /** DescribeQuorum (DescribeQuorum): DESCRIBE on the cluster. */
    public void describeQuorum(Caller caller) {
        requireCluster(caller, "DescribeQuorum", AclOperation.DESCRIBE);
    }

    /**
     * GetHistory, GetTimeline and GetOverview (the cluster's figures, elections and unhealthy
     * partitions, which no Kafka request gives): DESCRIBE on the cluster, as DescribeQuorum and
     * DescribeLogDirs need.
     *
     * @param method the admin method asked
     */
    public void clusterHistory(Caller caller, String method) {
        requireCluster(caller, method, AclOperation.DESCRIBE);
    }

    /** GetGroupHistory (a group's lag over time, as DescribeGroups gives it now): DESCRIBE on the group. */
    public void groupHistory(Caller caller, String groupId) {
        require(caller, "GetGroupHistory", AclOperation.DESCRIBE, ResourceType.GROUP, groupId);
    }

    // Consumer groups

    /** ListGroups (ListGroups): every group with DESCRIBE on the cluster, else the groups the caller may DESCRIBE. */
    public ListGroupsResponse listGroups(Caller caller, ListGroupsResponse all) {
        if (allowed(caller, "ListGroups", AclOperation.DESCRIBE, ResourceType.CLUSTER, Acl.CLUSTER_NAME, false)) {
            return all;
        }
        return ListGroupsResponse.newBuilder().addAllGroups(all.getGroupsList().stream()
                .filter(g -> allowed(caller, "ListGroups", AclOperation.DESCRIBE, ResourceType.GROUP, g.getGroupId(),
                        false)).toList()).build();
    }

    /**
     * DescribeGroups (DescribeGroups, OffsetFetch, ListOffsets): DESCRIBE on each group.
     *
     * @return the topics whose offsets and lag it may see: those it may DESCRIBE, as OffsetFetch leaves out the others
     */
    public Predicate<String> describeGroups(Caller caller, Collection<String> groupIds) {
        requireEach(caller, "DescribeGroups", AclOperation.DESCRIBE, ResourceType.GROUP, groupIds);
        return describableTopics(caller, "DescribeGroups");
    }

    /**
     * ResetGroupOffsets (OffsetCommit, as kafka-consumer-groups commits them), a dry run too: READ on the group.
     *
     * @return the check of the topics whose offsets it resets (those named, or the group's): READ on each
     */
    public Consumer<Collection<String>> resetGroupOffsets(Caller caller, String groupId) {
        require(caller, "ResetGroupOffsets", AclOperation.READ, ResourceType.GROUP, groupId);
        return topics -> requireEach(caller, "ResetGroupOffsets", AclOperation.READ, ResourceType.TOPIC, topics);
    }

    /** DeleteGroups (DeleteGroups): DELETE on each group. */
    public void deleteGroups(Caller caller, Collection<String> groupIds) {
        requireEach(caller, "DeleteGroups", AclOperation.DELETE, ResourceType.GROUP, groupIds);
    }

    // Transactions

    /** ListTransactions (ListTransactions): the transactional ids the caller may DESCRIBE. */
    public ListTransactionsResponse listTransactions(Caller caller, ListTransactionsResponse all) {
        return ListTransactionsResponse.newBuilder().addAllTransactions(all.getTransactionsList().stream()
                .filter(t -> allowed(caller, "ListTransactions", AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID,
                        t.getTransactionalId(), false)).toList()).build();
    }

    /**
     * DescribeTransactions (DescribeTransactions): DESCRIBE on each transactional id; see
     * {@link #describedTransactions}.
     */
    public void describeTransactions(Caller caller, Collection<String> transactionalIds) {
        requireEach(caller, "DescribeTransactions", AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID,
                transactionalIds);
    }

    /** The transactions described, each with the partitions of the topics the caller may DESCRIBE, as Kafka's. */
    public DescribeTransactionsResponse describedTransactions(Caller caller, DescribeTransactionsResponse described) {
        Predicate<String> visible = describableTopics(caller, "DescribeTransactions");
        DescribeTransactionsResponse.Builder shown = DescribeTransactionsResponse.newBuilder();
        for (TransactionDescription transaction : described.getTransactionsList()) {
            shown.addTransactions(transaction.toBuilder().clearPartitions().addAllPartitions(transaction
                    .getPartitionsList().stream().filter(p -> visible.test(p.getTopic())).toList()));
        }
        return shown.build();
    }

    /** DescribeProducers (DescribeProducers): READ on the topic. */
    public void describeProducers(Caller caller, String topic) {
        require(caller, "DescribeProducers", AclOperation.READ, ResourceType.TOPIC, topic);
    }

    /** AbortTransaction (WriteTxnMarkers, as kafka-transactions abort sends it): ALTER on the cluster. */
    public void abortTransaction(Caller caller) {
        requireCluster(caller, "AbortTransaction", AclOperation.ALTER);
    }

    // Partition reassignments

    /** ProposeReassignment (Metadata, as kafka-reassign-partitions --generate reads it) and ListReassignments
     * (ListPartitionReassignments): DESCRIBE on the cluster. */
    public void describeReassignments(Caller caller, String method) {
        requireCluster(caller, method, AclOperation.DESCRIBE);
    }

    /**
     * ExecuteReassignment and CancelReassignments (AlterPartitionReassignments, and IncrementalAlterConfigs
     * of the replication throttles, as kafka-reassign-partitions sends them): ALTER and ALTER_CONFIGS on
     * the cluster.
     */
    public void changeReassignments(Caller caller, String method) {
        requireCluster(caller, method, AclOperation.ALTER);
        requireCluster(caller, method, AclOperation.ALTER_CONFIGS);
    }

    /** ClearReplicationThrottles (IncrementalAlterConfigs of brokers' and topics' throttles): ALTER_CONFIGS on the cluster. */
    public void clearReplicationThrottles(Caller caller) {
        requireCluster(caller, "ClearReplicationThrottles", AclOperation.ALTER_CONFIGS);
    }

    // ACLs and SCRAM users

    /** ListAcls (DescribeAcls): DESCRIBE on the cluster. */
    public void listAcls(Caller caller) {
        requireCluster(caller, "ListAcls", AclOperation.DESCRIBE);
    }

    /** CreateAcls and DeleteAcls (CreateAcls, DeleteAcls): ALTER on the cluster. */
    public void changeAcls(Caller caller, String method) {
        requireCluster(caller, method, AclOperation.ALTER);
    }

    /** ListUsers (DescribeUserScramCredentials): DESCRIBE on the cluster. */
    public void listUsers(Caller caller) {
        requireCluster(caller, "ListUsers", AclOperation.DESCRIBE);
    }

    /** AlterUser and RemoveUser (AlterUserScramCredentials): ALTER on the cluster. */
    public void changeUsers(Caller caller, String method) {
        requireCluster(caller, method, AclOperation.ALTER);
    }

    // Client quotas

    /** ListClientQuotas (DescribeClientQuotas): DESCRIBE_CONFIGS on the cluster. */
    public void listClientQuotas(Caller caller) {
        requireCluster(caller, "ListClientQuotas", AclOperation.DESCRIBE_CONFIGS);
    }

    /** AlterClientQuotas (AlterClientQuotas): ALTER_CONFIGS on the cluster. */
    public void alterClientQuotas(Caller caller) {
        requireCluster(caller, "AlterClientQuotas", AclOperation.ALTER_CONFIGS);
    }

    // The checks

    private boolean allowed(Caller caller, String method, AclOperation operation, ResourceType type, String name,
                            boolean logIfDenied) {
        return authorizer.isEmpty() || authorizer.get().authorize(caller.principal(), caller.address(), ADMIN + method,
                operation, type, name, 1, true, logIfDenied);
    }

    /**
     * Which topics the caller may DESCRIBE, checked as a filter (a denial logged at TRACE only), each
     * once however many of its partitions are asked about.
     */
    private Predicate<String> describableTopics(Caller caller, String method) {
        Map<String, Boolean> decided = new ConcurrentHashMap<>();
        return topic -> decided.computeIfAbsent(topic, name -> allowed(caller, method, AclOperation.DESCRIBE,
                ResourceType.TOPIC, name, false));
    }

    private void require(Caller caller, String method, AclOperation operation, ResourceType type, String name) {
        if (!allowed(caller, method, operation, type, name, true)) {
            throw refusal(caller, method, operation, type, name, "");
        }
    }

    private void requireEach(Caller caller, String method, AclOperation operation, ResourceType type,
                             Collection<String> names) {
        names.forEach(name -> require(caller, method, operation, type, name));
    }

    private void requireCluster(Caller caller, String method, AclOperation operation) {
        require(caller, method, operation, ResourceType.CLUSTER, Acl.CLUSTER_NAME);
    }

    /** The operation on the cluster (checked quietly, as Kafka does), else on each topic. */
    private void requireOnClusterOrEach(Caller caller, String method, AclOperation operation,
                                        Collection<String> topics) {
        if (allowed(caller, method, operation, ResourceType.CLUSTER, Acl.CLUSTER_NAME, false)) {
            return;
        }
        for (String topic : topics) {
            if (!allowed(caller, method, operation, ResourceType.TOPIC, topic, true)) {
                throw refusal(caller, method, operation, ResourceType.TOPIC, topic, " (or on the cluster)");
            }
        }
    }

    /** Kafka's error for the resource type, naming the principal, the operation and the resource. */
    private static AuthorizationException refusal(Caller caller, String method, AclOperation operation,
                                                  ResourceType type, String name, String alternative) {
        String message = caller.principal() + " may not " + method + ": it needs " + operation + " on ";
        return switch (type) {
            case TOPIC -> new TopicAuthorizationException(message + "topic '" + name + "'" + alternative);
            case GROUP -> new GroupAuthorizationException(message + "group '" + name + "'" + alternative);
            case TRANSACTIONAL_ID -> new TransactionalIdAuthorizationException(message + "transactional id '" + name
                    + "'" + alternative);
            default -> new ClusterAuthorizationException(message + "the cluster" + alternative);
        };
    }
}
