package io.skein.broker.admin;

import io.skein.broker.kafka.FetchedRecords;
import io.skein.proto.admin.BrowseMessagesRequest;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.header.Header;

/**
 * Which records a browse returns: those whose key, value and a header (as the text {@code key=value})
 * hold the texts asked for, as substrings or regular expressions. Records are matched in place, on
 * the log's bytes: a substring as its UTF-8 bytes, a regular expression over the bytes decoded into
 * one buffer reused from record to record. One browse, one thread.
 */
final class RecordFilter {
    private final Text key;
    private final Text value;
    private final Text header;
    /** A header as {@code key=value}, reused. */
    private ByteBuffer headerText = ByteBuffer.allocate(256);

    private RecordFilter(Text key, Text value, Text header) {
        this.key = key;
        this.value = value;
        this.header = header;
    }

    /** The request's filters; INVALID_REQUEST naming a regular expression that does not compile. */
    static RecordFilter of(BrowseMessagesRequest request) {
        return new RecordFilter(text("key", request.getKeyFilter(), request.getRegex()),
                text("value", request.getValueFilter(), request.getRegex()),
                text("header", request.getHeaderFilter(), request.getRegex()));
    }

    private static Text text(String what, String filter, boolean regex) {
        if (filter.isEmpty()) {
            return null;
        }
        if (!regex) {
            return new Substring(filter.getBytes(StandardCharsets.UTF_8));
        }
        try {
            return new Regex(Pattern.compile(filter));
        } catch (PatternSyntaxException e) {
            throw new InvalidRequestException("The " + what + " filter is not a valid regular expression: "
                    + e.getMessage().replace(System.lineSeparator(), " "));
        }
    }

    boolean matches(FetchedRecords.View record) {
        return (key == null || key.in(record.key())) && (value == null || value.in(record.value()))
                && (header == null || anyHeader(record.headers()));
    }

    private boolean anyHeader(Header[] headers) {
        for (Header h : headers) {
            byte[] name = h.key().getBytes(StandardCharsets.UTF_8);
            byte[] data = h.value() == null ? new byte[0] : h.value();
            int size = name.length + 1 + data.length;
            if (headerText.capacity() < size) {
                headerText = ByteBuffer.allocate(Math.max(size, 2 * headerText.capacity()));
            }
            headerText.clear();
            headerText.put(name).put((byte) '=').put(data).flip();
            if (header.in(headerText)) {
                return true;
            }
        }
        return false;
    }

    /** A text to look for in bytes; a null key or value holds none. */
    private interface Text {
        boolean in(ByteBuffer bytes);
    }

    private record Substring(byte[] needle) implements Text {
        @Override
        public boolean in(ByteBuffer bytes) {
            if (bytes == null) {
                return false;
            }
            int start = bytes.position();
            int last = bytes.limit() - needle.length;
            for (int i = start; i <= last; i++) {
                int j = 0;
                while (j < needle.length && bytes.get(i + j) == needle[j]) {
                    j++;
                }
                if (j == needle.length) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final class Regex implements Text {
        private final Matcher matcher;
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        private CharBuffer chars = CharBuffer.allocate(256);

        Regex(Pattern pattern) {
            this.matcher = pattern.matcher("");
        }

        @Override
        public boolean in(ByteBuffer bytes) {
            if (bytes == null) {
                return false;
            }
            // UTF-8 never decodes to more chars than it has bytes.
            if (chars.capacity() < bytes.remaining()) {
                chars = CharBuffer.allocate(Math.max(bytes.remaining(), 2 * chars.capacity()));
            }
            chars.clear();
            decoder.reset();
            decoder.decode(bytes.duplicate(), chars, true);
            decoder.flush(chars);
            chars.flip();
            return matcher.reset(chars).find();
        }
    }
}
