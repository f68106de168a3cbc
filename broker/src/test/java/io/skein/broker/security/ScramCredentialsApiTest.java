package io.skein.broker.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.ChildJvm;
import io.skein.testing.KafkaTools;
import io.skein.testing.TestNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.common.errors.DuplicateResourceException;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.errors.UnacceptableCredentialException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * AlterUserScramCredentials and DescribeUserScramCredentials through kafka-clients' Admin and Kafka's
 * own {@code kafka-configs.sh}, with Kafka's errors, each change read back at once from the broker
 * that made it.
 */
@Timeout(300)
class ScramCredentialsApiTest {
    @TempDir
    static Path dir;
    static TestNode node;
    static Admin admin;

    @BeforeAll
    static void startNode() throws Exception {
        node = TestNode.start(dir);
        admin = Admin.create(Map.of("bootstrap.servers", node.bootstrap()));
    }

    @AfterAll
    static void stopNode() {
        admin.close();
        node.close();
    }

    private static UserScramCredentialUpsertion upsert(String user, ScramMechanism mechanism, int iterations) {
        return new UserScramCredentialUpsertion(user, new ScramCredentialInfo(mechanism, iterations), "secret-" + user);
    }

    /** What altering {@code user} alone in {@code alterations} failed with, or null. */
    private static Throwable failure(Map<String, ? extends java.util.concurrent.Future<Void>> results, String user)
            throws InterruptedException {
        try {
            results.get(user).get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    @Test
    void credentialsAreSetDescribedAndDeletedAndReadBackAtOnce() throws Exception {
        admin.alterUserScramCredentials(List.of(upsert("alice", ScramMechanism.SCRAM_SHA_256, 8192))).all().get();
        admin.alterUserScramCredentials(List.of(upsert("alice", ScramMechanism.SCRAM_SHA_512, 4096),
                upsert("bob", ScramMechanism.SCRAM_SHA_512, 16384))).all().get();

        UserScramCredentialsDescription alice = admin.describeUserScramCredentials(List.of("alice")).description("alice")
                .get();
        assertEquals(Map.of(ScramMechanism.SCRAM_SHA_256, 8192, ScramMechanism.SCRAM_SHA_512, 4096),
                alice.credentialInfos().stream().collect(java.util.stream.Collectors.toMap(
                        ScramCredentialInfo::mechanism, ScramCredentialInfo::iterations)));
        assertTrue(admin.describeUserScramCredentials().users().get().containsAll(List.of("alice", "bob")));

        admin.alterUserScramCredentials(List.of(new UserScramCredentialDeletion("bob", ScramMechanism.SCRAM_SHA_512)))
                .all().get();
        ExecutionException gone = assertThrows(ExecutionException.class,
                () -> admin.describeUserScramCredentials(List.of("bob")).description("bob").get());
        assertInstanceOf(ResourceNotFoundException.class, gone.getCause());
    }

    @Test
    void changesAreRefusedWithKafkasErrorsEachUserOnItsOwn() throws Exception {
        List<UserScramCredentialAlteration> alterations = List.of(
                upsert("", ScramMechanism.SCRAM_SHA_256, 4096),
                upsert("few", ScramMechanism.SCRAM_SHA_256, 4095),
                upsert("many", ScramMechanism.SCRAM_SHA_512, 16385),
                new UserScramCredentialDeletion("nobody", ScramMechanism.SCRAM_SHA_256),
                upsert("twice", ScramMechanism.SCRAM_SHA_256, 4096), upsert("twice", ScramMechanism.SCRAM_SHA_512, 4096),
                upsert("fine", ScramMechanism.SCRAM_SHA_256, 4096));
        var results = admin.alterUserScramCredentials(alterations).values();

        assertInstanceOf(UnacceptableCredentialException.class, failure(results, ""));
        assertInstanceOf(UnacceptableCredentialException.class, failure(results, "few"));
        assertInstanceOf(UnacceptableCredentialException.class, failure(results, "many"));
        assertInstanceOf(ResourceNotFoundException.class, failure(results, "nobody"));
        assertInstanceOf(DuplicateResourceException.class, failure(results, "twice"));
        assertEquals(null, failure(results, "fine"));
        assertEquals(List.of("fine"), admin.describeUserScramCredentials(List.of("fine")).users().get());
        ExecutionException missing = assertThrows(ExecutionException.class,
                () -> admin.describeUserScramCredentials(List.of("twice")).description("twice").get());
        assertInstanceOf(ResourceNotFoundException.class, missing.getCause());
    }

    private static String configs(String... args) throws Exception {
        return KafkaTools.succeeded(KafkaTools.run(node.bootstrap(), null, "kafka.admin.ConfigCommand", args));
    }

    @Test
    void kafkaConfigsAddsDescribesAndDeletesAUsersCredentials() throws Exception {
        String added = configs("--alter", "--add-config", "SCRAM-SHA-256=[iterations=5000,password=tool-secret]",
                "--entity-type", "users", "--entity-name", "carol");
        assertTrue(added.contains("Completed updating config for user carol."), added);
        configs("--alter", "--add-config", "SCRAM-SHA-512=[password=tool-secret]", "--entity-type", "users",
                "--entity-name", "carol");
        // As in Kafka's KRaft mode: one request names the user twice, once per mechanism.
        ChildJvm.Result both = KafkaTools.run(node.bootstrap(), null, "kafka.admin.ConfigCommand", "--alter",
                "--add-config", "SCRAM-SHA-256=[password=a],SCRAM-SHA-512=[password=b]", "--entity-type", "users",
                "--entity-name", "carol");
        assertTrue(both.exitCode() != 0 && both.output().contains("DuplicateResourceException"), both.output());

        String described = configs("--describe", "--entity-type", "users", "--entity-name", "carol");
        assertTrue(described.contains("SCRAM-SHA-256=iterations=5000"), described);
        assertTrue(described.contains("SCRAM-SHA-512=iterations=4096"), described);

        configs("--alter", "--delete-config", "SCRAM-SHA-256", "--entity-type", "users", "--entity-name", "carol");
        String after = configs("--describe", "--entity-type", "users", "--entity-name", "carol");
        assertTrue(!after.contains("SCRAM-SHA-256") && after.contains("SCRAM-SHA-512=iterations=4096"), after);
        ChildJvm.Result missing = KafkaTools.run(node.bootstrap(), null, "kafka.admin.ConfigCommand", "--alter",
                "--delete-config", "SCRAM-SHA-256", "--entity-type", "users", "--entity-name", "carol");
        assertTrue(missing.exitCode() != 0 && missing.output().contains("ResourceNotFoundException"), missing.output());
    }
}
