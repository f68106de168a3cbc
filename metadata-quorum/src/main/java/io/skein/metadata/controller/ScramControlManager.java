package io.skein.metadata.controller;

import static io.skein.metadata.controller.ControllerErrors.error;
import static io.skein.metadata.controller.ControllerErrors.none;

import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.ImageRecords;
import io.skein.proto.controller.AlterUserScramCredentialsRequest;
import io.skein.proto.controller.AlterUserScramCredentialsResponse;
import io.skein.proto.controller.Error;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.ScramCredentialDeletion;
import io.skein.proto.controller.ScramCredentialUpsertion;
import io.skein.proto.controller.UserScramCredentialsResult;
import io.skein.proto.metadata.MetadataRecord;
import io.skein.proto.metadata.RemoveUserScramCredentialRecord;
import io.skein.proto.metadata.ScramMechanism;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Users' SCRAM credentials (KIP-554), with Kafka's rules: a user may be named once per request (else
 * DUPLICATE_RESOURCE), needs a name (UNACCEPTABLE_CREDENTIAL) and a known mechanism
 * (UNSUPPORTED_SASL_MECHANISM); a credential is salted with 4096 to 16384 iterations
 * (UNACCEPTABLE_CREDENTIAL); only an existing credential can be deleted (RESOURCE_NOT_FOUND). Each user
 * succeeds or fails on its own; the records of those that succeed are written together.
 */
final class ScramControlManager {
    /** The fewest iterations Kafka accepts for SHA-256 and SHA-512 alike, and the most. */
    static final int MIN_ITERATIONS = 4096;
    static final int MAX_ITERATIONS = 16384;

    ControllerResult<AlterUserScramCredentialsResponse> alterCredentials(MetadataImage view,
                                                                         AlterUserScramCredentialsRequest request) {
        Map<String, ScramCredentialDeletion> deletions = new LinkedHashMap<>();
        Map<String, ScramCredentialUpsertion> upsertions = new LinkedHashMap<>();
        Map<String, Error> results = new LinkedHashMap<>(); // every user named, in the request's order
        for (ScramCredentialDeletion deletion : request.getDeletionsList()) {
            String user = deletion.getName();
            if (results.containsKey(user)) {
                duplicate(user, results, deletions, upsertions);
                continue;
            }
            Error problem = problemWithDeletion(view, deletion);
            results.put(user, problem);
            if (problem.getCode() == ErrorCode.NONE) {
                deletions.put(user, deletion);
            }
        }
        for (ScramCredentialUpsertion upsertion : request.getUpsertionsList()) {
            String user = upsertion.getName();
            if (results.containsKey(user)) {
                duplicate(user, results, deletions, upsertions);
                continue;
            }
            Error problem = problemWithUpsertion(upsertion);
            results.put(user, problem);
            if (problem.getCode() == ErrorCode.NONE) {
                upsertions.put(user, upsertion);
            }
        }
        List<MetadataRecord> records = new ArrayList<>();
        deletions.values().forEach(deletion -> records.add(MetadataRecord.newBuilder().setRemoveUserScramCredential(
                RemoveUserScramCredentialRecord.newBuilder().setName(deletion.getName())
                        .setMechanism(deletion.getMechanism())).build()));
        upsertions.values().forEach(upsertion -> records.add(ImageRecords.scramCredentialRecord(upsertion.getName(),
                upsertion.getMechanism(), ScramKeys.derive(upsertion.getMechanism(), upsertion.getSalt(),
                        upsertion.getSaltedPassword(), upsertion.getIterations()))));
        AlterUserScramCredentialsResponse.Builder response = AlterUserScramCredentialsResponse.newBuilder()
                .setError(none());
        results.forEach((user, error) -> response.addResults(UserScramCredentialsResult.newBuilder().setUser(user)
                .setError(error)));
        return ControllerResult.of(records, response.build());
    }

    /** A second change of {@code user} in one request: none of its changes is made. */
    private static void duplicate(String user, Map<String, Error> results, Map<String, ScramCredentialDeletion> deletions,
                                  Map<String, ScramCredentialUpsertion> upsertions) {
        deletions.remove(user);
        upsertions.remove(user);
        results.put(user, error(ErrorCode.DUPLICATE_RESOURCE, "A user credential cannot be altered twice in the same "
                + "request"));
    }

    private static Error problemWithDeletion(MetadataImage view, ScramCredentialDeletion deletion) {
        Error problem = problemWithNameOrMechanism(deletion.getName(), deletion.getMechanism());
        if (problem.getCode() != ErrorCode.NONE) {
            return problem;
        }
        if (view.scramCredential(deletion.getName(), deletion.getMechanism()) == null) {
            return error(ErrorCode.RESOURCE_NOT_FOUND, "Attempt to delete a user credential that does not exist");
        }
        return none();
    }

    private static Error problemWithUpsertion(ScramCredentialUpsertion upsertion) {
        Error problem = problemWithNameOrMechanism(upsertion.getName(), upsertion.getMechanism());
        if (problem.getCode() != ErrorCode.NONE) {
            return problem;
        }
        if (upsertion.getIterations() < MIN_ITERATIONS) {
            return error(ErrorCode.UNACCEPTABLE_CREDENTIAL, "Too few iterations");
        }
        if (upsertion.getIterations() > MAX_ITERATIONS) {
            return error(ErrorCode.UNACCEPTABLE_CREDENTIAL, "Too many iterations");
        }
        if (upsertion.getSalt().isEmpty() || upsertion.getSaltedPassword().isEmpty()) {
            return error(ErrorCode.UNACCEPTABLE_CREDENTIAL, "A credential needs a salt and a salted password");
        }
        return none();
    }

    private static Error problemWithNameOrMechanism(String user, ScramMechanism mechanism) {
        if (user.isEmpty()) {
            return error(ErrorCode.UNACCEPTABLE_CREDENTIAL, "Username must not be empty");
        }
        if (mechanism != ScramMechanism.SCRAM_SHA_256 && mechanism != ScramMechanism.SCRAM_SHA_512) {
            return error(ErrorCode.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism");
        }
        return none();
    }
}
