package io.skein.metadata.tls;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettySslContextChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettySslContextServerCredentials;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * The credentials of Skein's gRPC servers and channels (the controller service and the admin API),
 * plaintext or TLS. TLS runs on the JDK's engine, as Kafka's listeners do, so that protocol and
 * cipher suite names and certificate checks mean the same on every listener of a node.
 */
public final class GrpcTls {
    private GrpcTls() {
    }

    /** A server's credentials: plaintext if {@code tls} is empty. */
    public static ServerCredentials server(Optional<TlsSettings> tls) {
        if (tls.isEmpty()) {
            return InsecureServerCredentials.create();
        }
        TlsSettings settings = tls.get();
        SslContextBuilder builder = SslContextBuilder.forServer(settings.keyManager())
                .trustManager(settings.trustManager())
                .clientAuth(switch (settings.clientAuth()) {
                    case NONE -> ClientAuth.NONE;
                    case REQUESTED -> ClientAuth.OPTIONAL;
                    case REQUIRED -> ClientAuth.REQUIRE;
                });
        return NettySslContextServerCredentials.create(build(builder, settings));
    }

    /**
     * A channel's credentials: plaintext if {@code tls} is empty, else TLS checking the server with
     * the trust manager and presenting the key manager's certificate when the server asks for one.
     */
    public static ChannelCredentials channel(Optional<TlsSettings> tls) {
        if (tls.isEmpty()) {
            return InsecureChannelCredentials.create();
        }
        TlsSettings settings = tls.get();
        SslContextBuilder builder = SslContextBuilder.forClient().trustManager(settings.trustManager());
        if (settings.keyManager() != null) {
            builder.keyManager(settings.keyManager());
        }
        return NettySslContextChannelCredentials.create(build(builder, settings));
    }

    /**
     * Why a call failed in the transport, where gRPC's status does not say (a TLS handshake refused,
     * a certificate not trusted): " (the innermost cause)", or nothing if there is none.
     */
    public static String transportCause(Throwable failure) {
        Throwable cause = failure.getCause();
        if (cause == null) {
            return "";
        }
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return " (" + cause + ")";
    }

    private static SslContext build(SslContextBuilder builder, TlsSettings settings) {
        GrpcSslContexts.configure(builder, SslProvider.JDK); // HTTP/2 by ALPN, on the JDK's engine
        if (settings.protocols() != null) {
            builder.protocols(settings.protocols());
        }
        if (settings.cipherSuites() != null) {
            builder.ciphers(settings.cipherSuites());
        }
        try {
            return builder.build();
        } catch (SSLException e) {
            throw new IllegalArgumentException("Cannot make a TLS context: " + e.getMessage(), e);
        }
    }
}
