package io.skein.metadata.image;

import io.skein.proto.Uuids;
import io.skein.proto.metadata.AccessControlEntryRecord;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * One ACL as the metadata log states it: Kafka's binding of a resource pattern (type, name, LITERAL or
 * PREFIXED) to an entry (principal, host, operation, ALLOW or DENY), in kafka-clients' own enumerations,
 * whose codes the records hold.
 */
public record Acl(ResourceType resourceType, String resourceName, PatternType patternType, String principal,
                  String host, AclOperation operation, AclPermissionType permission) {
    /** The name of the one CLUSTER resource, as Kafka names it. */
    public static final String CLUSTER_NAME = "kafka-cluster";

    public static Acl of(AclBinding binding) {
        return new Acl(binding.pattern().resourceType(), binding.pattern().name(), binding.pattern().patternType(),
                binding.entry().principal(), binding.entry().host(), binding.entry().operation(),
                binding.entry().permissionType());
    }

    /**
     * Why Kafka would refuse to create this ACL, if it would: it must name a concrete resource type,
     * pattern type (LITERAL or PREFIXED), operation and permission (not ANY, MATCH or UNKNOWN), a
     * resource name ({@value #CLUSTER_NAME} for the cluster) and a principal of the form {@code Type:name}.
     */
    public Optional<String> problem() {
        if (resourceType == ResourceType.UNKNOWN || resourceType == ResourceType.ANY) {
            return Optional.of("Invalid resourceType " + resourceType);
        }
        if (patternType != PatternType.LITERAL && patternType != PatternType.PREFIXED) {
            return Optional.of("Invalid patternType " + patternType);
        }
        if (operation == AclOperation.UNKNOWN || operation == AclOperation.ANY) {
            return Optional.of("Invalid operation " + operation);
        }
        if (permission != AclPermissionType.ALLOW && permission != AclPermissionType.DENY) {
            return Optional.of("Invalid permissionType " + permission);
        }
        if (resourceName.isEmpty()) {
            return Optional.of("Resource name should not be empty");
        }
        if (resourceType == ResourceType.CLUSTER && !resourceName.equals(CLUSTER_NAME)) {
            return Optional.of("The only valid name for the CLUSTER resource is " + CLUSTER_NAME);
        }
        if (principal.indexOf(':') < 0) {
            return Optional.of("Expected a principal in format principalType:principalName but got '" + principal
                    + "'");
        }
        return Optional.empty();
    }

    public AclBinding toBinding() {
        return new AclBinding(new ResourcePattern(resourceType, resourceName, patternType),
                new AccessControlEntry(principal, host, operation, permission));
    }

    static Acl of(AccessControlEntryRecord record) {
        return new Acl(ResourceType.fromCode((byte) record.getResourceType()), record.getResourceName(),
                PatternType.fromCode((byte) record.getPatternType()), record.getPrincipal(), record.getHost(),
                AclOperation.fromCode((byte) record.getOperation()),
                AclPermissionType.fromCode((byte) record.getPermissionType()));
    }

    /** The record that adds this ACL under {@code id}. */
    public AccessControlEntryRecord toRecord(UUID id) {
        return AccessControlEntryRecord.newBuilder().setId(Uuids.toProto(id)).setResourceType(resourceType.code())
                .setResourceName(resourceName).setPatternType(patternType.code()).setPrincipal(principal)
                .setHost(host).setOperation(operation.code()).setPermissionType(permission.code()).build();
    }
}
