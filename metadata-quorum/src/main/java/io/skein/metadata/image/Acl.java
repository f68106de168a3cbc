package io.skein.metadata.image;

import io.skein.proto.Uuids;
import io.skein.proto.metadata.AccessControlEntryRecord;
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

    public static Acl of(AclBinding binding) {
        return new Acl(binding.pattern().resourceType(), binding.pattern().name(), binding.pattern().patternType(),
                binding.entry().principal(), binding.entry().host(), binding.entry().operation(),
                binding.entry().permissionType());
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
