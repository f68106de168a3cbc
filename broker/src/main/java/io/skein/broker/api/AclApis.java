package io.skein.broker.api;

import io.skein.broker.metadata.AclAdmin;
import io.skein.broker.metadata.ControllerRequests;
import io.skein.broker.network.RequestContext;
import io.skein.broker.security.Authorization;
import io.skein.broker.util.Futures;
import io.skein.metadata.controller.AclMessages;
import io.skein.metadata.image.Acl;
import io.skein.proto.controller.AclBinding;
import io.skein.proto.controller.DeleteAclsResult;
import io.skein.proto.controller.Error;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.message.CreateAclsRequestData.AclCreation;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData.AclCreationResult;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsRequestData.DeleteAclsFilter;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsResponseData.DeleteAclsFilterResult;
import org.apache.kafka.common.message.DeleteAclsResponseData.DeleteAclsMatchingAcl;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.DescribeAclsResponseData.AclDescription;
import org.apache.kafka.common.message.DescribeAclsResponseData.DescribeAclsResource;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;

/**
 * CreateAcls, DescribeAcls and DeleteAcls, as Kafka serves them: CreateAcls and DeleteAcls need ALTER
 * on the cluster and go to the active controller, answering once this broker's metadata (and so its
 * authorizer) shows the change; DescribeAcls needs DESCRIBE on the cluster and answers from this
 * broker's metadata. Without an authorizer each answers SECURITY_DISABLED ({@link AclAdmin}).
 */
final class AclApis {
    private final AclAdmin acls;
    private final Authorization authorization;
    private final long waitMs;

    /** @param waitMs how long a change waits to be shown here before it is answered regardless */
    AclApis(AclAdmin acls, Authorization authorization, long waitMs) {
        this.acls = acls;
        this.authorization = authorization;
        this.waitMs = waitMs;
    }

    CompletableFuture<ApiMessage> createAcls(RequestContext context) {
        if (!authorization.authorizeCluster(context, AclOperation.ALTER)) {
            return Refusals.clusterAuthorizationFailed(context);
        }
        CreateAclsRequestData request = (CreateAclsRequestData) context.request().data();
        List<AclBinding> asked = new ArrayList<>();
        for (AclCreation creation : request.creations()) {
            asked.add(AclBinding.newBuilder().setResourceType(creation.resourceType())
                    .setResourceName(creation.resourceName()).setPatternType(creation.resourcePatternType())
                    .setPrincipal(creation.principal()).setHost(creation.host()).setOperation(creation.operation())
                    .setPermissionType(creation.permissionType()).build());
        }
        return acls.createAcls(asked, waitMs).handle((created, failure) -> {
            if (failure != null) {
                return context.request().errorResponse(Futures.cause(failure));
            }
            CreateAclsResponseData response = new CreateAclsResponseData();
            for (Error result : created.getResultsList()) {
                Errors error = ControllerRequests.kafkaError(result);
                response.results().add(new AclCreationResult().setErrorCode(error.code())
                        .setErrorMessage(error == Errors.NONE ? null : result.getMessage()));
            }
            return response;
        });
    }

    CompletableFuture<ApiMessage> describeAcls(RequestContext context) {
        if (!authorization.authorizeCluster(context, AclOperation.DESCRIBE)) {
            return Refusals.clusterAuthorizationFailed(context);
        }
        DescribeAclsRequestData request = (DescribeAclsRequestData) context.request().data();
        AclBindingFilter filter = filter(request.resourceTypeFilter(), request.resourceNameFilter(),
                request.patternTypeFilter(), request.principalFilter(), request.hostFilter(), request.operation(),
                request.permissionType());
        List<Acl> described;
        try {
            described = acls.describeAcls(filter);
        } catch (SecurityDisabledException e) {
            return Refusals.refused(context, e);
        }
        Map<List<Object>, DescribeAclsResource> resources = new LinkedHashMap<>();
        for (Acl acl : described) {
            resources.computeIfAbsent(List.of(acl.resourceType(), acl.resourceName(), acl.patternType()),
                    key -> new DescribeAclsResource().setResourceType(acl.resourceType().code())
                            .setResourceName(acl.resourceName()).setPatternType(acl.patternType().code()))
                    .acls().add(new AclDescription().setPrincipal(acl.principal()).setHost(acl.host())
                            .setOperation(acl.operation().code()).setPermissionType(acl.permission().code()));
        }
        return CompletableFuture.completedFuture(new DescribeAclsResponseData()
                .setResources(new ArrayList<>(resources.values())));
    }

    CompletableFuture<ApiMessage> deleteAcls(RequestContext context) {
        if (!authorization.authorizeCluster(context, AclOperation.ALTER)) {
            return Refusals.clusterAuthorizationFailed(context);
        }
        DeleteAclsRequestData request = (DeleteAclsRequestData) context.request().data();
        List<AclBindingFilter> filters = new ArrayList<>();
        for (DeleteAclsFilter filter : request.filters()) {
            filters.add(filter(filter.resourceTypeFilter(), filter.resourceNameFilter(), filter.patternTypeFilter(),
                    filter.principalFilter(), filter.hostFilter(), filter.operation(), filter.permissionType()));
        }
        return acls.deleteAcls(filters, waitMs).handle((deleted, failure) -> {
            if (failure != null) {
                return context.request().errorResponse(Futures.cause(failure));
            }
            DeleteAclsResponseData response = new DeleteAclsResponseData();
            for (DeleteAclsResult result : deleted.getResultsList()) {
                Errors error = ControllerRequests.kafkaError(result.getError());
                DeleteAclsFilterResult filterResult = new DeleteAclsFilterResult().setErrorCode(error.code())
                        .setErrorMessage(error == Errors.NONE ? null : result.getError().getMessage());
                for (AclBinding binding : result.getDeletedList()) {
                    Acl acl = AclMessages.acl(binding);
                    filterResult.matchingAcls().add(new DeleteAclsMatchingAcl().setResourceType(acl.resourceType().code())
                            .setResourceName(acl.resourceName()).setPatternType(acl.patternType().code())
                            .setPrincipal(acl.principal()).setHost(acl.host()).setOperation(acl.operation().code())
                            .setPermissionType(acl.permission().code()));
                }
                response.filterResults().add(filterResult);
            }
            return response;
        });
    }

    private static AclBindingFilter filter(byte resourceType, String resourceName, byte patternType, String principal,
                                           String host, byte operation, byte permission) {
        return new AclBindingFilter(new ResourcePatternFilter(ResourceType.fromCode(resourceType), resourceName,
                PatternType.fromCode(patternType)), new AccessControlEntryFilter(principal, host,
                AclOperation.fromCode(operation), AclPermissionType.fromCode(permission)));
    }
}
