package io.skein.broker.kafka;

import java.net.InetAddress;
import javax.net.ssl.SSLSession;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SslAuthenticationContext;
import org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder;
import org.apache.kafka.common.security.ssl.SslPrincipalMapper;

/**
 * Who a TLS connection is, as Kafka's default principal builder says: {@code User:} and the client
 * certificate's distinguished name mapped by {@code ssl.principal.mapping.rules} (DEFAULT: the whole
 * name), or {@code User:ANONYMOUS} when the client sent no certificate.
 */
public final class SslPrincipals {
    private final String listenerName;
    private final DefaultKafkaPrincipalBuilder builder;

    /** @throws IllegalArgumentException if {@code mappingRules} are not Kafka's rule syntax */
    public SslPrincipals(String listenerName, String mappingRules) {
        this.listenerName = listenerName;
        this.builder = new DefaultKafkaPrincipalBuilder(null, SslPrincipalMapper.fromRules(mappingRules));
    }

    /** The principal of a connection whose handshake is done. */
    public KafkaPrincipal of(SSLSession session, InetAddress client) {
        return builder.build(new SslAuthenticationContext(session, client, listenerName));
    }
}
