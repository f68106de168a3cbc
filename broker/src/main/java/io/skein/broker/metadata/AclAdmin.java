package io.skein.broker.metadata;

import io.skein.metadata.controller.AclMessages;
import io.skein.metadata.image.Acl;
import io.skein.metadata.image.MetadataImage;
import io.skein.node.NodeConfig;
import io.skein.proto.controller.AclBinding;
import io.skein.proto.controller.CreateAclsRequest;
import io.skein.proto.controller.CreateAclsResponse;
import io.skein.proto.controller.DeleteAclsRequest;
import io.skein.proto.controller.DeleteAclsResponse;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.errors.SecurityDisabledException;

/**
 * ACL changes, made by the active controller, and ACLs as this broker's metadata has them, for the
 * Kafka API and the admin API alike. A change answers once it is committed and, within {@code waitMs},
 * visible in this broker's metadata (and so to its authorizer), so that the client's next request here
 * sees it; past {@code waitMs} it answers regardless, as the change is committed. As in Kafka, a broker
 * without an authorizer neither changes nor describes ACLs: SECURITY_DISABLED.
 */
public final class AclAdmin {
    /** The order ACLs are listed in: by resource, then by entry. */
    public static final Comparator<Acl> ORDER = Comparator.comparing((Acl acl) -> acl.resourceType().code())
            .thenComparing(Acl::resourceName).thenComparing(acl -> acl.patternType().code())
            .thenComparing(Acl::principal).thenComparing(Acl::host).thenComparing(acl -> acl.operation().code())
            .thenComparing(acl -> acl.permission().code());

    private final ControllerRequests controller;
    private final MetadataWaiter waiter;
    private final boolean enabled;

    /** @param enabled whether this broker authorizes requests ({@code authorizer.class.name}) */
    public AclAdmin(ControllerRequests controller, MetadataWaiter waiter, boolean enabled) {
        this.controller = controller;
        this.waiter = waiter;
        this.enabled = enabled;
    }

    public CompletableFuture<CreateAclsResponse> createAcls(List<AclBinding> acls, long waitMs) {
        if (!enabled) {
            return CompletableFuture.failedFuture(disabled());
        }
        CreateAclsRequest request = CreateAclsRequest.newBuilder().addAllAcls(acls).build();
        return controller.call(client -> client.createAcls(request))
                .thenCompose(response -> waiter.answerWhenShown(response.getMetadataOffset(), waitMs, response));
    }

    public CompletableFuture<DeleteAclsResponse> deleteAcls(List<AclBindingFilter> filters, long waitMs) {
        if (!enabled) {
            return CompletableFuture.failedFuture(disabled());
        }
        DeleteAclsRequest request = DeleteAclsRequest.newBuilder()
                .addAllFilters(filters.stream().map(AclMessages::filter).toList()).build();
        return controller.call(client -> client.deleteAcls(request))
                .thenCompose(response -> waiter.answerWhenShown(response.getMetadataOffset(), waitMs, response));
    }

    /**
     * The ACLs {@code filter} matches in this broker's metadata, ordered by resource and then entry.
     *
     * @throws SecurityDisabledException without an authorizer
     */
    public List<Acl> describeAcls(AclBindingFilter filter) {
        if (!enabled) {
            throw disabled();
        }
        MetadataImage image = waiter.image();
        return image.acls().values().stream().filter(acl -> filter.matches(acl.toBinding())).sorted(ORDER).toList();
    }

    private static SecurityDisabledException disabled() {
        return new SecurityDisabledException("No Authorizer is configured: set " + NodeConfig.AUTHORIZER_CLASS_NAME + "="
                + NodeConfig.STANDARD_AUTHORIZER + " to use ACLs");
    }
}
