package io.skein.metadata.controller;

import static io.skein.metadata.controller.TestImages.apply;
import static io.skein.metadata.controller.TestImages.brokers;
import static io.skein.metadata.controller.TestImages.image;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.ByteString;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.ScramCredentialData;
import io.skein.proto.controller.AlterUserScramCredentialsRequest;
import io.skein.proto.controller.AlterUserScramCredentialsResponse;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.ScramCredentialDeletion;
import io.skein.proto.controller.ScramCredentialUpsertion;
import io.skein.proto.controller.UserScramCredentialsResult;
import io.skein.proto.metadata.ScramMechanism;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** SCRAM credentials with Kafka's rules, from records alone. */
class ScramControlManagerTest {
    private static final ByteString SALT = ByteString.copyFromUtf8("a salt of some bytes");
    private static final ByteString SALTED = ByteString.copyFromUtf8("the password, salted and hashed");

    private final ScramControlManager scram = new ScramControlManager();

    private static ScramCredentialUpsertion upsert(String user, ScramMechanism mechanism, int iterations) {
        return ScramCredentialUpsertion.newBuilder().setName(user).setMechanism(mechanism).setIterations(iterations)
                .setSalt(SALT).setSaltedPassword(SALTED).build();
    }

    private static ScramCredentialDeletion delete(String user, ScramMechanism mechanism) {
        return ScramCredentialDeletion.newBuilder().setName(user).setMechanism(mechanism).build();
    }

    private ControllerResult<AlterUserScramCredentialsResponse> alter(MetadataImage view, Object... changes) {
        AlterUserScramCredentialsRequest.Builder request = AlterUserScramCredentialsRequest.newBuilder();
        for (Object change : changes) {
            if (change instanceof ScramCredentialDeletion deletion) {
                request.addDeletions(deletion);
            } else {
                request.addUpsertions((ScramCredentialUpsertion) change);
            }
        }
        return scram.alterCredentials(view, request.build());
    }

    private static Map<String, ErrorCode> codes(ControllerResult<AlterUserScramCredentialsResponse> result) {
        Map<String, ErrorCode> codes = new LinkedHashMap<>();
        for (UserScramCredentialsResult user : result.response().getResultsList()) {
            codes.put(user.getUser(), user.getError().getCode());
        }
        return codes;
    }

    /** RFC 5802's keys, computed here with the JDK alone. */
    private static byte[] hmac(String algorithm, byte[] key, String text) throws Exception {
        Mac mac = Mac.getInstance(algorithm);
        mac.init(new SecretKeySpec(key, algorithm));
        return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anUpsertionKeepsTheSaltAndTheKeysDerivedFromTheSaltedPasswordNeverThePassword() throws Exception {
        MetadataImage view = image(brokers(1));
        ControllerResult<AlterUserScramCredentialsResponse> result = alter(view,
                upsert("alice", ScramMechanism.SCRAM_SHA_512, 8192), upsert("bob", ScramMechanism.SCRAM_SHA_256, 4096));

        assertEquals(Map.of("alice", ErrorCode.NONE, "bob", ErrorCode.NONE), codes(result));
        MetadataImage after = apply(view, result);
        ScramCredentialData alice = after.scramCredential("alice", ScramMechanism.SCRAM_SHA_512);
        assertEquals(SALT, alice.salt());
        assertEquals(8192, alice.iterations());
        byte[] salted = SALTED.toByteArray();
        assertArrayEquals(MessageDigest.getInstance("SHA-512").digest(hmac("HmacSHA512", salted, "Client Key")),
                alice.storedKey().toByteArray());
        assertArrayEquals(hmac("HmacSHA512", salted, "Server Key"), alice.serverKey().toByteArray());
        ScramCredentialData bob = after.scramCredential("bob", ScramMechanism.SCRAM_SHA_256);
        assertArrayEquals(hmac("HmacSHA256", salted, "Server Key"), bob.serverKey().toByteArray());
        assertNull(after.scramCredential("bob", ScramMechanism.SCRAM_SHA_512));
    }

    @Test
    void aUserNamedTwiceInOneRequestGetsNoneOfItsChangesAndOthersGoThrough() {
        MetadataImage view = apply(image(brokers(1)), alter(image(brokers(1)),
                upsert("carol", ScramMechanism.SCRAM_SHA_256, 4096)));
        ControllerResult<AlterUserScramCredentialsResponse> result = alter(view,
                delete("carol", ScramMechanism.SCRAM_SHA_256), upsert("carol", ScramMechanism.SCRAM_SHA_512, 4096),
                upsert("alice", ScramMechanism.SCRAM_SHA_256, 4096), upsert("alice", ScramMechanism.SCRAM_SHA_512, 4096),
                upsert("dave", ScramMechanism.SCRAM_SHA_512, 4096));

        assertEquals(Map.of("carol", ErrorCode.DUPLICATE_RESOURCE, "alice", ErrorCode.DUPLICATE_RESOURCE,
                "dave", ErrorCode.NONE), codes(result));
        assertEquals(1, result.records().size(), result.records().toString());
        MetadataImage after = apply(view, result);
        assertEquals(view.scramCredentials().get("carol"), after.scramCredentials().get("carol"), "not deleted");
        assertNull(after.scramCredentials().get("alice"));
        assertEquals(4096, after.scramCredential("dave", ScramMechanism.SCRAM_SHA_512).iterations());
    }

    @Test
    void namesMechanismsAndIterationsAreCheckedAsKafkaChecksThem() {
        MetadataImage view = image(brokers(1));
        ControllerResult<AlterUserScramCredentialsResponse> result = alter(view,
                upsert("", ScramMechanism.SCRAM_SHA_256, 4096),
                upsert("unknown", ScramMechanism.SCRAM_MECHANISM_UNKNOWN, 4096),
                upsert("few", ScramMechanism.SCRAM_SHA_256, 4095), upsert("least", ScramMechanism.SCRAM_SHA_256, 4096),
                upsert("most", ScramMechanism.SCRAM_SHA_512, 16384), upsert("many", ScramMechanism.SCRAM_SHA_512, 16385),
                upsert("unsalted", ScramMechanism.SCRAM_SHA_512, 4096).toBuilder().clearSalt().build(),
                delete("", ScramMechanism.SCRAM_SHA_512));

        Map<String, ErrorCode> codes = codes(result);
        assertEquals(ErrorCode.DUPLICATE_RESOURCE, codes.get(""), "the empty name, named twice");
        assertEquals(ErrorCode.UNSUPPORTED_SASL_MECHANISM, codes.get("unknown"));
        assertEquals(ErrorCode.UNACCEPTABLE_CREDENTIAL, codes.get("few"));
        assertEquals(ErrorCode.NONE, codes.get("least"));
        assertEquals(ErrorCode.NONE, codes.get("most"));
        assertEquals(ErrorCode.UNACCEPTABLE_CREDENTIAL, codes.get("many"));
        assertEquals(ErrorCode.UNACCEPTABLE_CREDENTIAL, codes.get("unsalted"));
        assertEquals(2, result.records().size());

        assertEquals(Map.of("", ErrorCode.UNACCEPTABLE_CREDENTIAL), codes(alter(view, upsert("",
                ScramMechanism.SCRAM_SHA_256, 4096))), "Username must not be empty");
        assertEquals("Too few iterations", alter(view, upsert("few", ScramMechanism.SCRAM_SHA_256, 1))
                .response().getResults(0).getError().getMessage());
    }

    @Test
    void onlyAnExistingCredentialCanBeDeleted() {
        MetadataImage view = apply(image(brokers(1)), alter(image(brokers(1)),
                upsert("erin", ScramMechanism.SCRAM_SHA_256, 4096)));

        ControllerResult<AlterUserScramCredentialsResponse> missing = alter(view,
                delete("erin", ScramMechanism.SCRAM_SHA_512), delete("nobody", ScramMechanism.SCRAM_SHA_256));
        assertEquals(Map.of("erin", ErrorCode.RESOURCE_NOT_FOUND, "nobody", ErrorCode.RESOURCE_NOT_FOUND),
                codes(missing));
        assertEquals(0, missing.records().size());

        ControllerResult<AlterUserScramCredentialsResponse> deleted = alter(view,
                delete("erin", ScramMechanism.SCRAM_SHA_256));
        assertEquals(Map.of("erin", ErrorCode.NONE), codes(deleted));
        assertNull(apply(view, deleted).scramCredentials().get("erin"));
    }
}
