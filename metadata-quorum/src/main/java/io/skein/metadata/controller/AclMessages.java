package io.skein.metadata.controller;

import io.skein.metadata.image.Acl;
import io.skein.proto.controller.AclBinding;
import io.skein.proto.controller.AclBindingFilter;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;

/**
 * ACLs and ACL filters between the controller's messages and kafka-clients' classes, whose codes the
 * messages carry: for the controller, and for the brokers that call it.
 */
public final class AclMessages {
    private AclMessages() {
    }

    public static Acl acl(AclBinding binding) {
        return new Acl(ResourceType.fromCode(code(binding.getResourceType())), binding.getResourceName(),
                PatternType.fromCode(code(binding.getPatternType())), binding.getPrincipal(), binding.getHost(),
                AclOperation.fromCode(code(binding.getOperation())),
                AclPermissionType.fromCode(code(binding.getPermissionType())));
    }

    public static AclBinding binding(Acl acl) {
        return AclBinding.newBuilder().setResourceType(acl.resourceType().code()).setResourceName(acl.resourceName())
                .setPatternType(acl.patternType().code()).setPrincipal(acl.principal()).setHost(acl.host())
                .setOperation(acl.operation().code()).setPermissionType(acl.permission().code()).build();
    }

    public static org.apache.kafka.common.acl.AclBindingFilter filter(AclBindingFilter filter) {
        return new org.apache.kafka.common.acl.AclBindingFilter(
                new ResourcePatternFilter(ResourceType.fromCode(code(filter.getResourceType())),
                        filter.hasResourceName() ? filter.getResourceName() : null,
                        PatternType.fromCode(code(filter.getPatternType()))),
                new AccessControlEntryFilter(filter.hasPrincipal() ? filter.getPrincipal() : null,
                        filter.hasHost() ? filter.getHost() : null,
                        AclOperation.fromCode(code(filter.getOperation())),
                        AclPermissionType.fromCode(code(filter.getPermissionType()))));
    }

    public static AclBindingFilter filter(org.apache.kafka.common.acl.AclBindingFilter filter) {
        AclBindingFilter.Builder message = AclBindingFilter.newBuilder()
                .setResourceType(filter.patternFilter().resourceType().code())
                .setPatternType(filter.patternFilter().patternType().code())
                .setOperation(filter.entryFilter().operation().code())
                .setPermissionType(filter.entryFilter().permissionType().code());
        if (filter.patternFilter().name() != null) {
            message.setResourceName(filter.patternFilter().name());
        }
        if (filter.entryFilter().principal() != null) {
            message.setPrincipal(filter.entryFilter().principal());
        }
        if (filter.entryFilter().host() != null) {
            message.setHost(filter.entryFilter().host());
        }
        return message.build();
    }

    /** A Kafka code as a byte; a value no byte holds is no code Kafka knows (0, UNKNOWN, in every enumeration). */
    private static byte code(int value) {
        return value == (byte) value ? (byte) value : 0;
    }
}
