package io.skein.server.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skein.proto.admin.RecordBytes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Optional;

/**
 * A record's key, value or header value as the user chose to see it: UTF-8 text, JSON (re-printed
 * with indents when it parses; a cut value never does), or hex. Control characters other than line
 * breaks and tabs are written as {@code \}{@code uXXXX}, so that none is hidden.
 */
enum RecordView {
    TEXT("text"),
    JSON("json"),
    HEX("hex");

    private static final ObjectMapper MAPPER = new ObjectMapper();

    final String param;

    RecordView(String param) {
        this.param = param;
    }

    static RecordView of(String param) {
        for (RecordView view : values()) {
            if (view.param.equals(param)) {
                return view;
            }
        }
        return TEXT;
    }

    String show(RecordBytes bytes) {
        return switch (this) {
            case HEX -> HexFormat.ofDelimiter(" ").formatHex(bytes.getData().toByteArray());
            case JSON -> pretty(bytes).orElseGet(() -> visible(bytes.getData().toString(StandardCharsets.UTF_8)));
            case TEXT -> visible(bytes.getData().toString(StandardCharsets.UTF_8));
        };
    }

    private static Optional<String> pretty(RecordBytes bytes) {
        if (bytes.getTruncated()) {
            return Optional.empty();
        }
        try {
            JsonNode tree = MAPPER.readTree(bytes.getData().toByteArray());
            return tree == null || tree.isMissingNode() ? Optional.empty()
                    : Optional.of(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(tree));
        } catch (JsonProcessingException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String visible(String text) {
        StringBuilder shown = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (c != '\n' && c != '\t' && Character.isISOControl(c)) {
                shown.append(String.format("\\u%04x", c));
            } else {
                shown.appendCodePoint(c);
            }
        });
        return shown.toString();
    }
}
