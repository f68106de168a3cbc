package io.skein.broker.admin;

import io.skein.broker.metadata.AclAdmin;
import io.skein.broker.metadata.ControllerRequests;
import io.skein.metadata.controller.AclMessages;
import io.skein.metadata.image.Acl;
import io.skein.proto.admin.AclFilter;
import io.skein.proto.admin.CreateAclsRequest;
import io.skein.proto.admin.CreateAclsResponse;
import io.skein.proto.admin.DeleteAclsRequest;
import io.skein.proto.admin.DeleteAclsResponse;
import io.skein.proto.admin.ListAclsRequest;
import io.skein.proto.admin.ListAclsResponse;
import io.skein.proto.controller.AclBinding;
import io.skein.proto.controller.DeleteAclsResult;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACL RPCs, through this broker's Kafka API's {@code AclAdmin}: the same controller calls, the
 * same reads of this broker's metadata, the same SECURITY_DISABLED without an authorizer. ACLs are
 * named in Kafka's words, any case.
 */
final class AclRpcs {
    private final AdminContext context;

    AclRpcs(AdminContext context) {
        this.context = context;
    }

    ListAclsResponse listAcls(ListAclsRequest request) {
        List<AclBindingFilter> filters = request.getFiltersCount() == 0 ? List.of(AclBindingFilter.ANY)
                : request.getFiltersList().stream().map(AclRpcs::filter).toList();
        Set<Acl> acls = new LinkedHashSet<>();
        filters.forEach(filter -> acls.addAll(context.acls().describeAcls(filter)));
        ListAclsResponse.Builder response = ListAclsResponse.newBuilder();
        acls.stream().sorted(AclAdmin.ORDER).forEach(acl -> response.addAcls(toAdmin(acl)));
        return response.build();
    }

    /** Checks every ACL first, so that a request either adds them all or none. */
    CompletableFuture<CreateAclsResponse> createAcls(CreateAclsRequest request) {
        Set<Acl> acls = new LinkedHashSet<>();
        for (io.skein.proto.admin.Acl asked : request.getAclsList()) {
            Acl acl = fromAdmin(asked);
            acl.problem().ifPresent(problem -> {
                throw new InvalidRequestException(problem + ": " + asked.toString().replace('\n', ' ').trim());
            });
            acls.add(acl);
        }
        List<AclBinding> bindings = acls.stream().map(AclMessages::binding).toList();
        return context.acls().createAcls(bindings, AdminContext.VISIBLE_WITHIN_MS).thenApply(response -> {
            response.getResultsList().forEach(ControllerRequests::throwIfFailed);
            CreateAclsResponse.Builder answer = CreateAclsResponse.newBuilder();
            acls.stream().sorted(AclAdmin.ORDER).forEach(acl -> answer.addAcls(toAdmin(acl)));
            return answer.build();
        });
    }

    CompletableFuture<DeleteAclsResponse> deleteAcls(DeleteAclsRequest request) {
        List<AclBindingFilter> filters = request.getFiltersList().stream().map(AclRpcs::filter).toList();
        return context.acls().deleteAcls(filters, AdminContext.VISIBLE_WITHIN_MS).thenApply(response -> {
            Set<Acl> deleted = new LinkedHashSet<>();
            for (DeleteAclsResult result : response.getResultsList()) {
                ControllerRequests.throwIfFailed(result.getError());
                result.getDeletedList().forEach(binding -> deleted.add(AclMessages.acl(binding)));
            }
            DeleteAclsResponse.Builder answer = DeleteAclsResponse.newBuilder();
            deleted.stream().sorted(AclAdmin.ORDER).forEach(acl -> answer.addDeleted(toAdmin(acl)));
            return answer.build();
        });
    }

    static io.skein.proto.admin.Acl toAdmin(Acl acl) {
        return io.skein.proto.admin.Acl.newBuilder().setResourceType(acl.resourceType().name())
                .setResourceName(acl.resourceName()).setPatternType(acl.patternType().name())
                .setPrincipal(acl.principal()).setHost(acl.host()).setOperation(acl.operation().name())
                .setPermission(acl.permission().name()).build();
    }

    private static Acl fromAdmin(io.skein.proto.admin.Acl acl) {
        return new Acl(named("resource type", acl.getResourceType(), ResourceType::fromString, ResourceType.UNKNOWN),
                acl.getResourceName(),
                named("pattern type", acl.getPatternType(), PatternType::fromString, PatternType.UNKNOWN),
                acl.getPrincipal(), acl.getHost().isEmpty() ? "*" : acl.getHost(),
                named("operation", acl.getOperation(), AclOperation::fromString, AclOperation.UNKNOWN),
                named("permission", acl.getPermission(), AclPermissionType::fromString, AclPermissionType.UNKNOWN));
    }

    private static AclBindingFilter filter(AclFilter filter) {
        return new AclBindingFilter(new ResourcePatternFilter(
                filter.hasResourceType() ? named("resource type", filter.getResourceType(), ResourceType::fromString,
                        ResourceType.UNKNOWN) : ResourceType.ANY,
                filter.hasResourceName() ? filter.getResourceName() : null,
                filter.hasPatternType() ? named("pattern type", filter.getPatternType(), PatternType::fromString,
                        PatternType.UNKNOWN) : PatternType.ANY),
                new AccessControlEntryFilter(filter.hasPrincipal() ? filter.getPrincipal() : null,
                        filter.hasHost() ? filter.getHost() : null,
                        filter.hasOperation() ? named("operation", filter.getOperation(), AclOperation::fromString,
                                AclOperation.UNKNOWN) : AclOperation.ANY,
                        filter.hasPermission() ? named("permission", filter.getPermission(),
                                AclPermissionType::fromString, AclPermissionType.UNKNOWN) : AclPermissionType.ANY));
    }

    /**
     * A Kafka enumeration's value by its name in any of the ways Kafka's tools write it (READ, read,
     * IdempotentWrite, idempotent-write, TRANSACTIONAL_ID); INVALID_REQUEST for a name Kafka does not know.
     */
    private static <E extends Enum<E>> E named(String what, String name, Function<String, E> parse, E unknown) {
        E value = parse.apply(name.trim().replaceAll("([a-z])([A-Z])", "$1_$2").replace('-', '_')
                .toUpperCase(Locale.ROOT));
        if (value == unknown) {
            throw new InvalidRequestException("Unknown " + what + " '" + name + "'");
        }
        return value;
    }
}
