package io.skein.broker.security;

import io.skein.metadata.image.Acl;

/** Why a check came out as it did, as Kafka's authorizer logs it. */
public sealed interface Rule {
    Rule SUPER_USER = new Fixed(true, "SuperUser");
    Rule DEFAULT_ALLOW = new Fixed(true, "DefaultAllow");
    Rule DEFAULT_DENY = new Fixed(false, "DefaultDeny");

    boolean allowed();

    /** A super user, or no ACL to decide (then {@code allow.everyone.if.no.acl.found} does). */
    record Fixed(boolean allowed, String name) implements Rule {
        @Override
        public String toString() {
            return name;
        }
    }

    /** The ACL that decided: a DENY if one matched, else an ALLOW. */
    record MatchingAcl(Acl acl, boolean allowed) implements Rule {
        @Override
        public String toString() {
            return "MatchingAcl(acl=" + acl + ")";
        }
    }
}
