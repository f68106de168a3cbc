package io.skein.broker;

import io.skein.broker.util.DaemonThreads;
import io.skein.broker.admin.AdminAuthorization;
import io.skein.broker.admin.AdminServer;
import io.skein.broker.metadata.ControllerRequests;
import io.skein.broker.metrics.BrokerMetrics;
import io.skein.broker.api.KafkaApis;
import io.skein.broker.metadata.MetadataWaiter;
import io.skein.broker.group.GroupConfig;
import io.skein.broker.group.GroupCoordinator;
import io.skein.broker.kafka.BrokerConnector;
import io.skein.broker.kafka.SaslServers;
import io.skein.broker.network.KafkaServer;
import io.skein.broker.quota.ClientQuotas;
import io.skein.broker.producer.ProducerIdManager;
import io.skein.broker.txn.AddPartitionsToTxnManager;
import io.skein.broker.txn.TransactionConfig;
import io.skein.broker.txn.TransactionCoordinator;
import io.skein.broker.replica.AlterPartitionSender;
import io.skein.broker.replica.ControllerReports;
import io.skein.broker.replica.OfflineReplicaReporter;
import io.skein.broker.replica.Partition;
import io.skein.broker.replica.ReplicaManager;
import io.skein.log.LogConfig;
import io.skein.broker.security.AclAuthorizer;
import io.skein.broker.security.Authorization;
import io.skein.broker.security.ListenerLogins;
import io.skein.broker.security.PasswordLogins;
import io.skein.broker.tls.NodeTls;
import io.skein.log.LogManager;
import io.skein.metadata.controller.ControllerClient;
import io.skein.metadata.loader.MetadataLoader;
import io.skein.metadata.quorum.Voter;
import io.skein.node.DynamicBrokerConfig;
import io.skein.node.Listener;
import io.skein.node.NodeConfig;
import io.skein.node.NodeStorage;
import io.skein.proto.metadata.Endpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.CommonClientConfigs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker role of a node: it follows the metadata log, holds partition logs, and serves Kafka
 * clients. It owns every part it starts and stops them in reverse order.
 *
 * <p>Startup, as in Kafka: bind the client listeners (connections wait in the backlog), register
 * with the controller, catch up with the metadata log, load the logs and apply the metadata to them,
 * ask to be unfenced, then accept clients.
 */
public final class BrokerServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerServer.class);
    /** A controller's ControllerService listens on the port after its Raft port. */
    public static final int CONTROLLER_SERVICE_PORT_OFFSET = 1;
    private static final Duration CONTROLLER_CALL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CONTROLLED_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);
    private static final long PRODUCER_EXPIRATION_CHECK_MS = 600_000;

    private final NodeConfig config;
    private final BrokerMetrics metrics;
    private final List<KafkaServer> servers = new ArrayList<>();
    private final ExecutorService requestThreads;
    private final ScheduledExecutorService scheduler;
    private ControllerClient controllerClient;
    private ControllerClient lifecycleClient;
    private MetadataLoader loader;
    private BrokerLifecycleManager lifecycle;
    private LogManager logManager;
    private ReplicaManager replicaManager;
    private GroupCoordinator groupCoordinator;
    private TransactionCoordinator transactionCoordinator;
    private AddPartitionsToTxnManager addPartitionsToTxn;
    private KafkaApis apis;
    private AdminServer adminServer;
    /** The node's, which outlives this broker. */
    private final NodeTls tls;
    /** How this broker reaches the others' (and its own) inter-broker listener: over TLS, logged in, as it is. */
    private BrokerConnector connector;
    /** The SASL servers of each SASL listener's {@link KafkaServer}. */
    private final Map<KafkaServer, SaslServers> saslServers = new HashMap<>();
    /** The metadata clients are answered from, SASL logins included. */
    private final MetadataWaiter metadata = new MetadataWaiter();
    /** How this broker's own Kafka clients reach it: its inter-broker listener, once bound. */
    private Map<String, Object> selfClient;
    private ListenerLogins httpLogins;

    private BrokerServer(NodeConfig config, BrokerMetrics metrics, NodeTls tls) {
        this.config = config;
        this.metrics = metrics;
        this.tls = tls;
        this.requestThreads = Executors.newFixedThreadPool(config.numIoThreads(), DaemonThreads.named("kafka-request-handler"));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("broker-scheduler"));
    }

    /**
     * Starts the broker and returns once it serves clients.
     *
     * @throws IOException if a listener cannot be bound or a log cannot be opened
     * @param metrics where its parts count what they do
     * @param http    the node's HTTP listener, registered for the other brokers to gather cluster-wide figures
     * @param tls     the node's TLS: its listeners' and its connections to other nodes'
     * @throws IllegalStateException if the controller refuses this broker (another process holds its id)
     */
    public static BrokerServer start(NodeConfig config, String clusterId, Clock clock, BrokerMetrics metrics,
                                     InetSocketAddress http, NodeTls tls) throws IOException, InterruptedException {
        BrokerServer broker = new BrokerServer(config, metrics, tls);
        try {
            broker.startParts(clusterId, clock, http);
            return broker;
        } catch (IOException | InterruptedException | RuntimeException e) {
            broker.close();
            throw e;
        }
    }

    private void startParts(String clusterId, Clock clock, InetSocketAddress http) throws IOException,
            InterruptedException {
        int nodeId = config.nodeId();
        KafkaServer.Settings settings = new KafkaServer.Settings(config.numNetworkThreads(),
                config.socketRequestMaxBytes(), config.socketSendBufferBytes(), config.socketReceiveBufferBytes());
        connector = config.interBrokerSasl().map(sasl -> tls.connector().withSasl(sasl)).orElse(tls.connector());
        List<Endpoint> endpoints = new ArrayList<>();
        for (Listener listener : config.clientListeners()) {
            KafkaServer server = KafkaServer.bind(listener.name(), listener.host(), listener.port(), settings,
                    requestThreads, metrics.requests(), tls.kafkaServer(listener.name()));
            servers.add(server);
            // Made now, so that a JAAS config it cannot read fails the broker before it registers.
            config.listenerSasl(listener).ifPresent(sasl -> saslServers.put(server, new SaslServers(sasl,
                    metadata::image)));
            Listener advertised = config.advertised(listener);
            endpoints.add(Endpoint.newBuilder().setName(listener.name()).setHost(advertised.host())
                    .setPort(advertised.port() == 0 ? server.port() : advertised.port())
                    .setSecurityProtocol(config.securityProtocol(listener.name()).name).build());
        }

        Map<Integer, InetSocketAddress> controllers = controllerServices(config.voters());
        controllerClient = new ControllerClient(controllers, CONTROLLER_CALL_TIMEOUT, tls.controller());
        lifecycleClient = new ControllerClient(controllers, Duration.ofMillis(config.brokerHeartbeatIntervalMs()),
                tls.controller());
        loader = MetadataLoader.start(nodeId, controllers, tls.controller());
        BrokerLease lease = new BrokerLease(System::nanoTime);
        lifecycle = new BrokerLifecycleManager(nodeId, clusterId, lifecycleClient, () -> loader.image().offset(),
                config.brokerHeartbeatIntervalMs(), lease);
        Endpoint self = endpoints.stream().filter(e -> e.getName().equals(config.interBrokerListenerName()))
                .findFirst().orElse(endpoints.get(0));
        lifecycle.start(endpoints, httpEndpoint(http, tls.http().isPresent(), self.getHost()),
                NodeStorage.logDirIds(config));
        await(lifecycle.caughtUp(), "catching up with the metadata log");

        // Caught up: the logs open with the dynamic broker configs too, which the replica manager then follows.
        LogConfig topicDefaults = DynamicBrokerConfig.of(config, loader.image()).topicDefaults();
        logManager = LogManager.start(config.logManagerConfig(),
                topic -> ReplicaManager.topicConfig(topicDefaults, loader.image(), topic), clock,
                metrics.logFlushes());
        ControllerReports reports = new ControllerReports(nodeId, lifecycle::brokerEpoch, controllerClient, scheduler);
        replicaManager = new ReplicaManager(nodeId, logManager,
                image -> DynamicBrokerConfig.of(config, image).topicDefaults(), clock, replication(config,
                connector, new AlterPartitionSender(reports), lifecycle::brokerEpoch,
                new OfflineReplicaReporter(reports)), metrics);
        logManager.onLogDirFailure(replicaManager::logDirFailed);
        ProducerIdManager producerIds = new ProducerIdManager(nodeId, controllerClient, lifecycle::brokerEpoch);
        ControllerRequests controller = new ControllerRequests(controllerClient);
        groupCoordinator = new GroupCoordinator(nodeId, groupConfig(config), replicaManager, clock, lease::isValid);
        transactionCoordinator = new TransactionCoordinator(nodeId, transactionConfig(config), replicaManager, clock,
                producerIds::generateProducerIdNow);
        addPartitionsToTxn = new AddPartitionsToTxnManager(nodeId, transactionCoordinator,
                replicaManager::brokerAddress, connector, config.getInt(NodeConfig.REQUEST_TIMEOUT_MS),
                config.getInt(NodeConfig.ADD_PARTITIONS_TO_TXN_RETRY_BACKOFF_MS),
                config.getInt(NodeConfig.ADD_PARTITIONS_TO_TXN_RETRY_BACKOFF_MAX_MS));
        Optional<AclAuthorizer> authorizer = config.authorizerEnabled()
                ? Optional.of(new AclAuthorizer(config.superUsers(), config.allowEveryoneIfNoAclFound()))
                : Optional.empty();
        ClientQuotas clientQuotas = new ClientQuotas(config.getInt(NodeConfig.QUOTA_WINDOW_NUM),
                config.getInt(NodeConfig.QUOTA_WINDOW_SIZE_SECONDS),
                () -> TimeUnit.NANOSECONDS.toMillis(System.nanoTime()));
        apis = new KafkaApis(config, clusterId, metadata, replicaManager, controller, producerIds, groupCoordinator,
                transactionCoordinator, addPartitionsToTxn, new Authorization(authorizer), clientQuotas);
        loader.addPublisher(replicaManager);
        loader.addPublisher(groupCoordinator); // after the replica manager, which opens the partitions it loads
        loader.addPublisher(transactionCoordinator);
        loader.addPublisher(lease); // after the coordinators: its offset counts once they gave up what it took away
        // Before the waiter, so that a client told its ACL change is done is authorized by it here.
        authorizer.ifPresent(loader::addPublisher);
        loader.addPublisher(clientQuotas); // before the waiter too: a client told its quota is set is held to it here
        loader.addPublisher(apis.metadata()); // last: clients see only what the parts above have applied
        replicaManager.awaitFirstImage();
        scheduler.scheduleWithFixedDelay(() -> replicaManager.removeExpiredProducers(config.producerIdExpirationMs()),
                PRODUCER_EXPIRATION_CHECK_MS, PRODUCER_EXPIRATION_CHECK_MS, TimeUnit.MILLISECONDS);
        long isrCheckMs = Math.max(1, config.replicaLagTimeMaxMs() / 2);
        scheduler.scheduleWithFixedDelay(replicaManager::shrinkIsrs, isrCheckMs, isrCheckMs, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(clientQuotas::expireIdle, ClientQuotas.EXPIRY_INTERVAL_MS,
                ClientQuotas.EXPIRY_INTERVAL_MS, TimeUnit.MILLISECONDS);

        lifecycle.setReadyToUnfence();
        await(lifecycle.unfenced(), "being unfenced by the controller");
        selfClient = new HashMap<>(config.interBrokerSecurity().clientProperties());
        config.interBrokerSasl().ifPresent(sasl -> selfClient.putAll(sasl.clientProperties()));
        selfClient.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, self.getHost() + ":" + self.getPort());
        // The node's own listeners take SCRAM users' passwords, checked against the same image as SASL logins.
        PasswordLogins passwords = new PasswordLogins(metadata::image);
        int failedLoginDelayMs = config.getInt(NodeConfig.CONNECTION_FAILED_AUTHENTICATION_DELAY_MS);
        httpLogins = new ListenerLogins(NodeConfig.HTTP_LISTENER_NAME, passwords, tls.httpPrincipals(),
                ListenerLogins.isLoopback(config.httpListener().host()), failedLoginDelayMs);
        ListenerLogins adminLogins = new ListenerLogins(NodeConfig.ADMIN_LISTENER_NAME, passwords,
                tls.adminPrincipals(), ListenerLogins.isLoopback(config.adminListener().host()), failedLoginDelayMs);
        adminServer = AdminServer.start(config.adminListener(), tls.admin(), adminLogins,
                new AdminAuthorization(authorizer), clusterId, nodeId, selfClient(),
                self.getName(), connector, apis.metadata(), controller, apis.topicAdmin(), apis.aclAdmin(),
                apis.scramAdmin(), apis.clientQuotaAdmin(), apis.configs(), config.voters());
        log.info("Broker {} serves the admin API on {}:{}", nodeId, config.adminListener().host(), adminServer.port());
        for (KafkaServer server : servers) {
            SaslServers sasl = saslServers.get(server);
            if (sasl == null) {
                server.startAccepting(apis);
            } else {
                server.startAccepting(apis, sasl);
            }
        }
        log.info("Broker {} serves Kafka clients on {}", nodeId, endpoints.stream()
                .map(e -> e.getName() + "://" + e.getHost() + ":" + e.getPort()).toList());
    }

    /**
     * Where other brokers reach the node's HTTP listener: its host, or, if it binds every interface,
     * the host this broker advertises to them; and whether it serves HTTPS.
     */
    private static Endpoint httpEndpoint(InetSocketAddress http, boolean https, String interBrokerHost) {
        boolean everyInterface = http.getAddress() != null && http.getAddress().isAnyLocalAddress();
        return Endpoint.newBuilder().setName("HTTP").setSecurityProtocol(https ? "HTTPS" : "HTTP")
                .setHost(everyInterface ? interBrokerHost : http.getHostString()).setPort(http.getPort()).build();
    }

    /** Each controller's ControllerService address: its voter host, on the port after its Raft port. */
    public static Map<Integer, InetSocketAddress> controllerServices(List<Voter> voters) {
        Map<Integer, InetSocketAddress> services = new TreeMap<>();
        voters.forEach(v -> services.put(v.id(), new InetSocketAddress(v.host(), v.port() + CONTROLLER_SERVICE_PORT_OFFSET)));
        return services;
    }

    private static void await(CompletableFuture<Void> milestone, String what) throws InterruptedException {
        long started = System.nanoTime();
        while (true) {
            try {
                milestone.get(10, TimeUnit.SECONDS);
                return;
            } catch (TimeoutException e) {
                log.info("Still {} after {} s", what, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        }
    }

    /** The ports the client listeners are bound to, in {@code listeners} order. */
    public List<Integer> boundPorts() {
        return servers.stream().map(KafkaServer::port).toList();
    }

    /** The admin API, whose services the console and the node's HTTP endpoints share. */
    public AdminServer admin() {
        return adminServer;
    }

    /** Who calls the node's HTTP listener: the console and the JSON endpoints authorize them as the admin API does. */
    public ListenerLogins httpLogins() {
        return httpLogins;
    }

    /** The port the admin API is bound to. */
    public int adminPort() {
        return adminServer.port();
    }

    /**
     * How this broker's own Kafka clients reach it: kafka-clients properties for its inter-broker
     * listener ({@code bootstrap.servers}, {@code security.protocol} and, over TLS, the listener's
     * {@code ssl.*} settings).
     */
    public Map<String, Object> selfClient() {
        return Map.copyOf(selfClient);
    }

    public ReplicaManager replicaManager() {
        return replicaManager;
    }

    public GroupCoordinator groupCoordinator() {
        return groupCoordinator;
    }

    /** The Kafka APIs this broker serves, for tests that call them as a chosen principal. */
    public KafkaApis kafkaApis() {
        return apis;
    }

    public TransactionCoordinator transactionCoordinator() {
        return transactionCoordinator;
    }

    public MetadataLoader metadataLoader() {
        return loader;
    }

    /** The metadata clients are answered from: what every part of this broker has applied. */
    public MetadataWaiter metadata() {
        return apis.metadata();
    }

    /**
     * The admin API first, then a controlled shutdown (the controller moves this broker's leaderships away), then: the
     * listeners, the metadata loader, the requests still waiting, the request threads, and the logs,
     * which are flushed and checkpointed and get their clean-shutdown marker; last the link to the
     * controllers.
     */
    @Override
    public void close() {
        closeQuietly(adminServer);
        if (lifecycle != null && replicaManager != null) {
            lifecycle.controlledShutdown(CONTROLLED_SHUTDOWN_TIMEOUT);
        }
        servers.forEach(KafkaServer::close);
        closeQuietly(loader); // no more metadata changes: nothing restarts what is shut down below
        closeQuietly(groupCoordinator);
        closeQuietly(addPartitionsToTxn);
        closeQuietly(transactionCoordinator);
        closeQuietly(replicaManager);
        shutDown(scheduler);
        shutDown(requestThreads);
        closeQuietly(logManager);
        closeQuietly(lifecycle);
        closeQuietly(lifecycleClient);
        closeQuietly(controllerClient);
    }

    /**
     * How this broker replicates; ISR changes go to {@code isrChanges}, replicas of failed log directories to
     * {@code offlineReplicas}; {@code brokerEpoch} is its registration's; its replication throttles are its
     * dynamic configs'.
     */
    private static ReplicaManager.Replication replication(NodeConfig config, BrokerConnector connector,
                                                          Partition.IsrChanges isrChanges, LongSupplier brokerEpoch,
                                                          ReplicaManager.OfflineReplicas offlineReplicas) {
        return new ReplicaManager.Replication(config.interBrokerListenerName(), connector, config.replicaLagTimeMaxMs(),
                config.getInt(NodeConfig.REPLICA_FETCH_WAIT_MAX_MS), config.getInt(NodeConfig.REPLICA_FETCH_MAX_BYTES),
                config.getInt(NodeConfig.REPLICA_FETCH_RESPONSE_MAX_BYTES),
                config.getInt(NodeConfig.REPLICA_FETCH_BACKOFF_MS), isrChanges, brokerEpoch, offlineReplicas, image -> {
                    Map<String, Object> values = DynamicBrokerConfig.of(config, image).values();
                    return new ReplicaManager.ThrottleRates((Long) values.get(NodeConfig.LEADER_REPLICATION_THROTTLED_RATE),
                            (Long) values.get(NodeConfig.FOLLOWER_REPLICATION_THROTTLED_RATE));
                });
    }

    private static GroupConfig groupConfig(NodeConfig config) {
        return new GroupConfig(config.getInt(NodeConfig.OFFSETS_TOPIC_NUM_PARTITIONS),
                (Short) config.get(NodeConfig.OFFSETS_TOPIC_REPLICATION_FACTOR),
                config.getInt(NodeConfig.OFFSETS_TOPIC_SEGMENT_BYTES),
                config.getInt(NodeConfig.GROUP_INITIAL_REBALANCE_DELAY_MS),
                config.getInt(NodeConfig.GROUP_MIN_SESSION_TIMEOUT_MS),
                config.getInt(NodeConfig.GROUP_MAX_SESSION_TIMEOUT_MS), config.getInt(NodeConfig.GROUP_MAX_SIZE),
                TimeUnit.MINUTES.toMillis(config.getInt(NodeConfig.OFFSETS_RETENTION_MINUTES)),
                (Long) config.get(NodeConfig.OFFSETS_RETENTION_CHECK_INTERVAL_MS),
                config.getInt(NodeConfig.OFFSETS_COMMIT_TIMEOUT_MS), config.getInt(NodeConfig.OFFSET_METADATA_MAX_BYTES));
    }

    private static TransactionConfig transactionConfig(NodeConfig config) {
        return new TransactionConfig(config.getInt(NodeConfig.TRANSACTION_STATE_LOG_NUM_PARTITIONS),
                (Short) config.get(NodeConfig.TRANSACTION_STATE_LOG_REPLICATION_FACTOR),
                config.getInt(NodeConfig.TRANSACTION_STATE_LOG_MIN_ISR),
                config.getInt(NodeConfig.TRANSACTION_STATE_LOG_SEGMENT_BYTES),
                config.getInt(NodeConfig.TRANSACTION_MAX_TIMEOUT_MS),
                config.getInt(NodeConfig.TRANSACTIONAL_ID_EXPIRATION_MS),
                config.getInt(NodeConfig.TRANSACTION_ABORT_TIMED_OUT_TRANSACTION_CLEANUP_INTERVAL_MS),
                config.getInt(NodeConfig.TRANSACTION_REMOVE_EXPIRED_TRANSACTION_CLEANUP_INTERVAL_MS),
                config.getInt(NodeConfig.REQUEST_TIMEOUT_MS));
    }

    private static void shutDown(ExecutorService executor) {
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("Threads of {} did not stop within 10 s", executor);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable part) {
        if (part == null) {
            return;
        }
        try {
            part.close();
        } catch (Exception e) {
            log.error("Cannot stop {} cleanly", part, e);
        }
    }
}
