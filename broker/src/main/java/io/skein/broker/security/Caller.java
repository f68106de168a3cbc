package io.skein.broker.security;

import java.net.InetAddress;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * Who calls the admin API or the console: the principal its listener authenticated (a SCRAM user, a
 * client certificate's name, or {@code User:ANONYMOUS}, as a Kafka listener names them) and the
 * client's address, which ACLs may name.
 */
public record Caller(KafkaPrincipal principal, InetAddress address) {
    /** No credentials and no client certificate. */
    public boolean anonymous() {
        return principal.equals(KafkaPrincipal.ANONYMOUS);
    }

    @Override
    public String toString() {
        return principal + (address == null ? "" : "@" + address.getHostAddress());
    }
}
