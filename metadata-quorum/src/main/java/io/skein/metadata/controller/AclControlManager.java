package io.skein.metadata.controller;

import static io.skein.metadata.controller.ControllerErrors.error;
import static io.skein.metadata.controller.ControllerErrors.none;

import io.skein.metadata.image.Acl;
import io.skein.metadata.image.MetadataImage;
import io.skein.proto.Uuids;
import io.skein.proto.controller.AclBinding;
import io.skein.proto.controller.AclBindingFilter;
import io.skein.proto.controller.CreateAclsRequest;
import io.skein.proto.controller.CreateAclsResponse;
import io.skein.proto.controller.DeleteAclsRequest;
import io.skein.proto.controller.DeleteAclsResponse;
import io.skein.proto.controller.DeleteAclsResult;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.metadata.MetadataRecord;
import io.skein.proto.metadata.RemoveAccessControlEntryRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * ACLs, with Kafka's rules: an ACL Kafka would refuse ({@link Acl#problem}) is INVALID_REQUEST; one that
 * exists already is not added twice. A deletion takes every ACL each filter matches and answers with them.
 */
final class AclControlManager {
    ControllerResult<CreateAclsResponse> createAcls(MetadataImage view, CreateAclsRequest request) {
        Set<Acl> existing = new HashSet<>(view.acls().values());
        Set<UUID> ids = new HashSet<>(view.acls().keySet());
        List<MetadataRecord> records = new ArrayList<>();
        CreateAclsResponse.Builder response = CreateAclsResponse.newBuilder().setError(none());
        for (AclBinding binding : request.getAclsList()) {
            Acl acl = AclMessages.acl(binding);
            Optional<String> problem = acl.problem();
            if (problem.isPresent()) {
                response.addResults(error(ErrorCode.INVALID_REQUEST, problem.get()));
                continue;
            }
            if (existing.add(acl)) {
                UUID id = newId(ids);
                records.add(MetadataRecord.newBuilder().setAccessControlEntry(acl.toRecord(id)).build());
            }
            response.addResults(none());
        }
        return ControllerResult.of(records, response.build());
    }

    private static UUID newId(Set<UUID> taken) {
        UUID id;
        do {
            id = UUID.randomUUID();
        } while (!taken.add(id));
        return id;
    }

    ControllerResult<DeleteAclsResponse> deleteAcls(MetadataImage view, DeleteAclsRequest request) {
        List<Map.Entry<UUID, Acl>> acls = view.acls().entrySet().stream().sorted(Map.Entry.comparingByKey()).toList();
        Set<UUID> removed = new LinkedHashSet<>();
        DeleteAclsResponse.Builder response = DeleteAclsResponse.newBuilder().setError(none());
        for (AclBindingFilter message : request.getFiltersList()) {
            org.apache.kafka.common.acl.AclBindingFilter filter = AclMessages.filter(message);
            if (filter.patternFilter().isUnknown() || filter.entryFilter().isUnknown()) {
                response.addResults(DeleteAclsResult.newBuilder().setError(error(ErrorCode.INVALID_REQUEST,
                        "Unknown " + (filter.patternFilter().isUnknown() ? "patternFilter" : "entryFilter"))));
                continue;
            }
            DeleteAclsResult.Builder result = DeleteAclsResult.newBuilder().setError(none());
            for (Map.Entry<UUID, Acl> acl : acls) {
                if (filter.matches(acl.getValue().toBinding())) {
                    result.addDeleted(AclMessages.binding(acl.getValue()));
                    removed.add(acl.getKey());
                }
            }
            response.addResults(result);
        }
        List<MetadataRecord> records = removed.stream().map(id -> MetadataRecord.newBuilder()
                .setRemoveAccessControlEntry(RemoveAccessControlEntryRecord.newBuilder().setId(Uuids.toProto(id)))
                .build()).toList();
        return ControllerResult.of(records, response.build());
    }
}
