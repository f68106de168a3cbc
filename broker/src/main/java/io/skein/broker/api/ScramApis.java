package io.skein.broker.api;

import com.google.protobuf.ByteString;
import io.skein.broker.metadata.ControllerRequests;
import io.skein.broker.metadata.ScramAdmin;
import io.skein.broker.network.RequestContext;
import io.skein.broker.security.Authorization;
import io.skein.broker.util.Futures;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.ScramCredentialData;
import io.skein.proto.controller.AlterUserScramCredentialsRequest;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.controller.ScramCredentialDeletion;
import io.skein.proto.controller.ScramCredentialUpsertion;
import io.skein.proto.controller.UserScramCredentialsResult;
import io.skein.proto.metadata.ScramMechanism;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData.UserName;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.CredentialInfo;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * AlterUserScramCredentials, made by the active controller and answered once this broker's metadata
 * shows it, and DescribeUserScramCredentials, answered from this broker's metadata, as Kafka's
 * brokers answer it from theirs; as in Kafka, they need ALTER and DESCRIBE on the cluster. Mechanisms
 * travel as Kafka's type bytes, which the metadata's {@link ScramMechanism} numbers alike.
 */
final class ScramApis {
    private final ClusterView cluster;
    private final ScramAdmin scram;
    private final Authorization authorization;

    ScramApis(ClusterView cluster, ScramAdmin scram, Authorization authorization) {
        this.cluster = cluster;
        this.scram = scram;
        this.authorization = authorization;
    }

    CompletableFuture<ApiMessage> alterUserScramCredentials(RequestContext context) {
        AlterUserScramCredentialsRequestData request = (AlterUserScramCredentialsRequestData) context.request().data();
        if (!authorization.authorizeCluster(context, AclOperation.ALTER)) {
            return CompletableFuture.completedFuture(context.request().errorResponse(
                    new ClusterAuthorizationException("Cluster authorization failed")));
        }
        AlterUserScramCredentialsRequest.Builder asked = AlterUserScramCredentialsRequest.newBuilder();
        request.deletions().forEach(deletion -> asked.addDeletions(ScramCredentialDeletion.newBuilder()
                .setName(deletion.name()).setMechanismValue(deletion.mechanism())));
        request.upsertions().forEach(upsertion -> asked.addUpsertions(ScramCredentialUpsertion.newBuilder()
                .setName(upsertion.name()).setMechanismValue(upsertion.mechanism())
                .setIterations(upsertion.iterations()).setSalt(ByteString.copyFrom(upsertion.salt()))
                .setSaltedPassword(ByteString.copyFrom(upsertion.saltedPassword()))));
        AlterUserScramCredentialsResponseData response = new AlterUserScramCredentialsResponseData();
        return scram.alter(asked.build()).handle((altered, failure) -> {
            Throwable cause = failure != null ? Futures.cause(failure)
                    : altered.getError().getCode() != ErrorCode.NONE ? ControllerRequests.exception(altered.getError())
                    : null;
            if (cause != null) { // no controller answered, or it refused the whole request: every user failed
                Set<String> users = new LinkedHashSet<>();
                request.deletions().forEach(deletion -> users.add(deletion.name()));
                request.upsertions().forEach(upsertion -> users.add(upsertion.name()));
                users.forEach(user -> response.results().add(new AlterUserScramCredentialsResult().setUser(user)
                        .setErrorCode(Errors.forException(cause).code()).setErrorMessage(cause.getMessage())));
                return response;
            }
            for (UserScramCredentialsResult result : altered.getResultsList()) {
                Errors code = ControllerRequests.kafkaError(result.getError());
                response.results().add(new AlterUserScramCredentialsResult().setUser(result.getUser())
                        .setErrorCode(code.code())
                        .setErrorMessage(code == Errors.NONE ? null : result.getError().getMessage()));
            }
            return response;
        });
    }

    /**
     * Kafka's answer: every user when none is named; a user named twice is DUPLICATE_RESOURCE, one
     * with no credential RESOURCE_NOT_FOUND.
     */
    CompletableFuture<ApiMessage> describeUserScramCredentials(RequestContext context) {
        DescribeUserScramCredentialsRequestData request =
                (DescribeUserScramCredentialsRequestData) context.request().data();
        if (!authorization.authorizeCluster(context, AclOperation.DESCRIBE)) {
            return CompletableFuture.completedFuture(context.request().errorResponse(
                    new ClusterAuthorizationException("Cluster authorization failed")));
        }
        MetadataImage image = cluster.image();
        Map<String, Boolean> named = new LinkedHashMap<>(); // user: named more than once
        if (request.users() == null || request.users().isEmpty()) {
            new TreeMap<>(image.scramCredentials()).keySet().forEach(user -> named.put(user, false));
        } else {
            for (UserName user : request.users()) {
                named.put(user.name(), named.containsKey(user.name()));
            }
        }
        DescribeUserScramCredentialsResponseData response = new DescribeUserScramCredentialsResponseData();
        named.forEach((user, twice) -> {
            DescribeUserScramCredentialsResult result = new DescribeUserScramCredentialsResult().setUser(user);
            Map<ScramMechanism, ScramCredentialData> credentials = image.scramCredentials().get(user);
            if (twice) {
                result.setErrorCode(Errors.DUPLICATE_RESOURCE.code()).setErrorMessage(
                        "Cannot describe SCRAM credentials for the same user twice in a single request: " + user);
            } else if (credentials == null) {
                result.setErrorCode(Errors.RESOURCE_NOT_FOUND.code()).setErrorMessage(
                        "Attempt to describe a user credential that does not exist: " + user);
            } else {
                new TreeMap<>(credentials).forEach((mechanism, credential) -> result.credentialInfos().add(
                        new CredentialInfo().setMechanism((byte) mechanism.getNumber())
                                .setIterations(credential.iterations())));
            }
            response.results().add(result);
        });
        return CompletableFuture.completedFuture(response);
    }
}
