package io.skein.cli;

import io.skein.proto.admin.Acl;
import io.skein.proto.admin.AclFilter;
import io.skein.proto.admin.AdminServiceGrpc.AdminServiceBlockingStub;
import io.skein.proto.admin.CreateAclsRequest;
import io.skein.proto.admin.CreateAclsResponse;
import io.skein.proto.admin.DeleteAclsRequest;
import io.skein.proto.admin.DeleteAclsResponse;
import io.skein.proto.admin.ListAclsRequest;
import io.skein.proto.admin.ListAclsResponse;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code skein acls}: list, add and remove ACLs, with the options of Kafka's {@code kafka-acls.sh}
 * (--topic, --group, --transactional-id, --cluster, --resource-pattern-type, --allow-principal,
 * --deny-principal, --allow-host, --deny-host, --operation, --principal).
 */
@Command(name = "acls", description = "List, add and remove ACLs (brokers need authorizer.class.name).",
        mixinStandardHelpOptions = true, subcommands = {AclsCommand.ListAcls.class, AclsCommand.Add.class,
        AclsCommand.Remove.class})
final class AclsCommand {
    /** The resources a command is about, as kafka-acls names them. */
    static final class Resources {
        @Option(names = "--topic", paramLabel = "TOPIC", description = "A topic (repeatable; * for every topic)")
        List<String> topics = new ArrayList<>();

        @Option(names = "--group", paramLabel = "GROUP", description = "A consumer group (repeatable; * for every group)")
        List<String> groups = new ArrayList<>();

        @Option(names = "--transactional-id", paramLabel = "ID",
                description = "A transactional id (repeatable; * for every one)")
        List<String> transactionalIds = new ArrayList<>();

        @Option(names = "--cluster", description = "The cluster")
        boolean cluster;

        /** Each resource as (type, name). */
        List<String[]> named() {
            List<String[]> resources = new ArrayList<>();
            topics.forEach(name -> resources.add(new String[]{ResourceType.TOPIC.name(), name}));
            groups.forEach(name -> resources.add(new String[]{ResourceType.GROUP.name(), name}));
            transactionalIds.forEach(name -> resources.add(new String[]{ResourceType.TRANSACTIONAL_ID.name(), name}));
            if (cluster) {
                resources.add(new String[]{ResourceType.CLUSTER.name(), io.skein.metadata.image.Acl.CLUSTER_NAME});
            }
            return resources;
        }

        /** {@link #named}, refusing none as bad usage: adding or removing ACLs is always about resources. */
        List<String[]> required(CommandSpec spec) {
            List<String[]> resources = named();
            if (resources.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "Name at least one resource: --topic, --group, "
                        + "--transactional-id or --cluster");
            }
            return resources;
        }
    }

    private static Output.Table table(List<Acl> acls) {
        Output.Table table = new Output.Table("RESOURCE-TYPE", "NAME", "PATTERN", "PRINCIPAL", "HOST", "OPERATION",
                "PERMISSION");
        acls.forEach(acl -> table.row(acl.getResourceType(), acl.getResourceName(), acl.getPatternType(),
                acl.getPrincipal(), acl.getHost(), acl.getOperation(), acl.getPermission()));
        return table;
    }

    /** Filters for every resource (none: any resource) and every principal (none: any), as the API takes them. */
    private static List<AclFilter> filters(List<String[]> resources, String patternType, List<String> principals,
                                           List<String> operations) {
        List<AclFilter.Builder> byResource = new ArrayList<>();
        if (resources.isEmpty()) {
            byResource.add(AclFilter.newBuilder());
        }
        for (String[] resource : resources) {
            byResource.add(AclFilter.newBuilder().setResourceType(resource[0]).setResourceName(resource[1])
                    .setPatternType(patternType));
        }
        List<AclFilter> filters = new ArrayList<>();
        for (AclFilter.Builder resource : byResource) {
            for (String principal : principals.isEmpty() ? List.<String>of("") : principals) {
                for (String operation : operations.isEmpty() ? List.<String>of("") : operations) {
                    AclFilter.Builder filter = resource.clone();
                    if (!principal.isEmpty()) {
                        filter.setPrincipal(principal);
                    }
                    if (!operation.isEmpty()) {
                        filter.setOperation(operation);
                    }
                    filters.add(filter.build());
                }
            }
        }
        return filters;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List ACLs: every one, or those of the "
            + "resources and principals given.")
    static final class ListAcls extends AdminCommand {
        @Mixin
        Resources resources;

        @Option(names = "--resource-pattern-type", paramLabel = "TYPE", defaultValue = "literal",
                description = "With resources: literal, prefixed, any (both, by exact name) or match (every ACL that "
                        + "applies to them, wildcard and prefixes included); default: ${DEFAULT-VALUE}")
        String patternType;

        @Option(names = "--principal", paramLabel = "PRINCIPAL", description = "Only the ACLs of this principal, "
                + "such as User:alice (repeatable)")
        List<String> principals = new ArrayList<>();

        @Override
        int run(AdminServiceBlockingStub admin) {
            ListAclsResponse response = admin.listAcls(ListAclsRequest.newBuilder()
                    .addAllFilters(filters(resources.named(), patternType, principals, List.of())).build());
            return print(response, table(response.getAclsList()).toString());
        }
    }

    /** Who an ACL allows or denies, from where. */
    static final class Entries {
        @Option(names = "--allow-principal", paramLabel = "PRINCIPAL",
                description = "A principal to allow, such as User:alice or User:* (repeatable)")
        List<String> allowPrincipals = new ArrayList<>();

        @Option(names = "--deny-principal", paramLabel = "PRINCIPAL", description = "A principal to deny (repeatable)")
        List<String> denyPrincipals = new ArrayList<>();

        @Option(names = "--allow-host", paramLabel = "HOST", description = "A host the allowed principals may act "
                + "from (repeatable; default: every host, *)")
        List<String> allowHosts = new ArrayList<>();

        @Option(names = "--deny-host", paramLabel = "HOST", description = "A host the denied principals may not act "
                + "from (repeatable; default: every host, *)")
        List<String> denyHosts = new ArrayList<>();
    }

    /** A command that adds or removes ACLs: of resources, for principals and hosts. */
    abstract static class Change extends AdminCommand {
        @Spec
        CommandSpec spec;

        @Mixin
        Resources resources;

        @Mixin
        Entries entries;
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add ACLs: each principal given, from each host, each operation, on each resource.")
    static final class Add extends Change {
        @Option(names = "--resource-pattern-type", paramLabel = "TYPE", defaultValue = "literal",
                description = "literal (the resource itself) or prefixed (every resource whose name starts so); "
                        + "default: ${DEFAULT-VALUE}")
        String patternType;

        @Option(names = "--operation", paramLabel = "OPERATION", description = "Read, Write, Create, Delete, Alter, "
                + "Describe, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite or All (repeatable; "
                + "default: All)")
        List<String> operations = new ArrayList<>();

        @Override
        int run(AdminServiceBlockingStub admin) {
            List<String[]> named = resources.required(spec);
            if (entries.allowPrincipals.isEmpty() && entries.denyPrincipals.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "Name --allow-principal or --deny-principal");
            }
            List<String> ops = operations.isEmpty() ? List.of(AclOperation.ALL.name()) : operations;
            CreateAclsRequest.Builder request = CreateAclsRequest.newBuilder();
            for (String[] resource : named) {
                add(request, resource, entries.allowPrincipals, entries.allowHosts, ops, "ALLOW");
                add(request, resource, entries.denyPrincipals, entries.denyHosts, ops, "DENY");
            }
            CreateAclsResponse response = admin.createAcls(request.build());
            return print(response, table(response.getAclsList()).toString());
        }

        private void add(CreateAclsRequest.Builder request, String[] resource, List<String> principals,
                         List<String> hosts, List<String> ops, String permission) {
            for (String principal : principals) {
                for (String host : hosts.isEmpty() ? List.of("*") : hosts) {
                    for (String operation : ops) {
                        request.addAcls(Acl.newBuilder().setResourceType(resource[0]).setResourceName(resource[1])
                                .setPatternType(patternType).setPrincipal(principal).setHost(host)
                                .setOperation(operation).setPermission(permission));
                    }
                }
            }
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove the ACLs of the resources given: "
            + "all of them, or those of the principals, hosts and operations given.")
    static final class Remove extends Change {
        @Option(names = "--resource-pattern-type", paramLabel = "TYPE", defaultValue = "literal",
                description = "literal, prefixed, any (both, by exact name) or match (every ACL that applies to the "
                        + "resources, wildcard and prefixes included: take care); default: ${DEFAULT-VALUE}")
        String patternType;

        @Option(names = "--operation", paramLabel = "OPERATION", description = "Only ACLs of this operation "
                + "(repeatable; default: any)")
        List<String> operations = new ArrayList<>();

        @Override
        int run(AdminServiceBlockingStub admin) {
            List<String[]> named = resources.required(spec);
            DeleteAclsRequest.Builder request = DeleteAclsRequest.newBuilder();
            if (entries.allowPrincipals.isEmpty() && entries.denyPrincipals.isEmpty()) {
                request.addAllFilters(filters(named, patternType, List.of(), operations));
            }
            remove(request, named, entries.allowPrincipals, entries.allowHosts, "ALLOW");
            remove(request, named, entries.denyPrincipals, entries.denyHosts, "DENY");
            DeleteAclsResponse response = admin.deleteAcls(request.build());
            return print(response, table(response.getDeletedList()).toString());
        }

        private void remove(DeleteAclsRequest.Builder request, List<String[]> named, List<String> principals,
                            List<String> hosts, String permission) {
            if (principals.isEmpty()) {
                return;
            }
            for (AclFilter filter : filters(named, patternType, principals, operations)) {
                for (String host : hosts.isEmpty() ? List.of("") : hosts) {
                    AclFilter.Builder withHost = filter.toBuilder().setPermission(permission);
                    if (!host.isEmpty()) {
                        withHost.setHost(host);
                    }
                    request.addFilters(withHost);
                }
            }
        }
    }
}
