package io.skein.cli;

import io.skein.broker.kafka.ScramPasswords;
import io.skein.metadata.image.ImageRecords;
import io.skein.proto.metadata.MetadataRecord;
import io.skein.proto.metadata.ScramMechanism;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A SCRAM user as Kafka's {@code kafka-storage format --add-scram} takes it:
 * {@code SCRAM-SHA-512=[name=admin,password=admin-secret]}, with {@code iterations=N} if wanted; a value
 * may be in double quotes (then it may hold commas).
 */
record ScramUserArgument(String name, ScramMechanism mechanism, String password, int iterations) {
    private static final Pattern FORM = Pattern.compile("(SCRAM-SHA-(?:256|512))=\\[(.*)]");
    private static final Pattern PAIR = Pattern.compile("\\s*([a-z]+)=(\"[^\"]*\"|[^,]*)\\s*(?:,|$)");

    static Optional<ScramUserArgument> parse(String argument) {
        Matcher form = FORM.matcher(argument.trim());
        if (!form.matches()) {
            return Optional.empty();
        }
        Map<String, String> values = new HashMap<>();
        Matcher pair = PAIR.matcher(form.group(2));
        int end = 0;
        while (end < form.group(2).length() && pair.find(end) && pair.start() == end) {
            String value = pair.group(2);
            values.put(pair.group(1), value.startsWith("\"") ? value.substring(1, value.length() - 1) : value);
            end = pair.end();
        }
        if (end != form.group(2).length() || !values.containsKey("name") || !values.containsKey("password")
                || !values.keySet().stream().allMatch(key -> key.equals("name") || key.equals("password")
                || key.equals("iterations"))) {
            return Optional.empty();
        }
        try {
            int iterations = Integer.parseInt(values.getOrDefault("iterations", "4096"));
            if (values.get("name").isEmpty() || iterations < 4096 || iterations > 16384) { // Kafka's limits
                return Optional.empty();
            }
            return Optional.of(new ScramUserArgument(values.get("name"),
                    ScramPasswords.mechanism(form.group(1)).orElseThrow(), values.get("password"), iterations));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The record that gives the user this credential, salted now. */
    MetadataRecord record() {
        return ImageRecords.scramCredentialRecord(name, mechanism, ScramPasswords.credential(mechanism, password,
                iterations));
    }

    @Override
    public String toString() {
        return "ScramUserArgument(" + name + ", " + mechanism + ")";
    }
}
