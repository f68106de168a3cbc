package io.skein.cli;

import io.skein.broker.kafka.ScramPasswords;
import io.skein.proto.admin.AdminServiceGrpc.AdminServiceBlockingStub;
import io.skein.proto.admin.AlterUserRequest;
import io.skein.proto.admin.AlterUserResponse;
import io.skein.proto.admin.ListUsersRequest;
import io.skein.proto.admin.ListUsersResponse;
import io.skein.proto.admin.RemoveUserRequest;
import io.skein.proto.admin.RemoveUserResponse;
import io.skein.proto.admin.User;
import io.skein.proto.admin.UserCredential;
import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code skein users}: the cluster's SCRAM users (KIP-554), as {@code kafka-configs --entity-type users} has them. */
@Command(name = "users", description = "List, add or update, and remove SCRAM users.", mixinStandardHelpOptions = true,
        subcommands = {UsersCommand.ListUsers.class, UsersCommand.Add.class, UsersCommand.Remove.class})
final class UsersCommand {
    private static Output.Table table(List<User> users) {
        Output.Table table = new Output.Table("USER", "MECHANISM", "ITERATIONS");
        for (User user : users) {
            for (UserCredential credential : user.getCredentialsList()) {
                table.row(user.getName(), credential.getMechanism(), credential.getIterations());
            }
        }
        return table;
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Users and their SCRAM mechanisms and iterations (never a key or a password).")
    static final class ListUsers extends AdminCommand {
        @Parameters(arity = "0..*", paramLabel = "USER", description = "Default: every user")
        List<String> names = List.of();

        @Override
        int run(AdminServiceBlockingStub admin) {
            ListUsersResponse response = admin.listUsers(ListUsersRequest.newBuilder().addAllNames(names).build());
            return print(response, table(response.getUsersList()).toString());
        }
    }

    @Command(name = "add", aliases = "update", mixinStandardHelpOptions = true,
            description = {"Add a user, or set an existing user's password, for one SCRAM mechanism.",
                    "The password is salted here: only the salted password reaches the cluster."})
    static final class Add extends AdminCommand {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "USER")
        String name;

        @Option(names = "--mechanism", paramLabel = "MECHANISM", defaultValue = "SCRAM-SHA-512",
                description = "SCRAM-SHA-256 or SCRAM-SHA-512 (default: ${DEFAULT-VALUE})")
        String mechanism;

        @Option(names = "--password", paramLabel = "PASSWORD",
                description = "The password (visible to other users of this machine: prefer --password-file or the prompt)")
        String password;

        @Option(names = "--password-file", paramLabel = "FILE", description = "A file whose first line is the password")
        Path passwordFile;

        @Option(names = "--iterations", defaultValue = "4096",
                description = "Iterations of the salting, 4096 to 16384 (default: ${DEFAULT-VALUE})")
        int iterations;

        @Override
        int run(AdminServiceBlockingStub admin) {
            var scram = ScramPasswords.mechanism(mechanism).orElseThrow(() -> new ParameterException(spec.commandLine(),
                    "--mechanism is SCRAM-SHA-256 or SCRAM-SHA-512, not " + mechanism));
            ScramPasswords.Salted salted = ScramPasswords.salt(scram, password(), iterations);
            AlterUserResponse response = admin.alterUser(AlterUserRequest.newBuilder().setName(name)
                    .setMechanism(mechanism).setIterations(iterations).setSalt(salted.salt())
                    .setSaltedPassword(salted.saltedPassword()).build());
            return print(response, table(List.of(response.getUser())).toString());
        }

        private String password() {
            if (password != null && passwordFile != null) {
                throw new ParameterException(spec.commandLine(), "Give --password or --password-file, not both");
            }
            if (password != null) {
                return password;
            }
            if (passwordFile != null) {
                try {
                    return Files.readAllLines(passwordFile, StandardCharsets.UTF_8).stream().findFirst()
                            .orElseThrow(() -> new ParameterException(spec.commandLine(), passwordFile + " is empty"));
                } catch (IOException e) {
                    throw new ParameterException(spec.commandLine(), "Cannot read " + passwordFile + ": " + e.getMessage());
                }
            }
            Console console = Optional.ofNullable(System.console()).orElseThrow(() -> new ParameterException(
                    spec.commandLine(), "Give --password or --password-file: there is no terminal to ask on"));
            char[] first = console.readPassword("Password for %s: ", name);
            char[] again = console.readPassword("Again: ");
            if (first == null || !String.valueOf(first).equals(String.valueOf(again))) {
                throw new ParameterException(spec.commandLine(), "The passwords differ");
            }
            return String.valueOf(first);
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove a user's SCRAM credential for one mechanism, or all of them: it can no longer log in "
                    + "with it.")
    static final class Remove extends AdminCommand {
        @Parameters(paramLabel = "USER")
        String name;

        @Option(names = "--mechanism", paramLabel = "MECHANISM", description = "Default: every mechanism the user has")
        String mechanism = "";

        @Override
        int run(AdminServiceBlockingStub admin) {
            RemoveUserResponse response = admin.removeUser(RemoveUserRequest.newBuilder().setName(name)
                    .setMechanism(mechanism).build());
            return print(response, "Removed " + (mechanism.isEmpty() ? "every SCRAM credential" : mechanism) + " of "
                    + name + "\n");
        }
    }
}
