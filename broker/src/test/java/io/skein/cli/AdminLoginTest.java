package io.skein.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skein.testing.SecuredNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code skein} logging in to the admin API of a real node with Kafka's authorizer: with a SCRAM
 * user's name and password from {@code --command-config} (Kafka's {@code sasl.mechanism} and
 * {@code sasl.jaas.config}) over TLS, with a client certificate, or with neither; each caller is
 * allowed what its ACLs allow and refused the rest, with nothing changed, and a wrong password is
 * UNAUTHENTICATED.
 */
@Timeout(300)
class AdminLoginTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static SecuredNode node;

    @BeforeAll
    static void startNode() throws Exception {
        node = SecuredNode.start(dir, Map.of());
        node.allow("User:alice", ResourceType.TOPIC, "alice-", PatternType.PREFIXED, AclOperation.CREATE,
                AclOperation.DESCRIBE);
        node.allow("User:CN=carol", ResourceType.TOPIC, "carol-", PatternType.PREFIXED, AclOperation.ALL);
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    private static CliRun skein(Path commandConfig, String... args) {
        return CliRun.skein(Stream.concat(Stream.of(args), Stream.of("--admin", node.node().adminAddress(),
                "--command-config", commandConfig.toString())).toArray(String[]::new));
    }

    private static boolean exists(String topic) {
        return node.node().image().topic(topic) != null;
    }

    @Test
    void aScramUsersAclsDecideWhatItMayDoAndARefusalChangesNothing() throws Exception {
        Path alice = node.scramClient("alice", "alice-secret");
        CliRun created = skein(alice, "topics", "create", "alice-orders");
        assertEquals(0, created.exitCode(), created.err());
        assertTrue(exists("alice-orders"));

        Path bob = node.scramClient("bob", "bob-secret");
        CliRun refused = skein(bob, "topics", "create", "bob-orders");
        assertEquals(1, refused.exitCode(), refused.out());
        assertTrue(refused.err().contains("Error: TOPIC_AUTHORIZATION_FAILED: User:bob may not CreateTopics: it needs "
                + "CREATE on topic 'bob-orders'"), refused.err());
        assertNull(node.node().image().topic("bob-orders"), "nothing created");
        CliRun notShown = skein(bob, "topics", "list", "-o", "json");
        assertEquals(0, notShown.exitCode(), notShown.err());
        assertFalse(notShown.out().contains("alice-orders"), "a topic bob may not describe is not listed: "
                + notShown.out());

        node.allow("User:bob", ResourceType.TOPIC, "bob-orders", PatternType.LITERAL, AclOperation.CREATE);
        CliRun granted = skein(bob, "topics", "create", "bob-orders");
        assertEquals(0, granted.exitCode(), granted.err());
        assertTrue(exists("bob-orders"));
    }

    @Test
    void aWrongPasswordOrAnUnknownUserIsUnauthenticatedAlike() throws Exception {
        for (Path wrong : new Path[] {node.scramClient("alice", "not-her-secret"),
                node.scramClient("mallory", "alice-secret")}) {
            CliRun refused = skein(wrong, "topics", "create", "alice-by-guess", "-o", "json");
            assertEquals(1, refused.exitCode(), refused.err());
            JsonNode error = JSON.readTree(refused.out()).get("error");
            assertEquals("UNAUTHENTICATED", error.get("code").asText(), refused.out());
            assertEquals("SASL_AUTHENTICATION_FAILED", error.get("reason").asText(), refused.out());
            assertEquals("Authentication failed: invalid user name or password", error.get("message").asText());
        }
        assertNull(node.node().image().topic("alice-by-guess"));
    }

    @Test
    void withoutCredentialsOrCertificateTheCallerIsAnonymous() {
        CliRun refused = skein(node.certificateClient(null), "topics", "create", "anonymous-orders");
        assertEquals(1, refused.exitCode(), refused.out());
        assertTrue(refused.err().contains("User:ANONYMOUS may not CreateTopics"), refused.err());
        assertNull(node.node().image().topic("anonymous-orders"));
    }

    @Test
    void aClientCertificatesNameIsThePrincipalItsAclsName() {
        Path carol = node.certificateClient("carol");
        CliRun created = skein(carol, "topics", "create", "carol-orders");
        assertEquals(0, created.exitCode(), created.err());
        CliRun described = skein(carol, "topics", "describe", "carol-orders");
        assertEquals(0, described.exitCode(), described.err());
        CliRun refused = skein(carol, "cluster", "health");
        assertEquals(1, refused.exitCode(), refused.out());
        assertTrue(refused.err().contains("User:CN=carol may not"), refused.err());
        assertNotNull(node.node().image().topic("carol-orders"));
    }

    @Test
    void aPasswordIsSentInClearOnlyToLoopback() throws Exception {
        Path clear = dir.resolve("clear.properties");
        Files.writeString(clear, "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-256\n"
                + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
                + "username=\"alice\" password=\"alice-secret\";\n");
        CliRun refused = CliRun.skein("topics", "list", "--admin", "192.0.2.1:9093", "--command-config",
                clear.toString());
        assertEquals(2, refused.exitCode(), refused.out());
        assertTrue(refused.err().contains("security.protocol=SASL_PLAINTEXT would send the password in clear to "
                + "192.0.2.1:9093"), refused.err());
    }
}
