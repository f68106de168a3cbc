package io.skein.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.testing.SecuredNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console and the HTTP endpoints of a real node with Kafka's authorizer, over HTTPS with the JDK's
 * HTTP client: HTTP Basic credentials of a SCRAM user, a client certificate, or neither, each allowed
 * the pages and actions its ACLs allow (as the admin API's methods would be) and refused the rest
 * (403, or 401 asking to log in), with nothing changed; a wrong password is 401; metrics are anyone's.
 */
@Timeout(300)
class ConsoleLoginTest {
    @TempDir
    static Path dir;
    static SecuredNode node;
    static SSLContext noCertificate;

    @BeforeAll
    static void startNode() throws Exception {
        node = SecuredNode.start(dir, Map.of());
        node.allow("User:alice", ResourceType.TOPIC, "alice-", PatternType.PREFIXED, AclOperation.CREATE,
                AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS);
        node.allow("User:alice", ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.DESCRIBE);
        node.allow("User:CN=carol", ResourceType.TOPIC, "carol-", PatternType.PREFIXED, AclOperation.ALL);
        node.admin().createTopics(List.of(new NewTopic("alice-orders", 1, (short) 1),
                new NewTopic("carol-orders", 1, (short) 1), new NewTopic("payroll", 1, (short) 1))).all().get();
        noCertificate = node.certificates().clientContext(null);
    }

    @AfterAll
    static void stopNode() {
        node.close();
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> get(SSLContext tls, String authorization, String path) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HttpClient.newBuilder().sslContext(tls).build().send(request.build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A form posted as the console's own pages post it (a browser would add Origin: this server). */
    private static HttpResponse<String> post(String authorization, String path, Map<String, String> form)
            throws Exception {
        String body = form.entrySet().stream().map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(),
                StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        HttpRequest request = HttpRequest.newBuilder(uri(path)).header("Authorization", authorization)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HttpClient.newBuilder().sslContext(noCertificate).build().send(request,
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create("https://127.0.0.1:" + node.node().httpPort() + path);
    }

    @Test
    void aUsersPasswordOpensWhatItsAclsAllowAndListsOnlyWhatItMayDescribe() throws Exception {
        String alice = basic("alice", "alice-secret");
        HttpResponse<String> overview = get(noCertificate, alice, "/ui/");
        assertEquals(200, overview.statusCode(), overview.body());
        assertTrue(overview.body().contains("Brokers"), overview.body());
        HttpResponse<String> topics = get(noCertificate, alice, "/ui/topics");
        assertEquals(200, topics.statusCode(), topics.body());
        assertTrue(topics.body().contains("alice-orders"), topics.body());
        assertFalse(topics.body().contains("payroll") || topics.body().contains("carol-orders"), topics.body());
        assertEquals(200, get(noCertificate, alice, "/ui/topic?name=alice-orders").statusCode());
        HttpResponse<String> payroll = get(noCertificate, alice, "/ui/topic?name=payroll");
        assertEquals(403, payroll.statusCode());
        assertTrue(payroll.body().contains("User:alice may not DescribeTopics: it needs DESCRIBE on topic"),
                payroll.body());
    }

    @Test
    void aWrongPasswordIs401WithAChallengeAndSoIsAPageThatNeedsAnAclWithoutOne() throws Exception {
        HttpResponse<String> wrong = get(noCertificate, basic("alice", "guess"), "/ui/topics");
        assertEquals(401, wrong.statusCode(), wrong.body());
        assertEquals("Basic realm=\"Skein\", charset=\"UTF-8\"",
                wrong.headers().firstValue("WWW-Authenticate").orElse(null));
        assertTrue(wrong.body().contains("invalid user name or password"), wrong.body());

        HttpResponse<String> anonymous = get(noCertificate, null, "/ui/");
        assertEquals(401, anonymous.statusCode(), "a browser asks for a user name and password");
        assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic "));
        HttpResponse<String> list = get(noCertificate, null, "/ui/topics");
        assertEquals(200, list.statusCode(), "a list shows what the caller may see: nothing");
        assertFalse(list.body().contains("alice-orders"), list.body());
    }

    @Test
    void aUserWithoutTheAclIsRefusedAndNothingChangesOneWithItActs() throws Exception {
        String bob = basic("bob", "bob-secret");
        HttpResponse<String> overview = get(noCertificate, bob, "/ui/");
        assertEquals(403, overview.statusCode(), "logged in, so no challenge: " + overview.body());
        assertTrue(overview.headers().firstValue("WWW-Authenticate").isEmpty());

        HttpResponse<String> create = post(bob, "/ui/topics/create", Map.of("name", "bob-web", "partitions", "1"));
        assertEquals(403, create.statusCode(), create.body());
        assertNull(node.node().image().topic("bob-web"));
        HttpResponse<String> delete = post(bob, "/ui/topic/delete", Map.of("name", "alice-orders", "confirm", "yes"));
        assertEquals(403, delete.statusCode(), delete.body());
        assertNotNull(node.node().image().topic("alice-orders"));

        HttpResponse<String> created = post(basic("alice", "alice-secret"), "/ui/topics/create",
                Map.of("name", "alice-web", "partitions", "1"));
        assertEquals(303, created.statusCode(), created.body());
        assertNotNull(node.node().image().topic("alice-web"));
    }

    @Test
    void aClientCertificatesNameIsThePrincipalItsAclsName() throws Exception {
        SSLContext carol = node.certificates().clientContext("carol");
        assertEquals(200, get(carol, null, "/ui/topic?name=carol-orders").statusCode());
        HttpResponse<String> refused = get(carol, null, "/ui/topic?name=alice-orders");
        assertEquals(403, refused.statusCode(), "a certificate's holder is no anonymous caller: " + refused.body());
        assertTrue(refused.body().contains("User:CN=carol may not"), refused.body());
    }

    @Test
    void metricsAreAnyonesAndTheHistoryIsAuthorizedAsTheAdminApis() throws Exception {
        assertEquals(200, get(noCertificate, null, "/metrics").statusCode());
        HttpResponse<String> refused = get(noCertificate, basic("bob", "bob-secret"), "/api/overview");
        assertEquals(403, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("CLUSTER_AUTHORIZATION_FAILED"), refused.body());
        assertEquals(200, get(noCertificate, basic("alice", "alice-secret"), "/api/overview").statusCode());
    }
}
