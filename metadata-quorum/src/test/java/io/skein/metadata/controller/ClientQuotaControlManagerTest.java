package io.skein.metadata.controller;

import static io.skein.metadata.controller.TestImages.apply;
import static io.skein.metadata.controller.TestImages.brokers;
import static io.skein.metadata.controller.TestImages.image;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.image.ClientQuotaEntity;
import io.skein.metadata.image.MetadataImage;
import io.skein.proto.controller.AlterClientQuotasRequest;
import io.skein.proto.controller.AlterClientQuotasResponse;
import io.skein.proto.controller.ClientQuotaAlteration;
import io.skein.proto.controller.ClientQuotaOp;
import io.skein.proto.controller.Error;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.metadata.ClientQuotaEntityPart;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Client quotas with the rules and errors of Kafka's controller, from records alone. */
class ClientQuotaControlManagerTest {
    private final ClientQuotaControlManager quotas = new ClientQuotaControlManager();
    private final MetadataImage empty = image(brokers(1));

    /** An entity's parts: type, name (null: the default), type, name... */
    private static List<ClientQuotaEntityPart> entity(String... typesAndNames) {
        List<ClientQuotaEntityPart> parts = new ArrayList<>();
        for (int i = 0; i < typesAndNames.length; i += 2) {
            ClientQuotaEntityPart.Builder part = ClientQuotaEntityPart.newBuilder().setEntityType(typesAndNames[i]);
            if (typesAndNames[i + 1] != null) {
                part.setEntityName(typesAndNames[i + 1]);
            }
            parts.add(part.build());
        }
        return parts;
    }

    private static ClientQuotaOp set(String key, double value) {
        return ClientQuotaOp.newBuilder().setKey(key).setValue(value).build();
    }

    private static ClientQuotaOp remove(String key) {
        return ClientQuotaOp.newBuilder().setKey(key).build();
    }

    private static ClientQuotaAlteration alteration(List<ClientQuotaEntityPart> entity, ClientQuotaOp... ops) {
        return ClientQuotaAlteration.newBuilder().addAllEntity(entity).addAllOps(List.of(ops)).build();
    }

    private ControllerResult<AlterClientQuotasResponse> alter(MetadataImage view, ClientQuotaAlteration... entries) {
        return quotas.alterClientQuotas(view, AlterClientQuotasRequest.newBuilder().addAllEntries(List.of(entries))
                .build());
    }

    private static List<Error> errors(ControllerResult<AlterClientQuotasResponse> result) {
        return result.response().getResultsList().stream().map(r -> r.getError()).toList();
    }

    @Test
    void usersClientIdsTheirPairsAndDefaultsGetTheirQuotasAndOnlyChangesAreWritten() {
        ControllerResult<AlterClientQuotasResponse> result = alter(empty,
                alteration(entity("user", "alice"), set("producer_byte_rate", 1024), set("request_percentage", 12.5)),
                alteration(entity("client-id", null), set("consumer_byte_rate", 2048)),
                alteration(entity("client-id", "app", "user", null), set("producer_byte_rate", 512)));
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE),
                errors(result).stream().map(Error::getCode).toList());
        assertEquals(entity("client-id", "app", "user", null), result.response().getResults(2).getEntityList(),
                "each result names its entity as the request did");
        MetadataImage after = apply(empty, result);
        assertEquals(Map.of("producer_byte_rate", 1024.0, "request_percentage", 12.5),
                after.clientQuotas().get(ClientQuotaEntity.user("alice")));
        assertEquals(Map.of("consumer_byte_rate", 2048.0), after.clientQuotas().get(ClientQuotaEntity.clientId(null)));
        assertEquals(Map.of("producer_byte_rate", 512.0),
                after.clientQuotas().get(ClientQuotaEntity.userAndClientId(null, "app")), "in either order");

        ControllerResult<AlterClientQuotasResponse> again = alter(after,
                alteration(entity("user", "alice"), set("producer_byte_rate", 1024), set("request_percentage", 25),
                        remove("consumer_byte_rate")));
        assertEquals(1, again.records().size(), "only request_percentage changes: " + again.records());
        MetadataImage removed = apply(after, alter(after, alteration(entity("user", "alice"),
                remove("producer_byte_rate"), remove("request_percentage"))));
        assertFalse(removed.clientQuotas().containsKey(ClientQuotaEntity.user("alice")), "an entity with no quota left");
    }

    @Test
    void entitiesAreCheckedAsKafkaChecksThemAndEachFailsOnItsOwn() {
        ControllerResult<AlterClientQuotasResponse> result = alter(empty,
                alteration(entity(), set("producer_byte_rate", 1)),
                alteration(entity("user", "a", "user", "b"), set("producer_byte_rate", 1)),
                alteration(entity("group", "g"), set("producer_byte_rate", 1)),
                alteration(entity("user", ""), set("producer_byte_rate", 1)),
                alteration(entity("ip", "10.0.0.1"), set("connection_creation_rate", 10)),
                alteration(entity("client-id", "fine"), set("producer_byte_rate", 100)));
        List<Error> errors = errors(result);
        for (int i = 0; i < 5; i++) {
            assertEquals(ErrorCode.INVALID_REQUEST, errors.get(i).getCode(), errors.get(i).toString());
        }
        assertEquals("Invalid empty client quota entity", errors.get(0).getMessage());
        assertEquals("Invalid client quota entity, duplicate entity entry user", errors.get(1).getMessage());
        assertEquals("Unhandled client quota entity type: group", errors.get(2).getMessage());
        assertEquals("Empty user not supported", errors.get(3).getMessage());
        assertTrue(errors.get(4).getMessage().contains("ip entities (connection_creation_rate) are not supported"),
                errors.get(4).getMessage());
        assertEquals(ErrorCode.NONE, errors.get(5).getCode());
        assertEquals(1, result.records().size(), "only the valid entity's quota");
    }

    @Test
    void keysAndValuesAreCheckedAsKafkaChecksThem() {
        List<ClientQuotaEntityPart> bob = entity("user", "bob");
        Map<String, String> refused = Map.of(
                "Invalid configuration key producer_rate", "producer_rate=1",
                "Quota consumer_byte_rate must be greater than 0", "consumer_byte_rate=0",
                "Quota request_percentage must be greater than 0", "request_percentage=-1",
                "producer_byte_rate cannot be a fractional value.", "producer_byte_rate=1.5",
                "Proposed value for producer_byte_rate is too large for a LONG.", "producer_byte_rate=1e19");
        refused.forEach((message, op) -> {
            String[] keyValue = op.split("=");
            Error error = errors(alter(empty, alteration(bob, set(keyValue[0], Double.parseDouble(keyValue[1])))))
                    .get(0);
            assertEquals(ErrorCode.INVALID_REQUEST, error.getCode(), op);
            assertEquals(message, error.getMessage(), op);
        });
        assertTrue(errors(alter(empty, alteration(bob, set("controller_mutation_rate", 10)))).get(0).getMessage()
                .contains("controller_mutation_rate is not supported"));
        assertEquals(ErrorCode.NONE, errors(alter(empty, alteration(bob, set("request_percentage", 0.5)))).get(0)
                .getCode(), "a fraction of a percent");

        ControllerResult<AlterClientQuotasResponse> oneBadKey = alter(empty, alteration(bob,
                set("producer_byte_rate", 100), set("consumer_byte_rate", -5)));
        assertEquals(ErrorCode.INVALID_REQUEST, errors(oneBadKey).get(0).getCode());
        assertEquals(List.of(), oneBadKey.records(), "an entity changes whole or not at all");

        Error twice = errors(alter(empty, alteration(bob, set("producer_byte_rate", 100),
                remove("producer_byte_rate")))).get(0);
        assertEquals("Duplicate quota key producer_byte_rate not updating quota for this entity", twice.getMessage());
    }

    @Test
    void anEntityNamedTwiceGetsNoneOfItsChangesAndValidateOnlyWritesNothing() {
        ControllerResult<AlterClientQuotasResponse> result = alter(empty,
                alteration(entity("user", "carol"), set("producer_byte_rate", 100)),
                alteration(entity("user", "dave"), set("producer_byte_rate", 100)),
                alteration(entity("user", "carol"), set("consumer_byte_rate", 100)));
        assertEquals(2, result.response().getResultsCount(), "one result per entity");
        assertEquals("Ignoring duplicate entity user=carol", errors(result).get(0).getMessage());
        assertEquals(ErrorCode.NONE, errors(result).get(1).getCode());
        assertEquals(1, result.records().size());

        ControllerResult<AlterClientQuotasResponse> checked = quotas.alterClientQuotas(empty, AlterClientQuotasRequest
                .newBuilder().setValidateOnly(true).addEntries(alteration(entity("user", "erin"),
                        set("producer_byte_rate", 100))).addEntries(alteration(entity("user", "frank"),
                        set("producer_byte_rate", -1))).build());
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.INVALID_REQUEST),
                errors(checked).stream().map(Error::getCode).toList());
        assertEquals(List.of(), checked.records());
    }
}
