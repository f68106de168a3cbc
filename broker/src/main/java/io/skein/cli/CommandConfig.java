package io.skein.cli;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.skein.broker.kafka.SslEngines;
import io.skein.metadata.tls.GrpcTls;
import io.skein.metadata.tls.TlsSettings;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import picocli.CommandLine.Option;

/**
 * {@code --command-config FILE}: client properties for a secured cluster, as Kafka's tools take them
 * ({@code security.protocol=SSL}, {@code ssl.truststore.*}, and {@code ssl.keystore.*} for mutual TLS).
 * The one place the file is read: the admin commands' gRPC channel and the Kafka clients of
 * {@code produce} and {@code consume} both come from here.
 */
final class CommandConfig {
    /** What the admin API's channel reads of the file: Kafka's client TLS keys and the protocol. */
    private static final ConfigDef ADMIN_CHANNEL = adminChannelDefinition();
    /** The admin API's listener serves these. */
    private static final String ADMIN_PROTOCOLS = SecurityProtocol.PLAINTEXT.name + " or " + SecurityProtocol.SSL.name;

    @Option(names = "--command-config", paramLabel = "FILE", defaultValue = "${env:SKEIN_COMMAND_CONFIG}",
            description = "Client properties for a secured cluster, as Kafka's tools take them: security.protocol=SSL, "
                    + "ssl.truststore.*, ssl.keystore.* for mutual TLS (default: $SKEIN_COMMAND_CONFIG)")
    Path file;

    /**
     * The file's properties, none without a file.
     *
     * @throws ConfigException naming the file, if it cannot be read
     */
    Map<String, String> properties() {
        Map<String, String> properties = new HashMap<>();
        if (file != null) {
            Properties read = new Properties();
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                read.load(in);
            } catch (IOException e) {
                throw new ConfigException(file + ": cannot be read (" + e + ")");
            }
            read.stringPropertyNames().forEach(key -> properties.put(key, read.getProperty(key).trim()));
        }
        return properties;
    }

    /**
     * A channel to the admin API at {@code target}: plaintext, or TLS with the file's settings.
     *
     * @throws ConfigException naming the file and the key, for a key Kafka's admin client does not
     *                         know, a protocol the admin API does not serve, or stores that cannot be read
     */
    ManagedChannel adminChannel(String target) {
        return NettyChannelBuilder.forTarget(target, GrpcTls.channel(adminTls())).build();
    }

    private Optional<TlsSettings> adminTls() {
        Map<String, String> properties = properties();
        for (String key : new TreeSet<>(properties.keySet())) {
            if (!AdminClientConfig.configNames().contains(key)) {
                throw new ConfigException(file + ": " + key + " is not a Kafka admin client property");
            }
        }
        Map<String, Object> parsed;
        try {
            parsed = ADMIN_CHANNEL.parse(properties);
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
        String protocol = (String) parsed.get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG);
        if (protocol.equalsIgnoreCase(SecurityProtocol.PLAINTEXT.name)) {
            return Optional.empty();
        }
        if (!protocol.equalsIgnoreCase(SecurityProtocol.SSL.name)) {
            throw new ConfigException(file + ": " + CommonClientConfigs.SECURITY_PROTOCOL_CONFIG + "=" + protocol
                    + ", but the admin API serves " + ADMIN_PROTOCOLS);
        }
        Map<String, Object> ssl = new HashMap<>(parsed);
        ssl.remove(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG);
        // The managers outlive the factory, which only reloads need.
        try (SslEngines engines = SslEngines.client("admin", ssl)) {
            return Optional.of(engines.tlsSettings());
        } catch (KafkaException e) {
            throw new ConfigException(file + ": the TLS settings cannot be used: " + e.getMessage()
                    + (e.getCause() == null ? "" : " (" + e.getCause().getMessage() + ")"));
        }
    }

    private static ConfigDef adminChannelDefinition() {
        ConfigDef definition = new ConfigDef().define(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG,
                ConfigDef.Type.STRING, SecurityProtocol.PLAINTEXT.name, ConfigDef.Importance.HIGH,
                CommonClientConfigs.SECURITY_PROTOCOL_DOC);
        SslConfigs.addClientSslSupport(definition);
        return definition;
    }
}
