package io.skein.broker.admin;

import io.skein.broker.kafka.ScramPasswords;
import io.skein.broker.metadata.ControllerRequests;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.ScramCredentialData;
import io.skein.proto.admin.AlterUserRequest;
import io.skein.proto.admin.AlterUserResponse;
import io.skein.proto.admin.ListUsersRequest;
import io.skein.proto.admin.ListUsersResponse;
import io.skein.proto.admin.RemoveUserRequest;
import io.skein.proto.admin.RemoveUserResponse;
import io.skein.proto.admin.User;
import io.skein.proto.admin.UserCredential;
import io.skein.proto.controller.AlterUserScramCredentialsRequest;
import io.skein.proto.controller.ScramCredentialDeletion;
import io.skein.proto.controller.ScramCredentialUpsertion;
import io.skein.proto.controller.UserScramCredentialsResult;
import io.skein.proto.metadata.ScramMechanism;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedSaslMechanismException;

/**
 * SCRAM users for the admin API: listed from this broker's metadata, changed through the active
 * controller as the Kafka API changes them (Kafka's rules and errors), and answered once this broker
 * shows the change.
 */
final class UserRpcs {
    private final AdminContext context;

    UserRpcs(AdminContext context) {
        this.context = context;
    }

    ListUsersResponse listUsers(ListUsersRequest request) {
        MetadataImage image = context.image();
        List<String> names = request.getNamesCount() == 0
                ? new TreeMap<>(image.scramCredentials()).keySet().stream().toList() : request.getNamesList();
        ListUsersResponse.Builder response = ListUsersResponse.newBuilder();
        for (String name : names) {
            response.addUsers(user(image, name));
        }
        return response.build();
    }

    CompletableFuture<AlterUserResponse> alterUser(AlterUserRequest request) {
        ScramMechanism mechanism = mechanism(request.getMechanism());
        return alter(AlterUserScramCredentialsRequest.newBuilder().addUpsertions(ScramCredentialUpsertion.newBuilder()
                .setName(request.getName()).setMechanism(mechanism).setIterations(request.getIterations())
                .setSalt(request.getSalt()).setSaltedPassword(request.getSaltedPassword())).build())
                .thenApply(image -> AlterUserResponse.newBuilder().setUser(user(image, request.getName())).build());
    }

    CompletableFuture<RemoveUserResponse> removeUser(RemoveUserRequest request) {
        AlterUserScramCredentialsRequest.Builder deletions = AlterUserScramCredentialsRequest.newBuilder();
        List<ScramMechanism> mechanisms = request.getMechanism().isEmpty()
                ? List.copyOf(context.image().scramCredentials().getOrDefault(request.getName(), Map.of()).keySet())
                : List.of(mechanism(request.getMechanism()));
        if (mechanisms.isEmpty()) {
            throw new ResourceNotFoundException("User '" + request.getName() + "' has no SCRAM credentials");
        }
        mechanisms.forEach(mechanism -> deletions.addDeletions(ScramCredentialDeletion.newBuilder()
                .setName(request.getName()).setMechanism(mechanism)));
        return alter(deletions.build()).thenApply(image -> RemoveUserResponse.getDefaultInstance());
    }

    /** Makes the change; this broker's image once it shows it, or REQUEST_TIMED_OUT. */
    private CompletableFuture<MetadataImage> alter(AlterUserScramCredentialsRequest request) {
        return context.scram().alter(request).thenApply(response -> {
            ControllerRequests.throwIfFailed(response.getError());
            for (UserScramCredentialsResult result : response.getResultsList()) {
                ControllerRequests.throwIfFailed(result.getError());
            }
            MetadataImage image = context.image();
            if (image.offset() < response.getMetadataOffset()) {
                throw new TimeoutException("The change is committed at metadata offset " + response.getMetadataOffset()
                        + ", but this broker's metadata has reached only offset " + image.offset());
            }
            return image;
        });
    }

    private static ScramMechanism mechanism(String name) {
        return ScramPasswords.mechanism(name).orElseThrow(() -> new UnsupportedSaslMechanismException(
                "Unknown SCRAM mechanism '" + name + "': SCRAM-SHA-256 or SCRAM-SHA-512"));
    }

    /** {@code name}'s credentials; RESOURCE_NOT_FOUND if it has none. */
    private static User user(MetadataImage image, String name) {
        Map<ScramMechanism, ScramCredentialData> credentials = image.scramCredentials().get(name);
        if (credentials == null) {
            throw new ResourceNotFoundException("User '" + name + "' has no SCRAM credentials");
        }
        User.Builder user = User.newBuilder().setName(name);
        new TreeMap<>(credentials).forEach((mechanism, credential) -> user.addCredentials(UserCredential.newBuilder()
                .setMechanism(ScramPasswords.name(mechanism)).setIterations(credential.iterations())));
        return user.build();
    }
}
