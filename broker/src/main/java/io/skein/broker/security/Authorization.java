package io.skein.broker.security;

import io.skein.broker.network.RequestContext;
import io.skein.metadata.image.Acl;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The checks the Kafka APIs make of a request, as Kafka's {@code AuthHelper} makes them: by the
 * request's principal and client address, against the {@link AclAuthorizer} if one is configured
 * ({@code authorizer.class.name}); without one every check passes, as in Kafka.
 */
public final class Authorization {
    /** What Kafka's responses carry for "authorized operations" that were not asked for. */
    public static final int NOT_ASKED = Integer.MIN_VALUE;

    private final Optional<AclAuthorizer> authorizer;

    public Authorization(Optional<AclAuthorizer> authorizer) {
        this.authorizer = authorizer;
    }

    /** Whether an authorizer is configured: without one, the ACL APIs answer SECURITY_DISABLED. */
    public boolean enabled() {
        return authorizer.isPresent();
    }

    public boolean authorize(RequestContext context, AclOperation operation, ResourceType type, String name) {
        return authorize(context, operation, type, name, true, true);
    }

    /** @param logIfDenied false where a denial only filters what the client sees (logged at TRACE) */
    public boolean authorize(RequestContext context, AclOperation operation, ResourceType type, String name,
                             boolean logIfAllowed, boolean logIfDenied) {
        return authorizer.isEmpty() || authorizer.get().authorize(context.principal(), address(context),
                context.request().apiKey(), operation, type, name, 1, logIfAllowed, logIfDenied);
    }

    public boolean authorizeCluster(RequestContext context, AclOperation operation) {
        return authorize(context, operation, ResourceType.CLUSTER, Acl.CLUSTER_NAME);
    }

    public boolean authorizeCluster(RequestContext context, AclOperation operation, boolean logIfDenied) {
        return authorize(context, operation, ResourceType.CLUSTER, Acl.CLUSTER_NAME, true, logIfDenied);
    }

    /** The names among {@code names} the request may do {@code operation} to; each checked (and logged) once. */
    public Set<String> authorized(RequestContext context, AclOperation operation, ResourceType type,
                                  Collection<String> names) {
        return authorized(context, operation, type, names, true);
    }

    public Set<String> authorized(RequestContext context, AclOperation operation, ResourceType type,
                                  Collection<String> names, boolean logIfDenied) {
        if (authorizer.isEmpty()) {
            return new HashSet<>(names);
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        names.forEach(name -> counts.merge(name, 1, Integer::sum));
        Set<String> allowed = new HashSet<>();
        counts.forEach((name, count) -> {
            if (authorizer.get().authorize(context.principal(), address(context), context.request().apiKey(),
                    operation, type, name, count, true, logIfDenied)) {
                allowed.add(name);
            }
        });
        return allowed;
    }

    /** Whether the request may do {@code operation} to some resource of {@code type} (Kafka's authorizeByResourceType). */
    public boolean authorizeByResourceType(RequestContext context, AclOperation operation, ResourceType type) {
        return authorizer.isEmpty() || authorizer.get().authorizeByResourceType(context.principal(), address(context),
                context.request().apiKey(), operation, type);
    }

    /** The operations the request may do to the resource, as the bit field of their codes Kafka's responses carry. */
    public int authorizedOperations(RequestContext context, ResourceType type, String name) {
        int operations = 0;
        for (AclOperation operation : AclAuthorizer.supportedOperations(type)) {
            if (authorize(context, operation, type, name, false, false)) {
                operations |= 1 << operation.code();
            }
        }
        return operations;
    }

    private static InetAddress address(RequestContext context) {
        return context.clientAddress() instanceof InetSocketAddress socket ? socket.getAddress() : null;
    }
}
