package io.skein.broker.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.skein.broker.quota.ClientQuotaLimits.Limit;
import io.skein.broker.quota.ClientQuotaLimits.QuotaId;
import io.skein.metadata.image.ClientQuotaEntity;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which quota a client's requests fall under (KIP-55's precedence), and whom its rate is shared with. */
class ClientQuotaLimitsTest {
    /** KIP-55's order, most specific first, each with its own value. */
    private static final List<ClientQuotaEntity> PRECEDENCE = List.of(
            ClientQuotaEntity.userAndClientId("alice", "app"),
            ClientQuotaEntity.userAndClientId("alice", null),
            ClientQuotaEntity.user("alice"),
            ClientQuotaEntity.userAndClientId(null, "app"),
            ClientQuotaEntity.userAndClientId(null, null),
            ClientQuotaEntity.user(null),
            ClientQuotaEntity.clientId("app"),
            ClientQuotaEntity.clientId(null));

    /** What alice's client "app" is held to, and measured with, with the first {@code dropped} entities unset. */
    private static Limit aliceAppWithout(int dropped) {
        Map<ClientQuotaEntity, Double> values = new LinkedHashMap<>();
        for (int i = dropped; i < PRECEDENCE.size(); i++) {
            values.put(PRECEDENCE.get(i), 100.0 + i);
        }
        return new ClientQuotaLimits(values).limit("alice", "app");
    }

    @Test
    void theMostSpecificEntityWithAValueWinsInKip55Order() {
        List<QuotaId> measuredOver = List.of(
                new QuotaId("alice", "app"), new QuotaId("alice", "app"), new QuotaId("alice", ""),
                new QuotaId("alice", "app"), new QuotaId("alice", "app"), new QuotaId("alice", ""),
                new QuotaId("", "app"), new QuotaId("", "app"));
        for (int i = 0; i < PRECEDENCE.size(); i++) {
            Limit limit = aliceAppWithout(i);
            assertEquals(100.0 + i, limit.bound(), "without the first " + i + ": " + PRECEDENCE.get(i) + " applies");
            assertEquals(measuredOver.get(i), limit.id(), "measured over " + PRECEDENCE.get(i));
        }
        assertNull(aliceAppWithout(PRECEDENCE.size()), "no quota at all");
    }

    @Test
    void aUsersQuotaIsSharedByItsClientsAndAClientIdsByEveryUserWhileOthersAreUnlimited() {
        ClientQuotaLimits limits = new ClientQuotaLimits(Map.of(ClientQuotaEntity.user("bob"), 1000.0,
                ClientQuotaEntity.clientId("batch"), 50.0, ClientQuotaEntity.userAndClientId("carol", null), 70.0));
        assertEquals(limits.limit("bob", "one").id(), limits.limit("bob", "two").id(), "bob's clients together");
        assertEquals(1000.0, limits.limit("bob", "batch").bound(), "bob's own quota before the client id's");
        assertEquals(new Limit(new QuotaId("", "batch"), 50.0), limits.limit("dave", "batch"));
        assertEquals(limits.limit("dave", "batch"), limits.limit("erin", "batch"), "every user's batch clients together");
        assertEquals(new Limit(new QuotaId("carol", "x"), 70.0), limits.limit("carol", "x"),
                "each of carol's client ids apart, under her default client id's quota");
        assertNull(limits.limit("dave", "other"));
        assertNull(ClientQuotaLimits.NONE.limit("bob", "one"));
    }

    @Test
    void theDefaultUserIsEveryUserWithoutAQuotaOfItsOwnEachMeasuredApart() {
        ClientQuotaLimits limits = new ClientQuotaLimits(Map.of(ClientQuotaEntity.user(null), 300.0,
                ClientQuotaEntity.user("ANONYMOUS"), 10.0));
        assertEquals(new Limit(new QuotaId("frank", ""), 300.0), limits.limit("frank", "app"));
        assertEquals(new Limit(new QuotaId("gina", ""), 300.0), limits.limit("gina", "app"));
        assertEquals(10.0, limits.limit("ANONYMOUS", "app").bound(), "a listener without logins: ANONYMOUS");
    }
}
