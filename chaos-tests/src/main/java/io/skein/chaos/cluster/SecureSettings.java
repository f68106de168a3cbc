package io.skein.chaos.cluster;

import io.skein.broker.kafka.SslEngines;
import io.skein.cli.Skein;
import io.skein.metadata.tls.TlsSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.SslConfigs;

/**
 * A {@link Security#SASL_SSL} cluster's settings: certificates made by {@code skein certs} (a CA, one
 * certificate per node valid for its address, one for the harness), SCRAM users the cluster is formatted
 * with (the brokers' own, and the harness's clients'), each node's listeners and keys, and what the
 * harness's Kafka clients and its controller-service clients connect with. The files are on this
 * machine in {@code dir}, which the nodes see at {@link #MOUNT}.
 */
final class SecureSettings {
    /** Where the nodes see the certificates. */
    static final String MOUNT = "/certs";
    private static final String MECHANISM = "SCRAM-SHA-512";
    private static final String LISTENER = "SASL_SSL";
    private static final String HARNESS = "chaos-harness";
    private static final String BROKER_USER = "broker";
    private static final String CLIENT_USER = "chaos";
    private static final String SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule required "
            + "username=\"%s\" password=\"%s\";";

    private final Path dir;
    private final String brokerPassword = secret();
    private final String clientPassword = secret();

    private SecureSettings(Path dir) {
        this.dir = dir;
    }

    /** Makes the certificates in {@code dir} with {@code skein certs}: for each node (id to address) and the harness. */
    static SecureSettings make(Path dir, Map<Integer, String> addresses) {
        List<String> args = new ArrayList<>(List.of("certs", dir.toString(), "--client", HARNESS, "--password",
                secret()));
        addresses.forEach((id, address) -> args.addAll(List.of("--node", name(id) + "=" + address)));
        StringWriter out = new StringWriter();
        int exit = Skein.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(out))
                .execute(args.toArray(String[]::new));
        if (exit != 0) {
            throw new IllegalStateException("skein certs failed (exit " + exit + "): " + out);
        }
        return new SecureSettings(dir);
    }

    private static String name(int id) {
        return "n" + id;
    }

    /** The directory the certificates are in, on this machine. */
    Path dir() {
        return dir;
    }

    /** The Kafka listener's name and protocol: clients and brokers log in over TLS. */
    String kafkaListener() {
        return LISTENER;
    }

    /**
     * Node {@code id}'s keys at {@code ip}, over what {@link SkeinCluster} gives every node: the listeners'
     * protocols, its certificate and the CA, SCRAM for clients and between brokers (with the brokers' own
     * user), mutual TLS on the controller listener and the admin API, HTTPS.
     */
    Map<String, String> node(int id, String ip) {
        return Map.ofEntries(
                Map.entry("listener.security.protocol.map", LISTENER + ":SASL_SSL,CONTROLLER:SSL"),
                Map.entry("inter.broker.listener.name", LISTENER),
                Map.entry("sasl.enabled.mechanisms", MECHANISM),
                Map.entry("sasl.mechanism.inter.broker.protocol", MECHANISM),
                Map.entry("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                        String.format(SCRAM_LOGIN, BROKER_USER, brokerPassword)),
                Map.entry("ssl.keystore.type", "PEM"),
                Map.entry("ssl.keystore.location", MOUNT + "/" + name(id) + ".pem"),
                Map.entry("ssl.truststore.type", "PEM"),
                Map.entry("ssl.truststore.location", MOUNT + "/ca.crt"),
                Map.entry("listener.name.controller.ssl.client.auth", "required"),
                Map.entry("admin.listener", "SSL://" + ip + ":9093"),
                Map.entry("listener.name.admin.ssl.client.auth", "required"),
                Map.entry("http.listener", "HTTPS://" + ip + ":9096"));
    }

    /** The SCRAM users the cluster is formatted with ({@code storage format --add-scram}): the brokers' and the clients'. */
    List<String> scramUsers() {
        return List.of(MECHANISM + "=[name=" + BROKER_USER + ",password=" + brokerPassword + "]",
                MECHANISM + "=[name=" + CLIENT_USER + ",password=" + clientPassword + "]");
    }

    /** What the harness's Kafka clients add to their settings: SASL_SSL, logged in as the clients' user, trusting the CA. */
    Map<String, Object> kafkaClient() {
        return Map.of("security.protocol", LISTENER,
                "sasl.mechanism", MECHANISM,
                "sasl.jaas.config", String.format(SCRAM_LOGIN, CLIENT_USER, clientPassword),
                "ssl.truststore.type", "PEM",
                "ssl.truststore.location", dir.resolve("ca.crt").toString());
    }

    /**
     * How the harness reaches the controller service (metadata streams, voters' state): mutual TLS with its
     * own certificate, checking each node's against the address it reaches it at, as a broker-only node does.
     */
    TlsSettings controllerClient() {
        ConfigDef definition = new ConfigDef();
        SslConfigs.addClientSslSupport(definition);
        Map<String, Object> ssl = definition.parse(Map.of(
                "ssl.keystore.type", "PEM", "ssl.keystore.location", dir.resolve(HARNESS + ".pem").toString(),
                "ssl.truststore.type", "PEM", "ssl.truststore.location", dir.resolve("ca.crt").toString()));
        // The managers outlive the factory, which only reloads need.
        try (SslEngines engines = SslEngines.client("controller", ssl)) {
            return engines.tlsSettings();
        }
    }

    private static String secret() {
        byte[] bytes = new byte[12];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
