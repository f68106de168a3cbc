package io.skein.cli;

import io.skein.proto.admin.AdminServiceGrpc.AdminServiceBlockingStub;
import io.skein.proto.admin.AlterClientQuotasRequest;
import io.skein.proto.admin.AlterClientQuotasResponse;
import io.skein.proto.admin.ClientQuotaEntityPart;
import io.skein.proto.admin.ClientQuotaEntry;
import io.skein.proto.admin.ClientQuotaMatch;
import io.skein.proto.admin.ListClientQuotasRequest;
import io.skein.proto.admin.ListClientQuotasResponse;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code skein quotas}: client quotas (KIP-13, KIP-55, KIP-124), as {@code kafka-configs --entity-type
 * users/clients} sets them: produce and fetch byte rates and request time, per user, client id, or a
 * user's client id, each named or the default.
 */
@Command(name = "quotas", mixinStandardHelpOptions = true,
        description = {"List, set and remove client quotas: byte rates and request time per user and client id.",
                "Keys: producer_byte_rate and consumer_byte_rate (bytes per second, per broker), request_percentage "
                        + "(of one request thread, per broker). A client is held to the most specific quota that "
                        + "names it: its user and client id, then its user, then its client id, named before default."},
        subcommands = {QuotasCommand.ListQuotas.class, QuotasCommand.SetQuotas.class, QuotasCommand.RemoveQuotas.class})
final class QuotasCommand {
    private static final String USER = "user";
    private static final String CLIENT_ID = "client-id";

    /** The entity a command is about: a user, a client id, or both, each named or the default. */
    static final class Entity {
        @Spec(Spec.Target.MIXEE)
        CommandSpec spec;

        @Option(names = "--user", paramLabel = "USER", description = "A user (its principal's name: User:alice is alice)")
        String user;

        @Option(names = "--default-user", description = "Every user without a quota of its own")
        boolean defaultUser;

        @Option(names = "--client-id", paramLabel = "CLIENT_ID", description = "A client id")
        String clientId;

        @Option(names = "--default-client-id", description = "Every client id without a quota of its own")
        boolean defaultClientId;

        /** The entity's parts, in the admin API's terms; none if no option names one. */
        List<ClientQuotaEntityPart> parts() {
            List<ClientQuotaEntityPart> parts = new ArrayList<>();
            part(USER, user, defaultUser, "--user", "--default-user").ifPresent(parts::add);
            part(CLIENT_ID, clientId, defaultClientId, "--client-id", "--default-client-id").ifPresent(parts::add);
            return parts;
        }

        /** The parts, refusing a command that names no entity. */
        List<ClientQuotaEntityPart> required() {
            List<ClientQuotaEntityPart> parts = parts();
            if (parts.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "Name a user (--user or --default-user), a client id "
                        + "(--client-id or --default-client-id), or both");
            }
            return parts;
        }

        private Optional<ClientQuotaEntityPart> part(String type, String name, boolean isDefault,
                                                               String nameOption, String defaultOption) {
            if (name != null && isDefault) {
                throw new ParameterException(spec.commandLine(), "Give " + nameOption + " or " + defaultOption
                        + ", not both");
            }
            if (name == null && !isDefault) {
                return Optional.empty();
            }
            ClientQuotaEntityPart.Builder part = ClientQuotaEntityPart.newBuilder().setEntityType(type);
            if (name != null) {
                part.setEntityName(name);
            }
            return Optional.of(part.build());
        }
    }

    /** A list's match of entities with {@code part}: of its name, or the default. */
    private static ClientQuotaMatch match(ClientQuotaEntityPart part) {
        ClientQuotaMatch.Builder match = ClientQuotaMatch.newBuilder().setEntityType(part.getEntityType());
        return part.hasEntityName() ? match.setEntityName(part.getEntityName()).build()
                : match.setDefaultEntity(true).build();
    }

    /** The name of the entry's part of {@code type}: its name, {@code <default>}, or {@code -} if it has none. */
    private static String name(ClientQuotaEntry entry, String type) {
        return entry.getEntityList().stream().filter(part -> part.getEntityType().equals(type)).findFirst()
                .map(part -> part.hasEntityName() ? part.getEntityName() : "<default>").orElse("-");
    }

    /** A quota as people write it: byte rates as whole numbers, percentages without trailing zeros. */
    private static String value(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    private static String table(List<ClientQuotaEntry> entries) {
        Output.Table table = new Output.Table("USER", "CLIENT-ID", "QUOTA", "VALUE");
        for (ClientQuotaEntry entry : entries) {
            new TreeMap<>(entry.getQuotasMap()).forEach((key, value) -> table.row(name(entry, USER),
                    name(entry, CLIENT_ID), key, value(value)));
        }
        return table.toString();
    }

    /** The entry's quotas, or a line saying it has none left. */
    private static String described(ClientQuotaEntry entry) {
        if (entry.getQuotasCount() > 0) {
            return table(List.of(entry));
        }
        return "No quotas left for user " + name(entry, USER) + ", client id " + name(entry, CLIENT_ID) + "\n";
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Quotas, by user and client id: all of them, or those of the entities that have the "
                    + "parts named (--user alice: alice's own and those of alice's client ids).")
    static final class ListQuotas extends AdminCommand {
        @Mixin
        Entity entity;

        @Override
        int run(AdminServiceBlockingStub admin) {
            ListClientQuotasRequest.Builder request = ListClientQuotasRequest.newBuilder();
            entity.parts().forEach(part -> request.addMatches(match(part)));
            ListClientQuotasResponse response = admin.listClientQuotas(request.build());
            return print(response, response.getEntriesCount() == 0 ? "No client quotas\n"
                    : table(response.getEntriesList()));
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Set quotas of a user, a client id, or a user's client id (each named or the default).")
    static final class SetQuotas extends AdminCommand {
        @Spec
        CommandSpec spec;

        @Mixin
        Entity entity;

        @Parameters(arity = "1..*", paramLabel = "KEY=VALUE",
                description = "e.g. producer_byte_rate=1048576 consumer_byte_rate=2097152 request_percentage=50")
        List<String> quotas;

        @Override
        int run(AdminServiceBlockingStub admin) {
            Map<String, Double> set = new LinkedHashMap<>();
            for (String quota : quotas) {
                int equals = quota.indexOf('=');
                try {
                    if (equals <= 0) {
                        throw new NumberFormatException();
                    }
                    set.put(quota.substring(0, equals), Double.parseDouble(quota.substring(equals + 1)));
                } catch (NumberFormatException e) {
                    throw new ParameterException(spec.commandLine(), "Not KEY=NUMBER: " + quota);
                }
            }
            AlterClientQuotasResponse response = admin.alterClientQuotas(AlterClientQuotasRequest.newBuilder()
                    .addAllEntity(entity.required()).putAllSet(set).build());
            return print(response, described(response.getEntry()));
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove quotas of a user, a client id, or a user's client id: the next most specific "
                    + "quota applies to its clients instead, if any.")
    static final class RemoveQuotas extends AdminCommand {
        @Spec
        CommandSpec spec;

        @Mixin
        Entity entity;

        @Parameters(arity = "0..*", paramLabel = "KEY", description = "The quotas to remove")
        List<String> keys = List.of();

        @Option(names = "--all", description = "Remove every quota of the entity")
        boolean all;

        @Override
        int run(AdminServiceBlockingStub admin) {
            List<ClientQuotaEntityPart> parts = entity.required();
            if (all == !keys.isEmpty()) {
                throw new ParameterException(spec.commandLine(), "Name the quotas to remove, or give --all");
            }
            List<String> removed = keys;
            if (all) {
                ListClientQuotasRequest.Builder exactly = ListClientQuotasRequest.newBuilder().setStrict(true);
                parts.forEach(part -> exactly.addMatches(match(part)));
                removed = admin.listClientQuotas(exactly.build()).getEntriesList().stream()
                        .flatMap(entry -> entry.getQuotasMap().keySet().stream()).toList();
            }
            AlterClientQuotasResponse response = admin.alterClientQuotas(AlterClientQuotasRequest.newBuilder()
                    .addAllEntity(parts).addAllRemove(removed).build());
            return print(response, described(response.getEntry()));
        }
    }
}
