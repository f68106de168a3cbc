package io.skein.broker.security;

import io.skein.metadata.image.Acl;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * The ACLs of one metadata image, indexed for checks as Kafka's StandardAuthorizerData orders them: by
 * resource type, then literal names in a hash map (the wildcard {@code *} among them) and prefixes in a
 * sorted map. A check reads only the ACLs that can name its resource: its literal name, the wildcard,
 * and the prefixes the name starts with, found by walking down the sorted map (see {@link #find}).
 * Immutable, so a check needs no lock.
 */
final class AclIndex {
    static final AclIndex EMPTY = new AclIndex(List.of());

    static final String WILDCARD = "*";
    static final String WILDCARD_PRINCIPAL = "User:*";

    /** An ALLOW of one of these operations allows DESCRIBE too (an explicit DENY does not deny it). */
    private static final Set<AclOperation> IMPLY_DESCRIBE = EnumSet.of(AclOperation.DESCRIBE, AclOperation.READ,
            AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER);
    /** An ALLOW of one of these allows DESCRIBE_CONFIGS too. */
    private static final Set<AclOperation> IMPLY_DESCRIBE_CONFIGS = EnumSet.of(AclOperation.DESCRIBE_CONFIGS,
            AclOperation.ALTER_CONFIGS);

    /** One ACL with its principal split into type and name, so that matching allocates nothing. */
    record Entry(Acl acl, String principalType, String principalName, boolean anyPrincipal, boolean anyHost) {
        static Entry of(Acl acl) {
            int colon = acl.principal().indexOf(':');
            return new Entry(acl, acl.principal().substring(0, Math.max(colon, 0)), acl.principal().substring(colon + 1),
                    acl.principal().equals(WILDCARD_PRINCIPAL), acl.host().equals(WILDCARD));
        }
    }

    /** The ACLs of one resource type. */
    private record Section(Map<String, Entry[]> literal, NavigableMap<String, Entry[]> prefixed, List<Entry> all) {
    }

    private final Map<ResourceType, Section> sections = new EnumMap<>(ResourceType.class);
    private final int size;

    AclIndex(Collection<Acl> acls) {
        Map<ResourceType, Map<String, List<Entry>>> literal = new EnumMap<>(ResourceType.class);
        Map<ResourceType, Map<String, List<Entry>>> prefixed = new EnumMap<>(ResourceType.class);
        for (Acl acl : acls) {
            (acl.patternType() == PatternType.PREFIXED ? prefixed : literal)
                    .computeIfAbsent(acl.resourceType(), t -> new HashMap<>())
                    .computeIfAbsent(acl.resourceName(), n -> new ArrayList<>()).add(Entry.of(acl));
        }
        EnumSet<ResourceType> types = EnumSet.noneOf(ResourceType.class);
        types.addAll(literal.keySet());
        types.addAll(prefixed.keySet());
        for (ResourceType type : types) {
            Map<String, Entry[]> byName = new HashMap<>();
            NavigableMap<String, Entry[]> byPrefix = new TreeMap<>();
            List<Entry> all = new ArrayList<>();
            literal.getOrDefault(type, Map.of()).forEach((name, entries) -> {
                byName.put(name, entries.toArray(Entry[]::new));
                all.addAll(entries);
            });
            prefixed.getOrDefault(type, Map.of()).forEach((name, entries) -> {
                byPrefix.put(name, entries.toArray(Entry[]::new));
                all.addAll(entries);
            });
            sections.put(type, new Section(byName, byPrefix, List.copyOf(all)));
        }
        this.size = acls.size();
    }

    int size() {
        return size;
    }

    /** Every ACL of {@code type}, for checks on a resource type as a whole. */
    List<Entry> all(ResourceType type) {
        Section section = sections.get(type);
        return section == null ? List.of() : section.all();
    }

    /**
     * What the ACLs naming the resource say about {@code operation} for this principal and host: a
     * matching DENY, else a matching ALLOW, else whether any ACL names the resource at all (then the
     * answer is no; if none does, {@code noAcls}).
     */
    Rule find(ResourceType type, String name, AclOperation operation, KafkaPrincipal principal, InetAddress address,
              Rule noAcls) {
        Section section = sections.get(type);
        if (section == null) {
            return noAcls;
        }
        Search search = new Search(operation, principal, address);
        search.check(section.literal().get(name));
        walkPrefixes(section.prefixed(), name, search);
        if (!name.equals(WILDCARD)) {
            search.check(section.literal().get(WILDCARD));
        }
        return search.rule(noAcls);
    }

    /**
     * Visits the prefixes {@code name} starts with, longest first. Every such prefix sorts at or below
     * {@code name}; the greatest key at or below the bound is either one of them (the next ones are
     * below it) or shares only its first {@code common} characters with {@code name}, and then the
     * prefixes left are no longer than {@code common}: the search goes on from there.
     */
    private static void walkPrefixes(NavigableMap<String, Entry[]> prefixed, String name, Search search) {
        String bound = name;
        boolean inclusive = true;
        while (!search.denied()) {
            Map.Entry<String, Entry[]> candidate = inclusive ? prefixed.floorEntry(bound) : prefixed.lowerEntry(bound);
            if (candidate == null) {
                return;
            }
            String key = candidate.getKey();
            int common = commonPrefixLength(key, name);
            if (common == key.length()) {
                search.check(candidate.getValue());
                bound = key;
                inclusive = false;
            } else {
                bound = name.substring(0, common);
                inclusive = true;
            }
        }
    }

    private static int commonPrefixLength(String a, String b) {
        int length = Math.min(a.length(), b.length());
        int i = 0;
        while (i < length && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    /** Whether {@code entry} names this principal (or every one) and host (or every one). */
    static boolean appliesTo(Entry entry, KafkaPrincipal principal, Host host) {
        return (entry.anyPrincipal() || (entry.principalName().equals(principal.getName())
                && entry.principalType().equals(principal.getPrincipalType())))
                && (entry.anyHost() || entry.acl().host().equals(host.address()));
    }

    /**
     * Whether {@code entry} speaks of {@code operation}: its own operation or ALL; an ALLOW also of
     * DESCRIBE when it allows READ, WRITE, DELETE or ALTER, and of DESCRIBE_CONFIGS when it allows
     * ALTER_CONFIGS. A DENY denies only the operation it names.
     */
    static boolean covers(Entry entry, AclOperation operation) {
        AclOperation named = entry.acl().operation();
        if (named == AclOperation.ALL || named == operation) {
            return true;
        }
        if (entry.acl().permission() != AclPermissionType.ALLOW) {
            return false;
        }
        return (operation == AclOperation.DESCRIBE && IMPLY_DESCRIBE.contains(named))
                || (operation == AclOperation.DESCRIBE_CONFIGS && IMPLY_DESCRIBE_CONFIGS.contains(named));
    }

    /** The client's address as ACLs name hosts, worked out only if an ACL names one. */
    static final class Host {
        private final InetAddress address;
        private String text;

        Host(InetAddress address) {
            this.address = address;
        }

        String address() {
            if (text == null) {
                text = address == null ? "" : address.getHostAddress();
            }
            return text;
        }
    }

    /** The ACLs met so far for one check. */
    private static final class Search {
        private final AclOperation operation;
        private final KafkaPrincipal principal;
        private final Host host;
        private boolean resourceHasAcls;
        private Acl allow;
        private Acl deny;

        Search(AclOperation operation, KafkaPrincipal principal, InetAddress address) {
            this.operation = operation;
            this.principal = principal;
            this.host = new Host(address);
        }

        void check(Entry[] entries) {
            if (entries == null) {
                return;
            }
            for (Entry entry : entries) {
                resourceHasAcls = true;
                if (appliesTo(entry, principal, host) && covers(entry, operation)) {
                    if (entry.acl().permission() == AclPermissionType.DENY) {
                        deny = entry.acl();
                        return;
                    }
                    allow = entry.acl();
                }
            }
        }

        boolean denied() {
            return deny != null;
        }

        Rule rule(Rule noAcls) {
            if (deny != null) {
                return new Rule.MatchingAcl(deny, false);
            }
            if (allow != null) {
                return new Rule.MatchingAcl(allow, true);
            }
            return resourceHasAcls ? Rule.DEFAULT_DENY : noAcls;
        }
    }
}
