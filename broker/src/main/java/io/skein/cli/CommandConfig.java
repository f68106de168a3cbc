package io.skein.cli;

import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.skein.broker.kafka.JaasLogin;
import io.skein.broker.kafka.SslEngines;
import io.skein.broker.security.BasicCredentials;
import io.skein.broker.security.ListenerLogins;
import io.skein.metadata.tls.GrpcTls;
import io.skein.metadata.tls.TlsSettings;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import picocli.CommandLine.Option;

/**
 * {@code --command-config FILE}: client properties for a secured cluster, as Kafka's tools take them
 * ({@code security.protocol}, {@code ssl.truststore.*}, {@code ssl.keystore.*} for mutual TLS, and
 * {@code sasl.mechanism} with {@code sasl.jaas.config} for a SCRAM user's name and password). The one
 * place the file is read: the admin commands' gRPC channel and the Kafka clients of {@code produce} and
 * {@code consume} both come from here, so one file serves both.
 */
final class CommandConfig {
    /** What the admin API's channel reads of the file: Kafka's client TLS and SASL keys and the protocol. */
    private static final ConfigDef ADMIN_CHANNEL = adminChannelDefinition();
    /** The TLS keys among them, which make the channel's TLS. */
    private static final Set<String> SSL_KEYS = sslKeys();
    /** The admin API checks a SCRAM user's password: these mechanisms name one. */
    private static final List<String> SCRAM = List.of("SCRAM-SHA-256", "SCRAM-SHA-512");

    @Option(names = "--command-config", paramLabel = "FILE", defaultValue = "${env:SKEIN_COMMAND_CONFIG}",
            description = "Client properties for a secured cluster, as Kafka's tools take them: security.protocol, "
                    + "ssl.truststore.*, ssl.keystore.* for mutual TLS, sasl.mechanism and sasl.jaas.config for a "
                    + "SCRAM user (default: $SKEIN_COMMAND_CONFIG)")
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
     * A channel to the admin API at {@code target}: plaintext or TLS ({@code SSL}, {@code SASL_SSL}) with
     * the file's settings, and with {@code SASL_*} every call carrying the SCRAM user's name and password
     * (as HTTP Basic credentials in its metadata), which the admin API checks against the user's SCRAM
     * credentials. {@code SASL_PLAINTEXT} sends them in clear, so only to an admin API on loopback.
     *
     * @throws ConfigException naming the file and the key, for a key Kafka's admin client does not
     *                         know, settings the admin API cannot take, or stores that cannot be read
     */
    ManagedChannel adminChannel(String target) {
        Map<String, Object> parsed = adminSettings();
        SecurityProtocol protocol = SecurityProtocol.forName(
                ((String) parsed.get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG)).toUpperCase(Locale.ROOT));
        ChannelCredentials channel = GrpcTls.channel(protocol == SecurityProtocol.SSL
                || protocol == SecurityProtocol.SASL_SSL ? Optional.of(tls(parsed)) : Optional.empty());
        if (protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL) {
            if (protocol == SecurityProtocol.SASL_PLAINTEXT && !ListenerLogins.isLoopback(host(target))) {
                throw new ConfigException(file + ": " + CommonClientConfigs.SECURITY_PROTOCOL_CONFIG + "=" + protocol
                        + " would send the password in clear to " + target + ": use SASL_SSL (the admin API over "
                        + "TLS), or SASL_PLAINTEXT only to an admin API on loopback");
            }
            channel = CompositeChannelCredentials.create(channel, new PasswordCredentials(login(parsed)));
        }
        return NettyChannelBuilder.forTarget(target, channel).build();
    }

    /** The file's settings, parsed as Kafka's admin client parses them; refused by name if it cannot be. */
    private Map<String, Object> adminSettings() {
        Map<String, String> properties = properties();
        for (String key : new TreeSet<>(properties.keySet())) {
            if (!AdminClientConfig.configNames().contains(key)) {
                throw new ConfigException(file + ": " + key + " is not a Kafka admin client property");
            }
        }
        try {
            return ADMIN_CHANNEL.parse(properties);
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage());
        }
    }

    private TlsSettings tls(Map<String, Object> parsed) {
        Map<String, Object> ssl = new HashMap<>();
        SSL_KEYS.forEach(key -> ssl.put(key, parsed.get(key)));
        // The managers outlive the factory, which only reloads need.
        try (SslEngines engines = SslEngines.client("admin", ssl)) {
            return engines.tlsSettings();
        } catch (KafkaException e) {
            throw new ConfigException(file + ": the TLS settings cannot be used: " + e.getMessage()
                    + (e.getCause() == null ? "" : " (" + e.getCause().getMessage() + ")"));
        }
    }

    /** The SCRAM user's name and password, from {@code sasl.jaas.config}. */
    private BasicCredentials login(Map<String, Object> parsed) {
        String mechanism = (String) parsed.get(SaslConfigs.SASL_MECHANISM);
        if (!SCRAM.contains(mechanism)) {
            throw new ConfigException(file + ": " + SaslConfigs.SASL_MECHANISM + "=" + mechanism + ", but the admin "
                    + "API checks a SCRAM user's password: " + String.join(" or ", SCRAM));
        }
        Password jaasConfig = (Password) parsed.get(SaslConfigs.SASL_JAAS_CONFIG);
        if (jaasConfig == null) {
            throw new ConfigException(file + ": " + SaslConfigs.SASL_JAAS_CONFIG + " is missing: ScramLoginModule "
                    + "required username=\"...\" password=\"...\";");
        }
        try {
            JaasLogin login = JaasLogin.of(jaasConfig.value());
            return new BasicCredentials(login.username(), login.password());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file + ": " + SaslConfigs.SASL_JAAS_CONFIG + " cannot be used: "
                    + e.getMessage());
        }
    }

    /** The host of a {@code host:port} target ({@code [::1]:port} too). */
    private static String host(String target) {
        int colon = target.lastIndexOf(':');
        String host = colon < 0 ? target : target.substring(0, colon);
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static ConfigDef adminChannelDefinition() {
        ConfigDef definition = new ConfigDef().define(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG,
                ConfigDef.Type.STRING, SecurityProtocol.PLAINTEXT.name, ConfigDef.CaseInsensitiveValidString.in(
                        Arrays.stream(SecurityProtocol.values()).map(p -> p.name).toArray(String[]::new)),
                ConfigDef.Importance.HIGH, CommonClientConfigs.SECURITY_PROTOCOL_DOC);
        SslConfigs.addClientSslSupport(definition);
        SaslConfigs.addClientSaslSupport(definition);
        return definition;
    }

    private static Set<String> sslKeys() {
        ConfigDef ssl = new ConfigDef();
        SslConfigs.addClientSslSupport(ssl);
        return ssl.names();
    }

    /** Every call's {@code authorization} metadata: the SCRAM user's name and password. */
    private static final class PasswordCredentials extends CallCredentials {
        private final Metadata headers = new Metadata();

        PasswordCredentials(BasicCredentials login) {
            headers.put(Metadata.Key.of(BasicCredentials.HEADER, Metadata.ASCII_STRING_MARSHALLER), login.header());
        }

        @Override
        public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
            applier.apply(headers);
        }
    }
}
