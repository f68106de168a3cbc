package io.skein.cli;

import io.skein.certs.CertificateDirectory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code skein certs}: a local CA and node and client certificates for a test or development cluster. */
@Command(name = "certs", mixinStandardHelpOptions = true,
        description = {"Make a local CA in DIR (or use the one there) and certificates signed by it: for each node, "
                + "valid for its host names and addresses, and for each client, for mutual TLS. Writes PEM "
                + "(NAME.pem: key and chain) and PKCS12 (NAME.p12) files, the CA (ca.crt) and a PKCS12 truststore, "
                + "and prints the ssl.* settings that use them. Keys are unencrypted: for test clusters.",
                "Run it again on the same DIR to add or renew certificates: a node re-reads renewed files "
                        + "while it runs (ssl.reload.check.interval.ms)."})
final class CertsCommand implements Callable<Integer> {
    private static final List<String> DEFAULT_HOSTS = List.of("localhost", "127.0.0.1");

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "Where the files go")
    Path dir;

    @Option(names = "--node", paramLabel = "NAME[=HOST,...]", description = "A node's certificate, valid for NAME "
            + "and the HOSTs (DNS names or IP addresses; default: localhost and 127.0.0.1); repeatable")
    List<String> nodes = new ArrayList<>();

    @Option(names = "--client", paramLabel = "NAME", description = "A client's certificate, CN=NAME; repeatable")
    List<String> clients = new ArrayList<>();

    @Option(names = "--days", defaultValue = "365", description = "How long the certificates (and a new CA) are "
            + "valid, in days (default: ${DEFAULT-VALUE})")
    int days;

    @Option(names = "--password", paramLabel = "PASSWORD", description = "Of the PKCS12 files (default: a random one, "
            + "printed)")
    String password;

    @Override
    public Integer call() throws IOException {
        if (nodes.isEmpty() && clients.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "Name at least one --node or --client");
        }
        if (days < 1) {
            throw new ParameterException(spec.commandLine(), "--days must be at least 1");
        }
        // An hour back: clocks of the machines that check them may be a little behind this one's.
        Instant notBefore = Instant.now().minus(Duration.ofHours(1));
        Instant notAfter = Instant.now().plus(Duration.ofDays(days));
        boolean hadCa = CertificateDirectory.hasCa(dir);
        CertificateDirectory files = CertificateDirectory.open(dir, notBefore, notAfter);
        String secret = password != null ? password : randomPassword();
        PrintWriter out = spec.commandLine().getOut();
        out.println((hadCa ? "Using the CA in " : "Made a CA in ") + files.caCertificate());
        files.writeTruststore(secret.toCharArray());
        for (String node : nodes) {
            String[] parts = node.split("=", 2);
            List<String> hosts = new ArrayList<>(List.of(parts[0]));
            hosts.addAll(parts.length == 1 || parts[1].isBlank() ? DEFAULT_HOSTS : List.of(parts[1].split(",")));
            files.issue(parts[0], hosts.stream().map(String::trim).distinct().toList(), notBefore, notAfter,
                    secret.toCharArray());
            out.println("Node " + parts[0] + ": " + files.pem(parts[0]) + " and " + files.pkcs12(parts[0])
                    + ", valid for " + hosts.stream().map(String::trim).distinct().toList());
        }
        for (String client : clients) {
            files.issue(client, List.of(), notBefore, notAfter, secret.toCharArray());
            out.println("Client " + client + ": " + files.pem(client) + " and " + files.pkcs12(client));
        }
        printSettings(out, files, secret);
        return 0;
    }

    private void printSettings(PrintWriter out, CertificateDirectory files, String secret) {
        String node = nodes.isEmpty() ? "NODE" : nodes.get(0).split("=", 2)[0];
        out.println();
        out.println("# server.properties of node " + node + " (listeners=SSL://...; the others alike with their "
                + "own NAME.pem):");
        out.println("ssl.keystore.type=PEM");
        out.println("ssl.keystore.location=" + files.pem(node));
        out.println("ssl.truststore.type=PEM");
        out.println("ssl.truststore.location=" + files.caCertificate());
        out.println("# for mutual TLS: ssl.client.auth=required");
        out.println();
        out.println("# client.properties:");
        out.println("security.protocol=SSL");
        out.println("ssl.truststore.type=PEM");
        out.println("ssl.truststore.location=" + files.caCertificate());
        if (!clients.isEmpty()) {
            out.println("# as client " + clients.get(0) + " (mutual TLS):");
            out.println("ssl.keystore.type=PEM");
            out.println("ssl.keystore.location=" + files.pem(clients.get(0)));
        }
        out.println();
        out.println("# or PKCS12, for tools that want it:");
        out.println("ssl.truststore.type=PKCS12");
        out.println("ssl.truststore.location=" + files.truststore());
        out.println("ssl.truststore.password=" + secret);
        out.println("ssl.keystore.type=PKCS12");
        out.println("ssl.keystore.location=" + files.pkcs12(clients.isEmpty() ? node : clients.get(0)));
        out.println("ssl.keystore.password=" + secret);
        out.println("ssl.key.password=" + secret);
    }

    private static String randomPassword() {
        byte[] bytes = new byte[12];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
