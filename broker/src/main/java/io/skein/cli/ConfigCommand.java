package io.skein.cli;

import io.skein.node.ConfigReference;
import io.skein.node.ConfigReference.Key;
import io.skein.node.ConfigReference.Refusal;
import io.skein.node.ConfigReference.Scope;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skein config list}: the configuration reference, from the definitions the node parses its settings with. */
@Command(name = "config", description = "The keys of a node's config file and of topics.",
        mixinStandardHelpOptions = true, subcommands = ConfigCommand.ListKeys.class)
final class ConfigCommand {
    enum Format { TABLE, JSON, MARKDOWN }

    /** The widest default or list of valid values a table shows whole; JSON and Markdown show every one whole. */
    private static final int CELL = 32;

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List every key of a node's config file (server.properties, Kafka's broker config names) "
                    + "and of topics: type, default, valid values, whether it can change while brokers run, and "
                    + "what it does; then the Kafka keys Skein refuses.",
                    "docs/configuration.md is this list as Markdown (-o markdown)."})
    static final class ListKeys implements Callable<Integer> {
        @Parameters(arity = "0..1", paramLabel = "TEXT", description = "Only keys whose name contains TEXT")
        String text = "";

        @Option(names = "--scope", paramLabel = "SCOPE", description = "node or topic; default: both")
        Scope scope;

        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
                description = "table (for people), json (for scripts) or markdown; default: ${DEFAULT-VALUE}")
        Format output;

        @Override
        public Integer call() {
            List<Key> keys = ConfigReference.keys().stream().filter(key -> wanted(key.scope(), key.name())).toList();
            List<Refusal> refusals = ConfigReference.refusals().stream()
                    .filter(refusal -> wanted(refusal.scope(), refusal.name())).toList();
            if (keys.isEmpty() && refusals.isEmpty()) {
                System.err.println("No key's name contains '" + text + "'" + (scope == null ? ""
                        : " among the " + scope.name().toLowerCase(Locale.ROOT) + " keys"));
                return 1;
            }
            System.out.print(switch (output) {
                case TABLE -> table(keys, refusals);
                case JSON -> json(keys, refusals) + "\n";
                case MARKDOWN -> ConfigMarkdown.of(keys, refusals, ServerCommand.EMBEDDED_DEFAULTS);
            });
            return 0;
        }

        private boolean wanted(Scope of, String name) {
            return (scope == null || scope == of) && name.contains(text);
        }
    }

    private static String table(List<Key> keys, List<Refusal> refusals) {
        StringBuilder text = new StringBuilder();
        List<Key> node = keys.stream().filter(key -> key.scope() == Scope.NODE).toList();
        List<Key> topic = keys.stream().filter(key -> key.scope() == Scope.TOPIC).toList();
        if (!node.isEmpty()) {
            Output.Table table = new Output.Table("KEY", "TYPE", "DEFAULT", "VALID-VALUES", "UPDATE-MODE",
                    "DESCRIPTION");
            node.forEach(key -> table.row(key.name(), key.type(), cut(defaultValue(key)), cut(key.validValues()),
                    key.updateMode(), key.summary()));
            text.append("Node keys (server.properties):\n").append(table);
        }
        if (!topic.isEmpty()) {
            Output.Table table = new Output.Table("KEY", "TYPE", "DEFAULT", "VALID-VALUES", "SERVER-DEFAULT",
                    "DESCRIPTION");
            topic.forEach(key -> table.row(key.name(), key.type(), cut(defaultValue(key)), cut(key.validValues()),
                    String.join(",", key.serverDefault()), key.summary()));
            text.append(text.isEmpty() ? "" : "\n").append("Topic keys (any can change at any time, per topic):\n")
                    .append(table);
        }
        if (!refusals.isEmpty()) {
            Output.Table table = new Output.Table("KEY", "WHY");
            refusals.forEach(refusal -> table.row(refusal.name(), refusal.reason()));
            text.append(text.isEmpty() ? "" : "\n").append("Refused:\n").append(table);
        }
        return text.toString();
    }

    /** A value cut to {@value #CELL} characters, so that one long value does not widen a column for every key. */
    private static String cut(String value) {
        return value.length() <= CELL ? value : value.substring(0, CELL - 3) + "...";
    }

    private static String defaultValue(Key key) {
        if (key.defaultValue() == null) {
            return key.required() ? "(required)" : "-";
        }
        return key.defaultValue().isEmpty() ? "\"\"" : key.defaultValue();
    }

    private static String json(List<Key> keys, List<Refusal> refusals) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("keys", keys.stream().map(key -> {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("name", key.name());
            fields.put("scope", key.scope().name().toLowerCase(Locale.ROOT));
            fields.put("type", key.type());
            fields.put("default", key.defaultValue());
            fields.put("required", key.required());
            fields.put("validValues", key.validValues());
            fields.put("updateMode", key.updateMode());
            fields.put("serverDefault", key.serverDefault());
            fields.put("documentation", key.documentation());
            return fields;
        }).toList());
        document.put("refused", refusals.stream().map(refusal -> {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("name", refusal.name());
            fields.put("scope", refusal.scope().name().toLowerCase(Locale.ROOT));
            fields.put("reason", refusal.reason());
            return fields;
        }).toList());
        return Output.json(document);
    }
}
