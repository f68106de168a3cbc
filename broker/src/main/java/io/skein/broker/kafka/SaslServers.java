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
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.common.security.plain.internals.PlainSaslServer;
import org.apache.kafka.common.security.plain.internals.PlainServerCallbackHandler;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.ScramCredentialCallback;
import org.apache.kafka.common.security.scram.internals.ScramSaslServer;

/**
 * The SASL servers of one listener, kafka-clients' own: SCRAM ({@code ScramSaslServer}) against the
 * credentials in the broker's current metadata image, so that a user added or removed anywhere in
 * the cluster can or cannot log in here once this broker has applied the change; PLAIN
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
            return new ScramSaslServer(org.apache.kafka.common.security.scram.internals.ScramMechanism
                    .forMechanismName(mechanism), Map.of(), new ScramCredentials(scram));
        } catch (NoSuchAlgorithmException e) {
            throw new SaslException("This JVM cannot compute " + mechanism, e);
        }
    }

    /** Hands ScramSaslServer the user's credential from the image, or none (an unknown user fails as a wrong password). */
    private final class ScramCredentials implements CallbackHandler {
        private final ScramMechanism mechanism;
        private String user;

        ScramCredentials(ScramMechanism mechanism) {
            this.mechanism = mechanism;
        }

        @Override
        public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
            for (Callback callback : callbacks) {
                if (callback instanceof NameCallback name) {
                    user = name.getDefaultName();
                } else if (callback.getClass() == ScramCredentialCallback.class) { // not a delegation token's subclass
                    ScramCredentialCallback credential = (ScramCredentialCallback) callback;
                    ScramCredentialData data = image.get().scramCredential(user, mechanism);
                    if (data != null) {
                        credential.scramCredential(new ScramCredential(data.salt().toByteArray(),
                                data.storedKey().toByteArray(), data.serverKey().toByteArray(), data.iterations()));
                    }
                } else { // delegation tokens among them: Skein has none
                    throw new UnsupportedCallbackException(callback);
                }
            }
        }
    }
}
