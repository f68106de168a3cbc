package io.skein.metadata.controller;

import static io.skein.metadata.controller.TestImages.apply;
import static io.skein.metadata.controller.TestImages.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.image.Acl;
import io.skein.metadata.image.MetadataImage;
import io.skein.proto.controller.AclBindingFilter;
import io.skein.proto.controller.CreateAclsRequest;
import io.skein.proto.controller.CreateAclsResponse;
import io.skein.proto.controller.DeleteAclsRequest;
import io.skein.proto.controller.DeleteAclsResponse;
import io.skein.proto.controller.Error;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.metadata.MetadataRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/** ACLs created and deleted by filters, with Kafka's validation, from records alone. */
class AclControlManagerTest {
    private static final Acl ALICE_READS_ORDERS = allow(ResourceType.TOPIC, "orders", PatternType.LITERAL,
            "User:alice", AclOperation.READ);
    private static final Acl ALICE_READS_PREFIX = allow(ResourceType.TOPIC, "ord", PatternType.PREFIXED,
            "User:alice", AclOperation.READ);
    private static final Acl EVERYONE_DESCRIBES_ALL = allow(ResourceType.TOPIC, "*", PatternType.LITERAL,
            "User:*", AclOperation.DESCRIBE);
    private static final Acl BOB_WRITES_PAYMENTS = allow(ResourceType.TOPIC, "payments", PatternType.LITERAL,
            "User:bob", AclOperation.WRITE);
    private static final Acl BOB_DENIED_GROUP = new Acl(ResourceType.GROUP, "billing", PatternType.LITERAL,
            "User:bob", "10.0.0.7", AclOperation.READ, AclPermissionType.DENY);

    private final AclControlManager acls = new AclControlManager();

    private static Acl allow(ResourceType type, String name, PatternType pattern, String principal, AclOperation op) {
        return new Acl(type, name, pattern, principal, "*", op, AclPermissionType.ALLOW);
    }

    private ControllerResult<CreateAclsResponse> create(MetadataImage view, Acl... created) {
        CreateAclsRequest.Builder request = CreateAclsRequest.newBuilder();
        for (Acl acl : created) {
            request.addAcls(AclMessages.binding(acl));
        }
        return acls.createAcls(view, request.build());
    }

    private static List<ErrorCode> codes(List<Error> errors) {
        return errors.stream().map(Error::getCode).toList();
    }

    private MetadataImage withAcls(Acl... created) {
        MetadataImage empty = image(List.of());
        return apply(empty, create(empty, created));
    }

    @Test
    void createdAclsAreInTheImageUnderIdsOfTheirOwn() {
        MetadataImage view = withAcls(ALICE_READS_ORDERS, BOB_DENIED_GROUP,
                allow(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, "User:admin", AclOperation.ALTER));
        assertEquals(3, view.acls().size());
        assertEquals(3, new HashSet<>(view.acls().keySet()).size());
        assertTrue(view.acls().containsValue(BOB_DENIED_GROUP));
    }

    @Test
    void kafkasValidationRefusesEachBadAclAndCreatesTheOthers() {
        MetadataImage empty = image(List.of());
        ControllerResult<CreateAclsResponse> result = create(empty,
                allow(ResourceType.ANY, "orders", PatternType.LITERAL, "User:alice", AclOperation.READ),
                allow(ResourceType.UNKNOWN, "orders", PatternType.LITERAL, "User:alice", AclOperation.READ),
                allow(ResourceType.TOPIC, "orders", PatternType.MATCH, "User:alice", AclOperation.READ),
                allow(ResourceType.TOPIC, "orders", PatternType.ANY, "User:alice", AclOperation.READ),
                allow(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:alice", AclOperation.ANY),
                allow(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:alice", AclOperation.UNKNOWN),
                new Acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:alice", "*", AclOperation.READ,
                        AclPermissionType.ANY),
                allow(ResourceType.TOPIC, "", PatternType.LITERAL, "User:alice", AclOperation.READ),
                allow(ResourceType.CLUSTER, "my-cluster", PatternType.LITERAL, "User:alice", AclOperation.ALTER),
                allow(ResourceType.TOPIC, "orders", PatternType.LITERAL, "alice", AclOperation.READ),
                ALICE_READS_ORDERS);

        List<ErrorCode> expected = new ArrayList<>(Collections.nCopies(10, ErrorCode.INVALID_REQUEST));
        expected.add(ErrorCode.NONE);
        assertEquals(expected, codes(result.response().getResultsList()));
        assertEquals("Invalid patternType MATCH", result.response().getResults(2).getMessage());
        assertEquals(1, result.records().size());
        assertEquals(List.of(ALICE_READS_ORDERS), List.copyOf(apply(empty, result).acls().values()));
    }

    @Test
    void anAclThatExistsIsNotAddedAgainAndIsNoError() {
        MetadataImage view = withAcls(ALICE_READS_ORDERS);
        ControllerResult<CreateAclsResponse> again = create(view, ALICE_READS_ORDERS, BOB_WRITES_PAYMENTS,
                BOB_WRITES_PAYMENTS);
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE),
                codes(again.response().getResultsList()));
        assertEquals(1, again.records().size(), "only bob's, once");
        assertEquals(Set.of(ALICE_READS_ORDERS, BOB_WRITES_PAYMENTS), Set.copyOf(apply(view, again).acls().values()));
    }

    private static AclBindingFilter filter(ResourceType type, String name, PatternType pattern, String principal,
                                           AclOperation operation) {
        return AclMessages.filter(new org.apache.kafka.common.acl.AclBindingFilter(
                new ResourcePatternFilter(type, name, pattern),
                new AccessControlEntryFilter(principal, null, operation, AclPermissionType.ANY)));
    }

    private ControllerResult<DeleteAclsResponse> delete(MetadataImage view, AclBindingFilter... filters) {
        return acls.deleteAcls(view, DeleteAclsRequest.newBuilder().addAllFilters(List.of(filters)).build());
    }

    private static Set<Acl> deleted(DeleteAclsResponse response, int filter) {
        Set<Acl> acls = new HashSet<>();
        response.getResults(filter).getDeletedList().forEach(binding -> acls.add(AclMessages.acl(binding)));
        return acls;
    }

    @Test
    void aDeletionAnswersWithWhatEachFilterMatchedAndRemovesEachAclOnce() {
        MetadataImage view = withAcls(ALICE_READS_ORDERS, ALICE_READS_PREFIX, EVERYONE_DESCRIBES_ALL,
                BOB_WRITES_PAYMENTS, BOB_DENIED_GROUP);
        ControllerResult<DeleteAclsResponse> result = delete(view,
                filter(ResourceType.TOPIC, "orders", PatternType.MATCH, null, AclOperation.ANY),
                filter(ResourceType.ANY, null, PatternType.ANY, "User:alice", AclOperation.ANY),
                filter(ResourceType.TOPIC, "orders", PatternType.LITERAL, null, AclOperation.WRITE));

        DeleteAclsResponse response = result.response();
        assertEquals(Set.of(ALICE_READS_ORDERS, ALICE_READS_PREFIX, EVERYONE_DESCRIBES_ALL), deleted(response, 0),
                "MATCH: the literal name, the wildcard and the prefixes it starts with");
        assertEquals(Set.of(ALICE_READS_ORDERS, ALICE_READS_PREFIX), deleted(response, 1));
        assertEquals(Set.of(), deleted(response, 2));
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE),
                response.getResultsList().stream().map(r -> r.getError().getCode()).toList());
        assertEquals(3, result.records().size(), "one removal per ACL, however many filters took it");
        assertEquals(Set.of(BOB_WRITES_PAYMENTS, BOB_DENIED_GROUP), Set.copyOf(apply(view, result).acls().values()));
    }

    @Test
    void aFilterWithUnknownPartsIsRefusedAndTheOthersApply() {
        MetadataImage view = withAcls(BOB_WRITES_PAYMENTS, BOB_DENIED_GROUP);
        ControllerResult<DeleteAclsResponse> result = delete(view,
                filter(ResourceType.UNKNOWN, null, PatternType.ANY, null, AclOperation.ANY),
                filter(ResourceType.ANY, null, PatternType.ANY, null, AclOperation.UNKNOWN),
                filter(ResourceType.GROUP, null, PatternType.ANY, "User:bob", AclOperation.ANY));
        assertEquals(List.of(ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.NONE),
                result.response().getResultsList().stream().map(r -> r.getError().getCode()).toList());
        assertEquals(Set.of(BOB_DENIED_GROUP), deleted(result.response(), 2));
        assertEquals(Set.of(BOB_WRITES_PAYMENTS), Set.copyOf(apply(view, result).acls().values()));
    }

    @Test
    void aDeletionThatMatchesNothingWritesNothing() {
        MetadataImage view = withAcls(BOB_WRITES_PAYMENTS);
        ControllerResult<DeleteAclsResponse> result = delete(view,
                filter(ResourceType.TOPIC, "orders", PatternType.LITERAL, null, AclOperation.ANY));
        assertEquals(List.<MetadataRecord>of(), result.records());
        assertEquals(Set.of(), deleted(result.response(), 0));
    }
}
