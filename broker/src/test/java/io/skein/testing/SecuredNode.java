package io.skein.testing;

import io.skein.node.NodeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * A real node secured as the README's security section says: every listener on TLS (Kafka's with
 * client certificates required, so that the broker's own clients are the node's certificate's
 * principal; the admin API and HTTPS asking for one), Kafka's authorizer, and that principal its one
 * super user; and two SCRAM users without ACLs, {@link #ALICE} and {@link #BOB}. More users and ACLs
 * are added through a Kafka Admin client holding the node's certificate; client properties files log
 * in as a SCRAM user or hold a client certificate.
 */
public final class SecuredNode implements AutoCloseable {
    /** The node's own principal, its certificate's name: the super user. */
    public static final String SUPER_USER = "User:CN=node-1";
    /** The SCRAM users the node starts with, and their passwords. */
    public static final String ALICE = "alice";
    public static final String BOB = "bob";
    public static final Map<String, String> PASSWORDS = Map.of(ALICE, "alice-secret", BOB, "bob-secret");

    private final Path dir;
    private final TlsFiles certificates;
    private final TestNode node;
    private final Admin admin;

    private SecuredNode(Path dir, TlsFiles certificates, TestNode node, Admin admin) {
        this.dir = dir;
        this.certificates = certificates;
        this.node = node;
        this.admin = admin;
    }

    /** Starts the node, with {@code overrides} on top of its settings. */
    public static SecuredNode start(Path dir, Map<String, String> overrides) throws IOException, InterruptedException {
        TlsFiles certificates = TlsFiles.in(dir.resolve("certs"));
        Map<String, String> settings = new HashMap<>(certificates.everyListener("node-1",
                Map.of("ssl", "required", "admin", "requested", "http", "requested")));
        settings.put(NodeConfig.AUTHORIZER_CLASS_NAME, NodeConfig.STANDARD_AUTHORIZER);
        settings.put(NodeConfig.SUPER_USERS, SUPER_USER);
        settings.put("offsets.topic.num.partitions", "1");
        settings.put("transaction.state.log.num.partitions", "1");
        settings.putAll(overrides);
        TestNode node = TestNode.start(dir.resolve("node"), settings);
        Map<String, Object> asNode = new HashMap<>(certificates.client("node-1"));
        asNode.put("bootstrap.servers", node.bootstrap("SSL"));
        SecuredNode secured = new SecuredNode(dir, certificates, node, Admin.create(asNode));
        try {
            secured.addUsers(PASSWORDS);
        } catch (ExecutionException e) {
            secured.close();
            throw new IllegalStateException("The node refused its first SCRAM users", e);
        }
        return secured;
    }

    public TestNode node() {
        return node;
    }

    public TlsFiles certificates() {
        return certificates;
    }

    /** A Kafka Admin client as the super user. */
    public Admin admin() {
        return admin;
    }

    /** Kafka client settings of the node's SSL listener as the super user, for producers and consumers. */
    public Map<String, Object> superUserClient() {
        Map<String, Object> settings = new HashMap<>(certificates.client("node-1"));
        settings.put("bootstrap.servers", node.bootstrap("SSL"));
        return settings;
    }

    /** Adds SCRAM-SHA-512 users, each with the password given after its name. */
    public void addUsers(Map<String, String> passwords) throws ExecutionException, InterruptedException {
        admin.alterUserScramCredentials(passwords.entrySet().stream()
                .map(user -> (org.apache.kafka.clients.admin.UserScramCredentialAlteration)
                        new UserScramCredentialUpsertion(user.getKey(), new ScramCredentialInfo(
                                ScramMechanism.SCRAM_SHA_512, 4096), user.getValue()))
                .toList()).all().get();
    }

    /** Allows {@code principal} {@code operations} on a resource, from any host. */
    public void allow(String principal, ResourceType type, String name, PatternType pattern,
                      AclOperation... operations) throws ExecutionException, InterruptedException {
        admin.createAcls(List.of(operations).stream().map(operation -> new AclBinding(
                new ResourcePattern(type, name, pattern),
                new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW))).toList()).all().get();
    }

    /** {@code skein --command-config} properties logging in as a SCRAM user over TLS (SASL_SSL), with no certificate. */
    public Path scramClient(String user, String password) {
        Map<String, String> settings = new HashMap<>(certificates.client(null));
        settings.put("security.protocol", "SASL_SSL");
        settings.put("sasl.mechanism", "SCRAM-SHA-512");
        settings.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + user + "\" password=\"" + password + "\";");
        return write("scram-" + user + "-" + Integer.toHexString(password.hashCode()), settings);
    }

    /** {@code skein --command-config} properties over TLS, presenting {@code name}'s certificate, or none if null. */
    public Path certificateClient(String name) {
        return certificates.clientProperties(dir.resolve("tls-" + (name == null ? "none" : name) + ".properties"),
                name);
    }

    private Path write(String name, Map<String, String> settings) {
        Path file = dir.resolve(name + ".properties");
        Properties properties = new Properties();
        properties.putAll(settings);
        try (Writer out = Files.newBufferedWriter(file)) {
            properties.store(out, name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    @Override
    public void close() {
        admin.close();
        node.close();
    }
}
