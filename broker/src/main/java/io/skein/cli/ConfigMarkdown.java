package io.skein.cli;

import io.skein.node.ConfigReference.Key;
import io.skein.node.ConfigReference.Refusal;
import io.skein.node.ConfigReference.Scope;
import io.skein.node.DynamicBrokerConfig;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** The configuration reference as Markdown: {@code docs/configuration.md}, which is generated, never edited. */
final class ConfigMarkdown {
    /** How docs/configuration.md is made: the one command, named in the file and by the test that compares them. */
    static final String REGENERATE = "./scripts/skein config list -o markdown > docs/configuration.md";

    private ConfigMarkdown() {
    }

    /** The reference of {@code keys} and {@code refusals}, with the settings of the node {@code skein server start} runs without a file. */
    static String of(List<Key> keys, List<Refusal> refusals, Map<String, String> quickstart) {
        StringBuilder md = new StringBuilder();
        md.append("# Configuration reference\n\n")
                .append("<!-- Generated from the definitions the node parses its settings with (NodeConfig, LogConfig, ")
                .append("DynamicBrokerConfig) by\n     ").append(REGENERATE)
                .append("\n     Do not edit: ConfigurationDocTest fails when this file differs from what that prints. -->\n\n")
                .append("Every key Skein takes: a node's, in its config file (`skein server start --config ")
                .append("server.properties`, Kafka's broker config names), and a topic's (`skein topics create -c ")
                .append("KEY=VALUE`, `skein topics alter --set`, `kafka-configs --entity-type topics`). A key not ")
                .append("listed is refused by name, and so are the Kafka keys at the end. `skein config list` prints ")
                .append("the same in a terminal (`-o json` for scripts).\n\n")
                .append("Without `--config`, `skein server start` runs the quickstart's node: ")
                .append(new TreeMap<>(quickstart).entrySet().stream().map(e -> "`" + e.getKey() + "=" + e.getValue() + "`")
                        .collect(Collectors.joining(", ")))
                .append(", every other key at its default.\n\n")
                .append("The update mode is as in Kafka's documentation: `").append(DynamicBrokerConfig.READ_ONLY)
                .append("` keys are read when the node starts; `").append(DynamicBrokerConfig.CLUSTER_WIDE)
                .append("` keys may also change while brokers run, for the whole cluster or one broker ")
                .append("(`kafka-configs --alter --entity-type brokers --entity-default` or `--entity-name ID`), a ")
                .append("broker's own value winning over the cluster's, which wins over the file's. A topic's keys ")
                .append("all change at any time, for that topic; a topic without its own value of a key takes its ")
                .append("server default (the first of those node keys that is set), else the default shown.\n");
        List<Key> node = keys.stream().filter(key -> key.scope() == Scope.NODE).toList();
        if (!node.isEmpty()) {
            md.append("\n## Node keys\n\n| Key | Type | Default | Valid values | Update mode | Description |\n")
                    .append("|---|---|---|---|---|---|\n");
            node.forEach(key -> md.append(row(code(key.name()), text(key.type()), defaultValue(key), text(key.validValues()),
                    key.updateMode(), text(key.documentation()))));
        }
        List<Key> topic = keys.stream().filter(key -> key.scope() == Scope.TOPIC).toList();
        if (!topic.isEmpty()) {
            md.append("\n## Topic keys\n\n| Key | Type | Default | Valid values | Server default | Description |\n")
                    .append("|---|---|---|---|---|---|\n");
            topic.forEach(key -> md.append(row(code(key.name()), key.type(), defaultValue(key), text(key.validValues()),
                    key.serverDefault().stream().map(ConfigMarkdown::code).collect(Collectors.joining(", ")),
                    text(key.documentation()))));
        }
        if (!refusals.isEmpty()) {
            md.append("\n## Refused\n\nKafka keys, and values, for features Skein does not have: the node or the ")
                    .append("topic is refused with the reason.\n\n| Key | Why |\n|---|---|\n");
            refusals.forEach(refusal -> md.append(row(code(refusal.name()), text(refusal.reason()))));
        }
        return md.toString();
    }

    private static String row(String... cells) {
        return "| " + String.join(" | ", cells) + " |\n";
    }

    private static String defaultValue(Key key) {
        if (key.defaultValue() == null) {
            return key.required() ? "required" : "";
        }
        return key.defaultValue().isEmpty() ? "`\"\"`" : code(key.defaultValue());
    }

    /** A code span in a table cell: only the column separator needs escaping there. */
    private static String code(String value) {
        return "`" + value.replace("|", "\\|") + "`";
    }

    /** Plain text in a table cell, with nothing Markdown or HTML would take for markup (an underscore inside a word is none). */
    private static String text(String value) {
        return value.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*")
                .replaceAll("(?<![A-Za-z0-9])_", "\\\\_").replace("<", "&lt;").replace(">", "&gt;");
    }
}
