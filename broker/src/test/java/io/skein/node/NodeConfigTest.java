package io.skein.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.log.LogConfig;
import io.skein.node.NodeConfig.Role;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {
    @TempDir
    Path dir;

    private static Map<String, String> combined(Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>(Map.of(
                "process.roles", "broker,controller",
                "node.id", "1",
                "listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9094",
                "controller.quorum.voters", "1@127.0.0.1:9094",
                "log.dirs", "/var/skein/a,/var/skein/b"));
        settings.putAll(extra);
        return settings;
    }

    private static String rejection(Map<String, String> settings) {
        return assertThrows(ConfigException.class, () -> NodeConfig.of(settings)).getMessage();
    }

    @Test
    void readsKafkasNamesAndFillsInKafkasDefaults() {
        NodeConfig config = NodeConfig.of(combined(Map.of()));
        assertEquals(Set.of(Role.BROKER, Role.CONTROLLER), config.roles());
        assertEquals(1, config.nodeId());
        assertEquals(List.of(new Listener("PLAINTEXT", "127.0.0.1", 9092)), config.clientListeners());
        assertEquals(new Listener("CONTROLLER", "127.0.0.1", 9094), config.controllerListener().orElseThrow());
        assertEquals(new Listener("ADMIN", "127.0.0.1", 9093), config.adminListener());
        assertEquals(new Listener("HTTP", "127.0.0.1", 9096), config.httpListener()); // loopback: no authentication
        assertEquals(List.of(Path.of("/var/skein/a"), Path.of("/var/skein/b")), config.logDirs());
        assertEquals(Path.of("/var/skein/a"), config.metadataLogDir());
        assertEquals(100 * 1024 * 1024, config.socketRequestMaxBytes());
        assertEquals(8, config.numIoThreads());
        assertTrue(config.autoCreateTopicsEnable());
        assertEquals(168L * 3600 * 1000, config.topicDefaults().retentionMs());
        assertEquals(1024 * 1024 * 1024, config.topicDefaults().segmentBytes());
        assertEquals(1, config.controllerSettings("c").defaultPartitions());
        assertEquals(9000, config.controllerSettings("c").sessionTimeoutMs());
    }

    @Test
    void brokerLevelTopicSettingsBecomeTopicDefaults() {
        NodeConfig config = NodeConfig.of(combined(Map.of("log.retention.hours", "1", "log.segment.bytes", "1048576",
                "message.max.bytes", "2000000", "min.insync.replicas", "2", "log.flush.interval.messages", "1",
                "num.partitions", "6", "unclean.leader.election.enable", "true")));
        assertEquals(3_600_000, config.topicDefaults().retentionMs());
        assertEquals(1_048_576, config.topicDefaults().segmentBytes());
        assertEquals(2_000_000, config.topicDefaults().maxMessageBytes());
        assertEquals(2, config.topicDefaults().minInSyncReplicas());
        assertEquals(1, config.topicDefaults().flushMessages());
        assertEquals(6, config.controllerSettings("c").defaultPartitions());
        assertTrue(config.controllerSettings("c").uncleanLeaderElection());
        assertEquals(Map.of("retention.ms", "3600000", "segment.bytes", "1048576", "max.message.bytes", "2000000",
                        "min.insync.replicas", "2", "flush.messages", "1", "unclean.leader.election.enable", "true"),
                config.topicDefaultOverrides());
    }

    @Test
    void kafkasBrokerNamesSetEveryTopicDefaultAndBadValuesNameTheBrokerKey() {
        NodeConfig config = NodeConfig.of(combined(Map.of("log.message.timestamp.type", "LogAppendTime",
                "log.message.timestamp.after.max.ms", "1000", "compression.type", "zstd", "compression.zstd.level", "9",
                "log.preallocate", "true", "log.roll.jitter.hours", "1", "log.cleaner.max.compaction.lag.ms", "60000")));
        LogConfig defaults = config.topicDefaults();
        assertTrue(defaults.logAppendTime());
        assertEquals(1000, defaults.timestampAfterMaxMs());
        assertEquals("zstd", defaults.compressionType());
        assertEquals(9, defaults.compressionLevel());
        assertTrue(defaults.preallocate());
        assertEquals(3_600_000, defaults.segmentJitterMs());
        assertEquals(60_000, defaults.maxCompactionLagMs());
        assertEquals("3600000", config.topicDefaultOverrides().get("segment.jitter.ms"));

        ConfigException bad = assertThrows(ConfigException.class,
                () -> NodeConfig.of(combined(Map.of("log.message.timestamp.type", "logappendtime"))));
        assertTrue(bad.getMessage().contains("log.message.timestamp.type"), bad.getMessage());
    }

    @Test
    void theFinestRetentionUnitWins() {
        assertEquals(60_000, NodeConfig.of(combined(Map.of("log.retention.hours", "5", "log.retention.minutes", "1")))
                .topicDefaults().retentionMs());
        assertEquals(1234, NodeConfig.of(combined(Map.of("log.retention.minutes", "1", "log.retention.ms", "1234")))
                .topicDefaults().retentionMs());
        assertEquals(-1, NodeConfig.of(combined(Map.of("log.retention.ms", "-1"))).topicDefaults().retentionMs());
    }

    @Test
    void unknownKeysAreRejectedByName() {
        assertTrue(rejection(combined(Map.of("log.retention.hour", "1"))).contains("'log.retention.hour'"));
        String unsupported = rejection(combined(Map.of("share.coordinator.state.topic.replication.factor", "1")));
        assertTrue(unsupported.contains("share.coordinator.state.topic.replication.factor")
                && unsupported.contains("does not support share groups"), unsupported);
        assertEquals((short) 1, NodeConfig.of(combined(Map.of("transaction.state.log.replication.factor", "1")))
                .get("transaction.state.log.replication.factor"), "transactions are configured as in Kafka");
        assertTrue(rejection(combined(Map.of("controller.quorum.bootstrap.servers", "localhost:9093")))
                .contains("controller.quorum.voters"));
    }

    @Test
    void invalidValuesAndMissingKeysAreRejectedByName() {
        Map<String, String> noId = combined(Map.of());
        noId.remove("node.id");
        assertTrue(rejection(noId).contains("node.id"));
        assertTrue(rejection(combined(Map.of("num.io.threads", "0"))).contains("num.io.threads"));
        assertTrue(rejection(combined(Map.of("process.roles", "broker,dancer"))).contains("process.roles"));
        assertTrue(rejection(combined(Map.of("log.segment.bytes", "ten"))).contains("segment.bytes"));
        assertTrue(rejection(combined(Map.of("listeners", "PLAINTEXT:9092"))).contains("NAME://host:port"));
        assertTrue(rejection(combined(Map.of("http.listener", "9096"))).contains("http.listener"));
    }

    /** A combined node with an SSL listener named SSL, with a PEM keystore, and {@code extra}. */
    private static Map<String, String> tls(Map<String, String> extra) {
        Map<String, String> settings = combined(Map.of("listeners", "SSL://127.0.0.1:9093,CONTROLLER://127.0.0.1:9094",
                "listener.security.protocol.map", "SSL:SSL,CONTROLLER:PLAINTEXT", "inter.broker.listener.name", "SSL",
                "ssl.keystore.type", "PEM", "ssl.keystore.location", "/etc/skein/n1.pem"));
        settings.putAll(extra);
        return settings;
    }

    @Test
    void securityProtocolsFollowKafkasMapAndRules() {
        NodeConfig plaintext = NodeConfig.of(combined(Map.of()));
        assertEquals(SecurityProtocol.PLAINTEXT, plaintext.securityProtocol("PLAINTEXT"));
        assertEquals(SecurityProtocol.PLAINTEXT, plaintext.securityProtocol("CONTROLLER"),
                "with the default map and nothing secured, the controller listeners are PLAINTEXT, as in Kafka");
        assertEquals(Map.of("security.protocol", "PLAINTEXT"), plaintext.interBrokerSecurity().clientProperties());

        NodeConfig ssl = NodeConfig.of(tls(Map.of()));
        assertEquals(SecurityProtocol.SSL, ssl.securityProtocol("SSL"));
        assertTrue(ssl.interBrokerSecurity().tls());
        Map<String, String> unmapped = tls(Map.of());
        unmapped.remove("listener.security.protocol.map");
        assertTrue(rejection(unmapped).contains("no security protocol for listener CONTROLLER"),
                "with an SSL listener the controller's needs an entry, as in Kafka");

        NodeConfig named = NodeConfig.of(tls(Map.of("listeners",
                "INTERNAL://127.0.0.1:9093,EXTERNAL://127.0.0.1:9092,CONTROLLER://127.0.0.1:9094",
                "listener.security.protocol.map", "INTERNAL:SSL,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name", "internal")));
        assertEquals(SecurityProtocol.SSL, named.securityProtocol("INTERNAL"));
        assertEquals(SecurityProtocol.PLAINTEXT, named.securityProtocol("EXTERNAL"));
        assertTrue(rejection(tls(Map.of("listeners", "INTERNAL://127.0.0.1:9093,CONTROLLER://127.0.0.1:9094",
                "inter.broker.listener.name", "INTERNAL"))).contains("no security protocol for listener INTERNAL"));
        assertTrue(rejection(tls(Map.of("inter.broker.listener.name", "PLAINTEXT")))
                .contains("inter.broker.listener.name"));
    }

    @Test
    void protocolsSkeinDoesNotServeAreRefusedWithTheReason() {
        assertTrue(rejection(tls(Map.of("listener.security.protocol.map", "SSL:SASL_SSL,CONTROLLER:PLAINTEXT")))
                .contains("needs mechanisms Skein serves"), "Kafka's default mechanism, GSSAPI, is not served");
        assertTrue(rejection(combined(Map.of("listener.security.protocol.map", "PLAINTEXT:SASL_PLAINTEXT,"
                + "CONTROLLER:PLAINTEXT"))).contains("needs mechanisms Skein serves"));
        assertTrue(rejection(tls(Map.of("listener.security.protocol.map", "SSL:SSL,CONTROLLER:SASL_SSL")))
                .contains("controllers (the metadata quorum and the controller service) serve [PLAINTEXT, SSL]"));
        assertTrue(rejection(combined(Map.of("listener.security.protocol.map", "PLAINTEXT:TLS,CONTROLLER:PLAINTEXT")))
                .contains("unknown security protocol TLS"));
        assertTrue(rejection(tls(Map.of("ssl.engine.factory.class", "com.example.Engines")))
                .contains("'ssl.engine.factory.class' is not supported"));
    }

    @Test
    void anSslListenerWithoutAKeystoreIsRefusedNamingTheKey() {
        Map<String, String> settings = tls(Map.of());
        settings.remove("ssl.keystore.location");
        assertTrue(rejection(settings).contains("ssl.keystore.location"));
        assertTrue(rejection(tls(Map.of("ssl.client.auth", "sometimes"))).contains("ssl.client.auth"));
        // inline PEM is a keystore too
        settings.put("ssl.keystore.key", "-----BEGIN PRIVATE KEY-----");
        settings.put("ssl.keystore.certificate.chain", "-----BEGIN CERTIFICATE-----");
        assertTrue(NodeConfig.of(settings).listenerSecurity("SSL").hasKeystore());
    }

    @Test
    void aListenersOwnSslKeysOverrideTheNodesAsKafkaResolvesThem() {
        NodeConfig config = NodeConfig.of(tls(Map.of(
                "listeners", "INTERNAL://127.0.0.1:9093,EXTERNAL://127.0.0.1:9092,CONTROLLER://127.0.0.1:9094",
                "listener.security.protocol.map", "INTERNAL:SSL,EXTERNAL:SSL,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name", "INTERNAL",
                "ssl.keystore.type", "PKCS12", "ssl.keystore.location", "/etc/skein/node.p12",
                "ssl.keystore.password", "secret",
                "listener.name.internal.ssl.keystore.location", "/etc/skein/internal.p12",
                "listener.name.internal.ssl.client.auth", "required",
                "listener.name.internal.ssl.enabled.protocols", "TLSv1.3")));
        ListenerSecurity internal = config.listenerSecurity("INTERNAL");
        ListenerSecurity external = config.listenerSecurity("EXTERNAL");
        assertEquals("/etc/skein/internal.p12", internal.ssl().get("ssl.keystore.location"));
        assertEquals("/etc/skein/node.p12", external.ssl().get("ssl.keystore.location"));
        assertEquals(new Password("secret"), internal.ssl().get("ssl.keystore.password"), "the node's, typed");
        assertEquals("required", internal.ssl().get("ssl.client.auth"));
        assertEquals("none", external.ssl().get("ssl.client.auth"));
        assertEquals(List.of("TLSv1.3"), internal.ssl().get("ssl.enabled.protocols"));
        assertEquals(List.of("TLSv1.2", "TLSv1.3"), external.ssl().get("ssl.enabled.protocols"));
        assertEquals("listener.name.internal.ssl.keystore.location",
                config.listenerKeyName("INTERNAL", "ssl.keystore.location"));
        assertEquals("ssl.keystore.password", config.listenerKeyName("INTERNAL", "ssl.keystore.password"));

        Map<String, Object> client = config.interBrokerSecurity().clientProperties();
        assertEquals("SSL", client.get("security.protocol"));
        assertEquals("/etc/skein/internal.p12", client.get("ssl.keystore.location"));
        assertEquals("https", client.get("ssl.endpoint.identification.algorithm"));
        assertTrue(!client.containsKey("ssl.client.auth") && !client.containsKey("ssl.principal.mapping.rules"),
                "only what a Kafka client takes: " + client.keySet());

        assertTrue(rejection(tls(Map.of("listener.name.ssl.ssl.client.auth", "sometimes")))
                .contains("listener.name.ssl.ssl.client.auth"));
        assertTrue(rejection(tls(Map.of("listener.name.SSL.ssl.keystore.location", "/x")))
                .contains("there is no listener SSL"));
        assertTrue(rejection(tls(Map.of("listener.name.other.ssl.keystore.location", "/x")))
                .contains("there is no listener other"));
        assertTrue(rejection(tls(Map.of("listener.name.ssl.sasl.jaas.config", "x")))
                .contains("Unknown configuration key 'listener.name.ssl.sasl.jaas.config'"));
        assertTrue(rejection(tls(Map.of("listener.name.ssl.ssl.engine.factory.class", "com.example.Engines")))
                .contains("is not supported"));
    }

    @Test
    void theControllerListenerServesTlsAndBrokerOnlyNodesReachItWithItsOwnKeys() {
        NodeConfig combined = NodeConfig.of(tls(Map.of("listener.security.protocol.map", "SSL:SSL,CONTROLLER:SSL",
                "listener.name.controller.ssl.client.auth", "required")));
        ListenerSecurity controller = combined.controllerSecurity();
        assertEquals("CONTROLLER", controller.listenerName());
        assertTrue(controller.tls());
        assertEquals("required", controller.ssl().get("ssl.client.auth"));
        assertEquals("/etc/skein/n1.pem", controller.ssl().get("ssl.keystore.location"), "the node's keystore");

        // A broker-only node does not serve the controller listener, but reaches the controllers with its keys.
        NodeConfig broker = NodeConfig.of(tls(Map.of("process.roles", "broker", "node.id", "2",
                "listeners", "SSL://127.0.0.1:9093", "listener.security.protocol.map", "SSL:SSL,CONTROLLER:SSL",
                "listener.name.controller.ssl.keystore.location", "/etc/skein/to-controllers.pem")));
        assertTrue(broker.controllerSecurity().tls());
        assertEquals("/etc/skein/to-controllers.pem", broker.controllerSecurity().ssl().get("ssl.keystore.location"));
    }

    @Test
    void skeinsOwnListenersSayTheirProtocolAndTakeTheirOwnSslKeys() {
        NodeConfig plaintext = NodeConfig.of(combined(Map.of()));
        assertEquals(SecurityProtocol.PLAINTEXT, plaintext.listenerSecurity("ADMIN").protocol());
        assertEquals(SecurityProtocol.PLAINTEXT, plaintext.listenerSecurity("HTTP").protocol());
        assertEquals(new Listener("ADMIN", "127.0.0.1", 9095),
                NodeConfig.of(combined(Map.of("admin.listener", "PLAINTEXT://127.0.0.1:9095"))).adminListener());
        assertEquals(SecurityProtocol.PLAINTEXT, NodeConfig.of(combined(Map.of("http.listener", "http://:9096")))
                .listenerSecurity("HTTP").protocol());

        NodeConfig secured = NodeConfig.of(tls(Map.of("admin.listener", "SSL://127.0.0.1:9095",
                "http.listener", "https://0.0.0.0:9096", "listener.name.admin.ssl.client.auth", "required",
                "listener.name.http.ssl.keystore.location", "/etc/skein/http.pem")));
        assertEquals(new Listener("ADMIN", "127.0.0.1", 9095), secured.adminListener());
        assertEquals(new Listener("HTTP", "0.0.0.0", 9096), secured.httpListener());
        ListenerSecurity admin = secured.listenerSecurity("ADMIN");
        ListenerSecurity http = secured.listenerSecurity("HTTP");
        assertTrue(admin.tls() && http.tls());
        assertEquals("required", admin.ssl().get("ssl.client.auth"));
        assertEquals("none", http.ssl().get("ssl.client.auth"));
        assertEquals("/etc/skein/n1.pem", admin.ssl().get("ssl.keystore.location"), "the node's");
        assertEquals("/etc/skein/http.pem", http.ssl().get("ssl.keystore.location"), "its own");
        assertEquals(SecurityProtocol.SSL, NodeConfig.of(tls(Map.of("http.listener", "SSL://127.0.0.1:9096")))
                .listenerSecurity("HTTP").protocol(), "Kafka's name for it too");

        assertTrue(rejection(combined(Map.of("admin.listener", "TLS://127.0.0.1:9093")))
                .contains("admin.listener"));
        assertTrue(rejection(combined(Map.of("admin.listener", "HTTPS://127.0.0.1:9093")))
                .contains("PROTOCOL one of [PLAINTEXT, SSL]"));
        assertTrue(rejection(combined(Map.of("http.listener", "SSL://127.0.0.1:9096")))
                .contains("SSL listener HTTP needs a keystore"), "a TLS listener needs a certificate to serve");
        assertTrue(rejection(combined(Map.of("admin.listener", "SSL://127.0.0.1:9093")))
                .contains("ssl.keystore.location"));
        assertTrue(rejection(combined(Map.of("listeners", "ADMIN://127.0.0.1:9092,CONTROLLER://127.0.0.1:9094",
                "listener.security.protocol.map", "ADMIN:PLAINTEXT,CONTROLLER:PLAINTEXT")))
                .contains("ADMIN names Skein's admin.listener"));
        assertTrue(rejection(tls(Map.of("listener.security.protocol.map", "SSL:SSL,CONTROLLER:PLAINTEXT,HTTP:SSL")))
                .contains("remove HTTP from the map"));
    }

    @Test
    void rolesMustMatchTheListenersAndVoters() {
        assertTrue(rejection(combined(Map.of("controller.quorum.voters", "2@127.0.0.1:9094")))
                .contains("must be one of the voters"));
        assertTrue(rejection(combined(Map.of("controller.quorum.voters", "1@127.0.0.1:9999")))
                .contains("differs from its controller listener"));
        assertTrue(rejection(combined(Map.of("listeners", "CONTROLLER://127.0.0.1:9094")))
                .contains("a broker needs a listener for clients"));
        assertTrue(rejection(combined(Map.of("process.roles", "broker"))).contains("does not include controller"));
        assertTrue(rejection(combined(Map.of("advertised.listeners", "PLAINTEXT://0.0.0.0:9092"))).contains("0.0.0.0"));

        NodeConfig broker = NodeConfig.of(Map.of("process.roles", "broker", "node.id", "4",
                "listeners", "PLAINTEXT://:9192", "advertised.listeners", "PLAINTEXT://broker4.example:9192",
                "controller.quorum.voters", "1@c1:9094,2@c2:9094,3@c3:9094"));
        assertEquals(new Listener("PLAINTEXT", "broker4.example", 9192),
                broker.advertised(broker.clientListeners().get(0)));
        assertTrue(broker.controllerListener().isEmpty());
        assertEquals(3, broker.voters().size());
    }

    private static final String SCRAM_JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required "
            + "username=\"broker\" password=\"broker-secret\";";

    /** A node whose clients' listener is SASL_PLAINTEXT and brokers talk over PLAINTEXT, with {@code extra}. */
    private static Map<String, String> sasl(Map<String, String> extra) {
        Map<String, String> settings = combined(Map.of(
                "listeners", "PLAINTEXT://127.0.0.1:9092,SASL_PLAINTEXT://127.0.0.1:9093,CONTROLLER://127.0.0.1:9094",
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
                "admin.listener", "127.0.0.1:9095"));
        settings.putAll(extra);
        return settings;
    }

    @Test
    void saslListenersTakeKafkasSettingsGloballyAndPerListener() {
        NodeConfig config = NodeConfig.of(sasl(Map.of("sasl.enabled.mechanisms", "SCRAM-SHA-512",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_alice=\"a\";",
                "connections.max.reauth.ms", "60000")));
        Listener plaintext = config.clientListeners().get(0);
        Listener sasl = config.clientListeners().get(1);
        assertTrue(config.listenerSasl(plaintext).isEmpty());
        ListenerSasl settings = config.listenerSasl(sasl).orElseThrow();
        assertEquals(List.of("SCRAM-SHA-512"), settings.mechanisms());
        assertEquals(60_000, settings.maxReauthMs());
        assertEquals(100, settings.failedAuthenticationDelayMs(), "Kafka's default");
        assertTrue(config.interBrokerSasl().isEmpty(), "brokers talk over PLAINTEXT");
        assertTrue(!config.toString().contains("user_alice"), "JAAS configs hold passwords: " + config);

        ListenerSasl both = NodeConfig.of(sasl(Map.of("sasl.enabled.mechanisms", "SCRAM-SHA-512",
                "listener.name.sasl_plaintext.sasl.enabled.mechanisms", "SCRAM-SHA-256,PLAIN",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_alice=\"a\";")))
                .listenerSasl(sasl).orElseThrow();
        assertEquals(List.of("SCRAM-SHA-256", "PLAIN"), both.mechanisms(), "the listener's own list wins");
        assertTrue(both.jaasConfigs().get("PLAIN").contains("user_alice"));

        NodeConfig interBroker = NodeConfig.of(sasl(Map.of("sasl.enabled.mechanisms", "SCRAM-SHA-512",
                "inter.broker.listener.name", "SASL_PLAINTEXT", "sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-512",
                "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config", SCRAM_JAAS)));
        assertEquals(new InterBrokerSasl("SCRAM-SHA-512", SCRAM_JAAS), interBroker.interBrokerSasl().orElseThrow());
        assertEquals(SecurityProtocol.SASL_PLAINTEXT, interBroker.securityProtocol("SASL_PLAINTEXT"));
        assertEquals(Map.of("security.protocol", "SASL_PLAINTEXT"), interBroker.interBrokerSecurity().clientProperties());
        assertEquals(Map.of("sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config", SCRAM_JAAS),
                interBroker.interBrokerSasl().orElseThrow().clientProperties());

        NodeConfig saslSsl = NodeConfig.of(tls(Map.of("listener.security.protocol.map", "SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
                "sasl.enabled.mechanisms", "SCRAM-SHA-512", "sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-512",
                "listener.name.ssl.scram-sha-512.sasl.jaas.config", SCRAM_JAAS)));
        assertEquals(List.of("SCRAM-SHA-512"), saslSsl.listenerSasl(saslSsl.clientListeners().get(0)).orElseThrow()
                .mechanisms(), "SASL over TLS");
        assertTrue(saslSsl.interBrokerSecurity().tls());
        Map<String, String> noKeystore = tls(Map.of("listener.security.protocol.map", "SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
                "sasl.enabled.mechanisms", "SCRAM-SHA-512", "sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-512",
                "listener.name.ssl.scram-sha-512.sasl.jaas.config", SCRAM_JAAS));
        noKeystore.remove("ssl.keystore.location");
        assertTrue(rejection(noKeystore).contains("SASL_SSL listener SSL needs a keystore"));
    }

    @Test
    void saslSettingsSkeinCannotServeAreRefusedByName() {
        assertTrue(rejection(sasl(Map.of())).contains("sasl.enabled.mechanisms"), "Kafka's default is GSSAPI");
        assertTrue(rejection(sasl(Map.of("sasl.enabled.mechanisms", "SCRAM-SHA-512,OAUTHBEARER")))
                .contains("needs mechanisms Skein serves"));
        assertTrue(rejection(sasl(Map.of("sasl.enabled.mechanisms", "PLAIN"))).contains(
                "listener.name.sasl_plaintext.plain.sasl.jaas.config"), "PLAIN needs its users");
        assertTrue(rejection(sasl(Map.of("sasl.enabled.mechanisms", "SCRAM-SHA-512",
                "listener.name.sasl_plaintext.gssapi.sasl.jaas.config", "x required;")))
                .contains("Unknown configuration key 'listener.name.sasl_plaintext.gssapi.sasl.jaas.config'"));
        assertTrue(rejection(sasl(Map.of("sasl.enabled.mechanisms", "SCRAM-SHA-512",
                "plain.sasl.jaas.config", "x required;"))).contains("Unknown configuration key 'plain.sasl.jaas.config'"),
                "a JAAS config is a listener's own, as Kafka's brokers take it");
        assertTrue(rejection(sasl(Map.of("sasl.enabled.mechanisms", "SCRAM-SHA-512",
                "listener.name.SASL_PLAINTEXT.sasl.enabled.mechanisms", "PLAIN"))).contains("lower case"));
        assertTrue(rejection(sasl(Map.of("sasl.enabled.mechanisms", "SCRAM-SHA-512",
                "listener.name.external.sasl.enabled.mechanisms", "PLAIN"))).contains("no listener external"));
        assertTrue(rejection(sasl(Map.of("sasl.enabled.mechanisms", "SCRAM-SHA-512",
                "inter.broker.listener.name", "SASL_PLAINTEXT", "sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-256",
                "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config", SCRAM_JAAS)))
                .contains("sasl.mechanism.inter.broker.protocol"), "a mechanism the listener does not enable");
        assertTrue(rejection(sasl(Map.of("sasl.enabled.mechanisms", "SCRAM-SHA-512",
                "inter.broker.listener.name", "SASL_PLAINTEXT", "sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-512")))
                .contains("listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config"), "no credentials of its own");
    }

    @Test
    void theAuthorizerIsKafkasStandardAuthorizerOrNoneAndSuperUsersArePrincipals() {
        NodeConfig none = NodeConfig.of(combined(Map.of()));
        assertFalse(none.authorizerEnabled(), "no authorization by default, as in Kafka");
        assertFalse(none.allowEveryoneIfNoAclFound());

        NodeConfig standard = NodeConfig.of(combined(Map.of("authorizer.class.name",
                "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "super.users", "User:admin; User:broker;", "allow.everyone.if.no.acl.found", "true")));
        assertTrue(standard.authorizerEnabled());
        assertEquals(List.of("User:admin", "User:broker"), standard.superUsers());
        assertTrue(standard.allowEveryoneIfNoAclFound());

        String other = rejection(combined(Map.of("authorizer.class.name", "kafka.security.authorizer.AclAuthorizer")));
        assertTrue(other.contains("authorizer.class.name") && other.contains("StandardAuthorizer"), other);
        String notAPrincipal = rejection(combined(Map.of("super.users", "admin")));
        assertTrue(notAPrincipal.contains("super.users") && notAPrincipal.contains("User:admin"), notAPrincipal);
    }

    @Test
    void loadsAPropertiesFileNamingItInErrors() throws IOException {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, "process.roles=broker,controller\nnode.id=1\n"
                + "listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9094\n"
                + "controller.quorum.voters=1@127.0.0.1:9094\nlog.dirs=" + dir.resolve("logs") + "\n");
        assertEquals(List.of(dir.resolve("logs")), NodeConfig.load(file).logDirs());
        Files.writeString(file, "bogus.key=1\n", StandardOpenOption.APPEND);
        String message = assertThrows(ConfigException.class, () -> NodeConfig.load(file)).getMessage();
        assertTrue(message.startsWith(file.toString()) && message.contains("bogus.key"), message);
    }
}
