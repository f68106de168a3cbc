package io.skein.broker.kafka;

import java.util.Map;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;

/**
 * The user name and password a client's {@code sasl.jaas.config} logs in with (the {@code username} and
 * {@code password} options of PlainLoginModule or ScramLoginModule), parsed as kafka-clients parses it.
 */
public record JaasLogin(String username, String password) {
    /**
     * @throws IllegalArgumentException if the config does not parse, or its login module has no
     *                                  {@code username} and {@code password}
     */
    public static JaasLogin of(String jaasConfig) {
        AppConfigurationEntry entry = JaasContext.loadClientContext(Map.of(SaslConfigs.SASL_JAAS_CONFIG,
                new Password(jaasConfig))).configurationEntries().get(0);
        if (!(entry.getOptions().get("username") instanceof String username)
                || !(entry.getOptions().get("password") instanceof String password)) {
            throw new IllegalArgumentException("its login module has no username and password");
        }
        return new JaasLogin(username, password);
    }

    @Override
    public String toString() {
        return "JaasLogin(" + username + ")"; // the password stays out of logs
    }
}
