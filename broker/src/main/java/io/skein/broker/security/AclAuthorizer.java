package io.skein.broker.security;

import io.skein.metadata.image.Acl;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.MetadataPublisher;
import java.net.InetAddress;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka's StandardAuthorizer rules over the ACLs of the broker's metadata image: super users may do
 * anything; otherwise a matching DENY refuses, whatever ALLOWs match; a matching ALLOW permits; a
 * resource that some ACL names but none of these permits is refused; a resource no ACL names is
 * permitted only with {@code allow.everyone.if.no.acl.found}. ACLs match literally, by prefix
 * (KIP-290) or by the wildcard resource {@code *}; their principal, or every one ({@code User:*});
 * their host, or every one ({@code *}).
 *
 * <p>A publisher of the broker's metadata: each image whose ACLs changed is indexed ({@link AclIndex})
 * and swapped in whole, so a check reads one immutable index and takes no lock. Every decision is
 * logged as Kafka's authorizer logs it, to the logger {@code kafka.authorizer.logger}: denials at INFO,
 * permissions at DEBUG, checks whose outcome is not acted on at TRACE.
 */
public final class AclAuthorizer implements MetadataPublisher {
    /** Kafka's name for the authorizer's log, so that users set its level as they would in Kafka. */
    public static final String LOGGER = "kafka.authorizer.logger";
    private static final Logger audit = LoggerFactory.getLogger(LOGGER);
    private static final Logger log = LoggerFactory.getLogger(AclAuthorizer.class);

    /** The operations each resource type knows, for the "authorized operations" of a response, as Kafka's. */
    private static final Map<ResourceType, Set<AclOperation>> SUPPORTED = new EnumMap<>(Map.of(
            ResourceType.TOPIC, EnumSet.of(AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE,
                    AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE_CONFIGS,
                    AclOperation.ALTER_CONFIGS),
            ResourceType.GROUP, EnumSet.of(AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE,
                    AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS),
            ResourceType.CLUSTER, EnumSet.of(AclOperation.CREATE, AclOperation.CLUSTER_ACTION,
                    AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE,
                    AclOperation.ALTER, AclOperation.DESCRIBE),
            ResourceType.TRANSACTIONAL_ID, EnumSet.of(AclOperation.DESCRIBE, AclOperation.WRITE)));

    private final Map<String, Set<String>> superUsers = new HashMap<>();
    private final Rule noAcls;
    private volatile AclIndex index = AclIndex.EMPTY;
    /** The ACLs {@link #index} was built from; read and written on the metadata loader's thread only. */
    private Map<UUID, Acl> indexed = Map.of();

    /**
     * @param superUsers                 {@code super.users}: principals as {@code Type:name}
     * @param allowEveryoneIfNoAclFound {@code allow.everyone.if.no.acl.found}
     */
    public AclAuthorizer(List<String> superUsers, boolean allowEveryoneIfNoAclFound) {
        for (String superUser : superUsers) {
            int colon = superUser.indexOf(':');
            this.superUsers.computeIfAbsent(superUser.substring(0, colon), type -> new HashSet<>())
                    .add(superUser.substring(colon + 1));
        }
        this.noAcls = allowEveryoneIfNoAclFound ? Rule.DEFAULT_ALLOW : Rule.DEFAULT_DENY;
        log.info("Authorizing requests by ACLs: super.users={}, allow.everyone.if.no.acl.found={}", superUsers,
                allowEveryoneIfNoAclFound);
    }

    /** The operations Kafka lists for {@code type} in a response's authorized operations. */
    public static Set<AclOperation> supportedOperations(ResourceType type) {
        return SUPPORTED.getOrDefault(type, Set.of());
    }

    @Override
    public void onMetadataUpdate(MetadataDelta delta, MetadataImage newImage) {
        // An image keeps its ACL map while no ACL changes, so any other map is news (a snapshot too).
        if (newImage.acls() != indexed) {
            index = new AclIndex(newImage.acls().values());
            indexed = newImage.acls();
            log.debug("Authorizing by {} ACLs as of metadata offset {}", index.size(), newImage.offset());
        }
    }

    /** The rule that decides whether {@code principal}, from {@code address}, may do {@code operation} to the resource. */
    public Rule decide(KafkaPrincipal principal, InetAddress address, AclOperation operation, ResourceType type,
                       String name) {
        if (isSuperUser(principal)) {
            return Rule.SUPER_USER;
        }
        return index.find(type, name, operation, principal, address, noAcls);
    }

    private boolean isSuperUser(KafkaPrincipal principal) {
        Set<String> names = superUsers.get(principal.getPrincipalType());
        return names != null && names.contains(principal.getName());
    }

    /**
     * Decides and logs the decision as Kafka does.
     *
     * @param refCount     how many times the request names the resource, for the log
     * @param logIfAllowed the request acts on a permission (else a permission is logged at TRACE only)
     * @param logIfDenied  the request asked for the resource itself, rather than filtering what it may see
     */
    public boolean authorize(KafkaPrincipal principal, InetAddress address, ApiKeys api, AclOperation operation,
                             ResourceType type, String name, int refCount, boolean logIfAllowed, boolean logIfDenied) {
        return authorize(principal, address, api.name, operation, type, name, refCount, logIfAllowed, logIfDenied);
    }

    /**
     * {@link #authorize(KafkaPrincipal, InetAddress, ApiKeys, AclOperation, ResourceType, String, int, boolean,
     * boolean)} for a request that is not a Kafka API's (the admin API's, the console's), logged by its name.
     */
    public boolean authorize(KafkaPrincipal principal, InetAddress address, String request, AclOperation operation,
                             ResourceType type, String name, int refCount, boolean logIfAllowed, boolean logIfDenied) {
        Rule rule = decide(principal, address, operation, type, name);
        if (rule.allowed()) {
            if (logIfAllowed && audit.isDebugEnabled()) {
                audit.debug(message(principal, address, request, operation, type, name, refCount, rule));
            } else if (audit.isTraceEnabled()) {
                audit.trace(message(principal, address, request, operation, type, name, refCount, rule));
            }
        } else if (logIfDenied) {
            audit.info(message(principal, address, request, operation, type, name, refCount, rule));
        } else if (audit.isTraceEnabled()) {
            audit.trace(message(principal, address, request, operation, type, name, refCount, rule));
        }
        return rule.allowed();
    }

    private static String message(KafkaPrincipal principal, InetAddress address, String request,
                                  AclOperation operation, ResourceType type, String name, int refCount, Rule rule) {
        return "Principal = " + principal + " is " + (rule.allowed() ? "Allowed" : "Denied") + " operation = "
                + operation + " from host = " + (address == null ? "unknown" : address.getHostAddress())
                + " on resource = " + resourceTypeName(type) + ":" + PatternType.LITERAL + ":" + name
                + " for request = " + request + " with resourceRefCount = " + refCount + " based on rule " + rule;
    }

    /** A resource type as Kafka's logs name it: Topic, Group, Cluster, TransactionalId... */
    private static String resourceTypeName(ResourceType type) {
        StringBuilder name = new StringBuilder();
        for (String word : type.name().split("_")) {
            name.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
        }
        return name.toString();
    }

    /**
     * Whether the principal may do {@code operation} to at least one resource of {@code type}, as
     * Kafka's {@code authorizeByResourceType} decides it (an idempotent producer's InitProducerId may go
     * ahead with WRITE on some topic): a super user, or a check on an unnamed resource that passes
     * (the wildcard, or no ACLs with {@code allow.everyone.if.no.acl.found}), or an ALLOW of its
     * principal and host, literal or by prefix, that no DENY of the same name or of a prefix of it cancels.
     */
    public boolean authorizeByResourceType(KafkaPrincipal principal, InetAddress address, ApiKeys api,
                                           AclOperation operation, ResourceType type) {
        if (authorize(principal, address, api, operation, type, "hardcode", 0, true, false)) {
            return true;
        }
        AclIndex.Host host = new AclIndex.Host(address);
        Set<String> deniedLiterals = new HashSet<>();
        Set<String> deniedPrefixes = new HashSet<>();
        Set<String> allowedLiterals = new HashSet<>();
        Set<String> allowedPrefixes = new HashSet<>();
        for (AclIndex.Entry entry : index.all(type)) {
            Acl acl = entry.acl();
            if (!AclIndex.appliesTo(entry, principal, host)
                    || (acl.operation() != operation && acl.operation() != AclOperation.ALL)) {
                continue;
            }
            boolean literal = acl.patternType() == PatternType.LITERAL;
            if (acl.permission() == AclPermissionType.DENY) {
                if (literal && acl.resourceName().equals(AclIndex.WILDCARD)) {
                    return false;
                }
                (literal ? deniedLiterals : deniedPrefixes).add(acl.resourceName());
            } else if (acl.permission() == AclPermissionType.ALLOW) {
                if (literal && acl.resourceName().equals(AclIndex.WILDCARD)) {
                    return true;
                }
                (literal ? allowedLiterals : allowedPrefixes).add(acl.resourceName());
            }
        }
        for (String allowed : allowedLiterals) {
            if (!deniedLiterals.contains(allowed) && !deniedByPrefix(allowed, deniedPrefixes)) {
                return true;
            }
        }
        for (String allowed : allowedPrefixes) {
            if (!deniedByPrefix(allowed, deniedPrefixes)) {
                return true;
            }
        }
        return false;
    }

    private static boolean deniedByPrefix(String name, Set<String> deniedPrefixes) {
        for (int length = 1; length <= name.length(); length++) {
            if (deniedPrefixes.contains(name.substring(0, length))) {
                return true;
            }
        }
        return false;
    }
}
