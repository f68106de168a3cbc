package io.skein.broker.kafka;

import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.ScramCredentialData;
import io.skein.node.ListenerSasl;
import io.skein.proto.metadata.ScramMechanism;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.common.security.plain.internals.PlainSaslServer;
import org.apache.kafka.common.security.plain.internals.PlainServerCallbackHandler;
import org.apache.kafka.common.security.scram.ScramCredential;

/**
 * The SASL servers of one listener: SCRAM ({@link ScramServer}, on kafka-clients' SCRAM classes)
 * against the credentials in the broker's current metadata image, so that a user added or removed
 * anywhere in the cluster can or cannot log in here once this broker has applied the change; PLAIN
 * ({@code PlainSaslServer} with Kafka's {@code PlainServerCallbackHandler}) against the users of the
 * listener's JAAS config ({@code user_<name>="<password>"}), as Kafka's PlainLoginModule has them.
 */
public final class SaslServers {
    private final ListenerSasl settings;
    private final List<String> mechanisms;
    private final Supplier<MetadataImage> image;
    private final PlainServerCallbackHandler plainUsers;

    /**
     * @param image the broker's metadata as of now, read at each SCRAM login
     * @throws IllegalArgumentException if PLAIN's JAAS config cannot be parsed
     */
    public SaslServers(ListenerSasl settings, Supplier<MetadataImage> image) {
        this.settings = settings;
        this.mechanisms = settings.mechanisms();
        this.image = image;
        if (mechanisms.contains(PlainSaslServer.PLAIN_MECHANISM)) {
            plainUsers = new PlainServerCallbackHandler();
            plainUsers.configure(Map.of(), PlainSaslServer.PLAIN_MECHANISM,
                    jaasEntries(settings.listenerName(), PlainSaslServer.PLAIN_MECHANISM,
                            settings.jaasConfigs().get(PlainSaslServer.PLAIN_MECHANISM)));
        } else {
            plainUsers = null;
        }
    }

    /** The login module entries of a JAAS config, parsed as Kafka parses a listener's {@code sasl.jaas.config}. */
    static List<AppConfigurationEntry> jaasEntries(String listenerName, String mechanism, String jaasConfig) {
        return JaasContext.loadServerContext(ListenerName.normalised(listenerName), mechanism,
                Map.of(mechanism.toLowerCase(Locale.ROOT) + ".sasl.jaas.config", new Password(jaasConfig)))
                .configurationEntries();
    }

    /** The listener's SASL settings. */
    public ListenerSasl settings() {
        return settings;
    }

    /** The mechanisms this listener enables. */
    public List<String> mechanisms() {
        return mechanisms;
    }

    /** A server for one authentication with {@code mechanism}, one of {@link #mechanisms()}. */
    public SaslServer create(String mechanism) throws SaslException {
        if (mechanism.equals(PlainSaslServer.PLAIN_MECHANISM)) {
            return new PlainSaslServer(plainUsers);
        }
        ScramMechanism scram = mechanism.equals("SCRAM-SHA-256") ? ScramMechanism.SCRAM_SHA_256
                : ScramMechanism.SCRAM_SHA_512;
        try {
            return new ScramServer(org.apache.kafka.common.security.scram.internals.ScramMechanism
                    .forMechanismName(mechanism), user -> credential(user, scram));
        } catch (NoSuchAlgorithmException e) {
            throw new SaslException("This JVM cannot compute " + mechanism, e);
        }
    }

    /** {@code user}'s credential in the image as of now, or null (an unknown user fails as a wrong password). */
    private ScramCredential credential(String user, ScramMechanism mechanism) {
        ScramCredentialData data = image.get().scramCredential(user, mechanism);
        return data == null ? null : new ScramCredential(data.salt().toByteArray(), data.storedKey().toByteArray(),
                data.serverKey().toByteArray(), data.iterations());
    }
}
