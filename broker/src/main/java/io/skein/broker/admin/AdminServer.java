package io.skein.broker.admin;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.skein.broker.kafka.BrokerConnector;
import io.skein.broker.metadata.AclAdmin;
import io.skein.broker.metadata.ClientQuotaAdmin;
import io.skein.broker.metadata.ConfigDescriber;
import io.skein.broker.metadata.ControllerRequests;
import io.skein.broker.metadata.MetadataWaiter;
import io.skein.broker.metadata.ScramAdmin;
import io.skein.broker.metadata.TopicAdmin;
import io.skein.broker.replica.ReplicaManager.FetchParams;
import io.skein.broker.security.ListenerLogins;
import io.skein.metadata.quorum.Voter;
import io.skein.metadata.tls.GrpcTls;
import io.skein.metadata.tls.TlsSettings;
import io.skein.node.Listener;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The broker's gRPC admin API on {@code admin.listener}, with server reflection so that generic
 * gRPC tools can list and call it. Every call is authenticated ({@link AdminAuthentication}) and
 * authorized ({@link AdminAuthorization}) before it does anything. It owns the Kafka admin client the
 * RPCs use, connected to this broker's own inter-broker listener (so acting as the broker, once the
 * caller is authorized), and the threads that read records from partition leaders.
 */
public final class AdminServer implements AutoCloseable {
    private final Server server;
    private final Admin kafka;
    private final LeaderReads reads;
    private final AdminRpcService service;
    private final AdminAuthorization authorization;

    private AdminServer(Server server, Admin kafka, LeaderReads reads, AdminRpcService service,
                        AdminAuthorization authorization) {
        this.server = server;
        this.kafka = kafka;
        this.reads = reads;
        this.service = service;
        this.authorization = authorization;
    }

    /**
     * Serves the admin API on {@code listener}.
     *
     * @param tls           the admin listener's TLS; empty for plaintext
     * @param logins        who calls the admin listener
     * @param authorization what each call needs of the ACLs
     * @param selfClient    kafka-clients properties of a client of this broker's own Kafka listener
     * @param connector     how to connect to the brokers' listener named {@code listenerName}
     * @param metadata      this broker's metadata, as its Kafka API answers from it
     * @param controller    the route to the active controller, shared with the Kafka API
     * @param topicAdmin    topic changes, as the Kafka API makes them
     * @param acls          ACL changes and reads, as the Kafka API makes them
     * @param scram         SCRAM credential changes, as the Kafka API makes them
     * @param clientQuotas  client quota changes and reads, as the Kafka API makes them
     * @param configs       config descriptions, as the Kafka API gives them
     */
    public static AdminServer start(Listener listener, Optional<TlsSettings> tls, ListenerLogins logins,
                                    AdminAuthorization authorization, String clusterId, int nodeId,
                                    Map<String, Object> selfClient, String listenerName, BrokerConnector connector,
                                    MetadataWaiter metadata, ControllerRequests controller, TopicAdmin topicAdmin,
                                    AclAdmin acls, ScramAdmin scram, ClientQuotaAdmin clientQuotas,
                                    ConfigDescriber configs, List<Voter> voters)
            throws IOException {
        String clientId = FetchParams.ADMIN_CLIENT_ID_PREFIX + nodeId;
        Map<String, Object> kafkaConfig = new HashMap<>(selfClient);
        kafkaConfig.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        Admin kafka = Admin.create(kafkaConfig);
        LeaderReads reads = new LeaderReads(listenerName, connector, clientId);
        AdminContext context = new AdminContext(clusterId, metadata, controller, topicAdmin, acls, scram, clientQuotas,
                configs, kafka, reads, voters, listenerName);
        AdminRpcService service = new AdminRpcService(context, authorization);
        String host = listener.host().isEmpty() ? "0.0.0.0" : listener.host();
        try {
            Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, listener.port()),
                            GrpcTls.server(tls))
                    .addService(service)
                    .addService(ProtoReflectionServiceV1.newInstance())
                    .intercept(new AdminAuthentication(logins))
                    .build()
                    .start();
            return new AdminServer(server, kafka, reads, service, authorization);
        } catch (IOException e) {
            reads.close();
            kafka.close();
            throw new IOException("Cannot serve the admin API on " + listener.host() + ":" + listener.port()
                    + " (" + e.getMessage() + "): set admin.listener to a free address", e);
        }
    }

    /** What each admin action needs of the ACLs: for the console and the node's HTTP endpoints, which ask it too. */
    public AdminAuthorization authorization() {
        return authorization;
    }

    /** Topics, their partitions and configs, as the topic RPCs: for the console, which shares the code. */
    public TopicRpcs topics() {
        return service.topics();
    }

    /** Brokers, the quorum and the partitions' states, as the cluster RPCs: for the console, which shares the code. */
    public ClusterRpcs cluster() {
        return service.cluster();
    }

    /** Browsing a partition's records, as BrowseMessages does: for the console, which shares the code. */
    public MessageBrowser messages() {
        return service.messages();
    }

    /** Consumer groups, their offsets and lag, as the group RPCs: for the console, which shares the code. */
    public GroupRpcs groups() {
        return service.groups();
    }

    /** Consumer group lag, as DescribeGroups gives it: for the node's metrics and history, which share the code. */
    public GroupLag lag() {
        return service.lag();
    }

    /** Serves the node's history through the history RPCs, which answer BROKER_NOT_AVAILABLE until then. */
    public void serveHistory(HistoryRpcs history) {
        service.serveHistory(history);
    }

    public int port() {
        return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reads.close();
        kafka.close();
    }
}
