package io.skein.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.skein.broker.admin.TimeArgument;
import io.skein.proto.admin.AdminServiceGrpc.AdminServiceBlockingStub;
import io.skein.proto.admin.BrowseEnd;
import io.skein.proto.admin.BrowseMessagesRequest;
import io.skein.proto.admin.BrowseMessagesResponse;
import io.skein.proto.admin.BrowsedRecord;
import io.skein.proto.admin.IsolationLevel;
import io.skein.proto.admin.RecordBytes;
import io.skein.proto.admin.TimestampType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** {@code skein messages}: a page of a partition's records, found by offset, time and text. */
@Command(name = "messages", mixinStandardHelpOptions = true,
        description = {"Browse a partition's records as a consumer reads them, without joining a group: from an offset "
                + "or a time, oldest or newest first, only those whose key, value or a header (as key=value) holds a "
                + "text if asked.",
                "Prints one page; stderr says how to ask for the next one. Keys and values over --max-value-bytes are "
                        + "cut, saying so."})
final class MessagesCommand extends AdminCommand {
    /** Values are JSON only if the whole of them is. */
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    enum Format { TEXT, JSON, HEX }

    enum Isolation { READ_UNCOMMITTED, READ_COMMITTED }

    @Parameters(paramLabel = "TOPIC")
    String topic;

    @Option(names = {"-p", "--partition"}, paramLabel = "N", description = "The partition (default: ${DEFAULT-VALUE})")
    int partition;

    @ArgGroup(exclusive = true)
    Start start;

    static final class Start {
        @Option(names = "--offset", paramLabel = "OFFSET", description = "Start here (newest first: just before it)")
        Long offset;

        @Option(names = "--time", paramLabel = "TIME", converter = TimeConverter.class,
                description = "Start at the first record at or after this time: ms since the epoch, or ISO-8601 "
                        + "such as 2024-05-01T12:00:00Z")
        Long timeMs;
    }

    @Option(names = "--newest", description = "Newest first: the last records before the start (default: the end)")
    boolean newest;

    @Option(names = {"-n", "--limit"}, paramLabel = "N", description = "At most N records (default: 100)")
    int limit;

    @Option(names = "--key", paramLabel = "TEXT", description = "Only records whose key holds TEXT")
    String key = "";

    @Option(names = "--value", paramLabel = "TEXT", description = "Only records whose value holds TEXT")
    String value = "";

    @Option(names = "--header", paramLabel = "TEXT", description = "Only records with a header whose key=value "
            + "holds TEXT")
    String header = "";

    @Option(names = "--regex", description = "TEXT is a regular expression (Java syntax), found anywhere")
    boolean regex;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "How keys and values are shown: text (UTF-8), json (re-printed if valid JSON), or hex; "
                    + "default: ${DEFAULT-VALUE}")
    Format format;

    @Option(names = "--isolation-level", paramLabel = "LEVEL", defaultValue = "read_uncommitted",
            description = "read_committed leaves out aborted transactions and stops at the last stable offset; "
                    + "default: ${DEFAULT-VALUE}")
    Isolation isolation;

    @Option(names = "--max-value-bytes", paramLabel = "BYTES", description = "Cut longer keys and values "
            + "(default: 65536)")
    int maxValueBytes;

    @Option(names = "--max-scan-bytes", paramLabel = "BYTES", description = "Stop after reading this much of the "
            + "log (default: 64 MiB)")
    long maxScanBytes;

    @Override
    int run(AdminServiceBlockingStub admin) {
        BrowseMessagesRequest.Builder request = BrowseMessagesRequest.newBuilder().setTopic(topic)
                .setPartition(partition).setNewestFirst(newest).setLimit(limit).setKeyFilter(key)
                .setValueFilter(value).setHeaderFilter(header).setRegex(regex).setMaxValueBytes(maxValueBytes)
                .setMaxScanBytes(maxScanBytes).setIsolationLevel(isolation == Isolation.READ_COMMITTED
                        ? IsolationLevel.READ_COMMITTED : IsolationLevel.READ_UNCOMMITTED);
        if (start != null && start.offset != null) {
            request.setOffset(start.offset);
        } else if (start != null) {
            request.setTimestampMs(start.timeMs);
        }
        BrowseMessagesResponse response = admin.browseMessages(request.build());
        progress(summary(response));
        if (json()) {
            System.out.println(Output.json(rendered(response)));
            return 0;
        }
        Output.Table table = new Output.Table("OFFSET", "TIMESTAMP", "KEY", "HEADERS", "VALUE");
        for (BrowsedRecord record : response.getRecordsList()) {
            table.row(record.getOffset(), Instant.ofEpochMilli(record.getTimestampMs())
                            + (record.getTimestampType() == TimestampType.LOG_APPEND_TIME ? " (log append)" : ""),
                    record.hasKey() ? text(record.getKey()) : "null",
                    record.getHeadersList().stream().map(h -> h.getKey() + "="
                            + (h.hasValue() ? text(h.getValue()) : "null")).collect(Collectors.joining(",")),
                    record.hasValue() ? text(record.getValue()) : "null");
        }
        System.out.print(table);
        return 0;
    }

    private String summary(BrowseMessagesResponse response) {
        String records = response.getRecordsCount() + (response.getRecordsCount() == 1 ? " record" : " records");
        String next = "--offset " + response.getNextOffset() + (newest ? " --newest" : "");
        if (response.getEnded() == BrowseEnd.LIMIT) {
            return records + "; the next page: " + next;
        }
        if (response.getEnded() == BrowseEnd.SCAN_LIMIT) {
            return records + " after reading " + response.getScannedBytes() + " bytes (--max-scan-bytes); go on with "
                    + next;
        }
        return records + "; no more before " + (newest ? "the log start" : "the end") + " (offsets "
                + response.getLogStartOffset() + " to " + response.getEndOffset() + ")";
    }

    /** One line of a table: the bytes as --format says, with control characters escaped. */
    private String text(RecordBytes bytes) {
        String shown = switch (format) {
            case HEX -> hex(bytes);
            case JSON -> parsed(bytes).map(JsonNode::toString).orElseGet(() -> utf8(bytes));
            case TEXT -> utf8(bytes);
        };
        StringBuilder line = new StringBuilder(shown.length());
        shown.chars().forEach(c -> line.append(switch (c) {
            case '\n' -> "\\n";
            case '\t' -> "\\t";
            case '\r' -> "\\r";
            default -> Character.isISOControl(c) ? String.format("\\u%04x", c) : Character.toString(c);
        }));
        return bytes.getTruncated() ? line + "...[cut from " + bytes.getSize() + " bytes]" : line.toString();
    }

    private static String utf8(RecordBytes bytes) {
        return bytes.getData().toString(StandardCharsets.UTF_8);
    }

    /** The bytes as JSON, if they are (a cut value never is). */
    private static Optional<JsonNode> parsed(RecordBytes bytes) {
        if (bytes.getTruncated()) {
            return Optional.empty();
        }
        try {
            return Optional.of(MAPPER.readTree(bytes.getData().toByteArray())).filter(node -> !node.isMissingNode());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The API's answer as JSON, the bytes' data shown as --format says rather than in base64. */
    private JsonNode rendered(BrowseMessagesResponse response) {
        JsonNode tree = Output.tree(response);
        for (int i = 0; i < response.getRecordsCount(); i++) {
            BrowsedRecord record = response.getRecords(i);
            JsonNode node = tree.get("records").get(i);
            if (record.hasKey()) {
                ((ObjectNode) node.get("key")).set("data", data(record.getKey()));
            }
            if (record.hasValue()) {
                ((ObjectNode) node.get("value")).set("data", data(record.getValue()));
            }
            for (int h = 0; h < record.getHeadersCount(); h++) {
                if (record.getHeaders(h).hasValue()) {
                    ((ObjectNode) node.get("headers").get(h).get("value")).set("data",
                            new TextNode(format == Format.HEX ? hex(record.getHeaders(h).getValue())
                                    : utf8(record.getHeaders(h).getValue())));
                }
            }
        }
        return tree;
    }

    private JsonNode data(RecordBytes bytes) {
        return switch (format) {
            case HEX -> new TextNode(hex(bytes));
            case JSON -> parsed(bytes).orElseGet(() -> new TextNode(utf8(bytes)));
            case TEXT -> new TextNode(utf8(bytes));
        };
    }

    private static String hex(RecordBytes bytes) {
        return HexFormat.of().formatHex(bytes.getData().toByteArray());
    }

    /** A time as {@link TimeArgument} reads it. */
    static final class TimeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return TimeArgument.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
