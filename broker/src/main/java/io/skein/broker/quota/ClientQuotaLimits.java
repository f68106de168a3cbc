package io.skein.broker.quota;

import io.skein.metadata.image.ClientQuotaEntity;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The values of one quota key by entity, as the metadata has them, and which of them a client's
 * requests fall under: the most specific entity that has the key, in KIP-55's order
 * <ol>
 *   <li>the user and the client id,
 *   <li>the user and the default client id,
 *   <li>the user,
 *   <li>the default user and the client id,
 *   <li>the default user and the default client id,
 *   <li>the default user,
 *   <li>the client id,
 *   <li>the default client id.
 * </ol>
 * The entity found also says which clients share one measured rate, as in Kafka: all of a user's
 * clients under a quota of the user (or of the default user), each of its client ids apart under a
 * quota naming client ids, and all users' clients of one id under a quota of the client id alone.
 * Immutable but for a cache of what each client resolved to.
 */
final class ClientQuotaLimits {
    static final ClientQuotaLimits NONE = new ClientQuotaLimits(Map.of());

    /** Whose rate is measured together: a user, a client id, or both; "" for neither. */
    record QuotaId(String user, String clientId) {
    }

    /** The bound a client's requests are held to, and whom the rate is measured over. */
    record Limit(QuotaId id, double bound) {
    }

    /** Cached for a client no quota applies to (a map holds no null). */
    private static final Limit UNLIMITED = new Limit(new QuotaId("", ""), Double.POSITIVE_INFINITY);

    private final Map<ClientQuotaEntity, Double> values;
    private final Map<QuotaId, Limit> resolved = new ConcurrentHashMap<>();

    ClientQuotaLimits(Map<ClientQuotaEntity, Double> values) {
        this.values = Map.copyOf(values);
    }

    boolean isEmpty() {
        return values.isEmpty();
    }

    /** The limit of {@code user}'s requests with {@code clientId}; null if no quota applies to them. */
    Limit limit(String user, String clientId) {
        Limit limit = resolved.computeIfAbsent(new QuotaId(user, clientId),
                client -> resolve(client.user(), client.clientId()));
        return limit == UNLIMITED ? null : limit;
    }

    /** Forgets what clients resolved to, so that clients gone for good cost nothing. */
    void forgetClients() {
        resolved.clear();
    }

    private Limit resolve(String user, String clientId) {
        Limit found = first(new QuotaId(user, clientId), ClientQuotaEntity.userAndClientId(user, clientId),
                ClientQuotaEntity.userAndClientId(user, null));
        if (found == null) {
            found = first(new QuotaId(user, ""), ClientQuotaEntity.user(user));
        }
        if (found == null) {
            found = first(new QuotaId(user, clientId), ClientQuotaEntity.userAndClientId(null, clientId),
                    ClientQuotaEntity.userAndClientId(null, null));
        }
        if (found == null) {
            found = first(new QuotaId(user, ""), ClientQuotaEntity.user(null));
        }
        if (found == null) {
            found = first(new QuotaId("", clientId), ClientQuotaEntity.clientId(clientId),
                    ClientQuotaEntity.clientId(null));
        }
        return found == null ? UNLIMITED : found;
    }

    /** The limit of the first of {@code entities} that has a value, measured over {@code id}; null if none has. */
    private Limit first(QuotaId id, ClientQuotaEntity... entities) {
        for (ClientQuotaEntity entity : entities) {
            Double value = values.get(entity);
            if (value != null) {
                return new Limit(id, value);
            }
        }
        return null;
    }
}
