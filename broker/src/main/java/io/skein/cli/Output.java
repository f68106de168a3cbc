package io.skein.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What the admin commands print: aligned tables for people, or JSON for scripts (an API response in
 * protobuf's JSON mapping, with every field present).
 */
final class Output {
    enum Format { TABLE, JSON }

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFormat.Printer JSON = JsonFormat.printer().alwaysPrintFieldsWithNoPresence();

    private Output() {
    }

    /** Plain values (maps, lists, strings, numbers) as one line of JSON. */
    static String json(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String json(MessageOrBuilder message) {
        try {
            return JSON.print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An API response as a JSON tree, to nest in a larger document. */
    static JsonNode tree(MessageOrBuilder message) {
        try {
            return MAPPER.readTree(json(message));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A table whose columns are as wide as their widest cell. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        Table(String... headers) {
            rows.add(headers);
        }

        Table row(Object... cells) {
            rows.add(Arrays.stream(cells).map(String::valueOf).toArray(String[]::new));
            return this;
        }

        @Override
        public String toString() {
            int columns = rows.get(0).length;
            int[] widths = new int[columns];
            for (String[] row : rows) {
                for (int i = 0; i < columns; i++) {
                    widths[i] = Math.max(widths[i], row[i].length());
                }
            }
            StringBuilder text = new StringBuilder();
            for (String[] row : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < columns; i++) {
                    line.append(i == columns - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
                }
                text.append(line.toString().stripTrailing()).append('\n');
            }
            return text.toString();
        }
    }

    /** A number, or "-" where the API says "none" with a negative one. */
    static String dash(long value) {
        return value < 0 ? "-" : Long.toString(value);
    }

    /** Milliseconds as seconds (12.345), or "-" where the API says "unknown" with a negative number. */
    static String seconds(long ms) {
        return ms < 0 ? "-" : String.format(Locale.ROOT, "%.3f", ms / 1000.0);
    }

    /** {@code [1, 2, 3]} as {@code 1,2,3}. */
    static String list(List<?> values) {
        return values.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
}
