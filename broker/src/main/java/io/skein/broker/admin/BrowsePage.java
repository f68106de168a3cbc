package io.skein.broker.admin;

import com.google.protobuf.ByteString;
import io.skein.broker.kafka.FetchedRecords;
import io.skein.proto.admin.BrowsedRecord;
import io.skein.proto.admin.RecordBytes;
import io.skein.proto.admin.RecordHeader;
import io.skein.proto.admin.TimestampType;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;

/**
 * The records a browse returns, each copied once out of the fetched bytes, its key, value and header
 * values cut to {@code maxValueBytes}: at most {@code limit} records and {@code maxBytes} of copies,
 * so that neither a huge record nor many big ones make an answer a client would refuse.
 */
final class BrowsePage {
    /** What a record costs an answer beyond its copied bytes: offsets, sizes, field tags. */
    private static final int RECORD_OVERHEAD = 64;

    private final int limit;
    private final int maxValueBytes;
    private final int maxBytes;
    private final List<BrowsedRecord> records = new ArrayList<>();
    private int bytes;
    private boolean full;

    BrowsePage(int limit, int maxValueBytes, int maxBytes) {
        this.limit = limit;
        this.maxValueBytes = maxValueBytes;
        this.maxBytes = maxBytes;
    }

    /** Whether no record may be added: {@code limit} are in, or one did not fit. */
    boolean full() {
        return full || records.size() >= limit;
    }

    int room() {
        return maxBytes - bytes;
    }

    int size() {
        return records.size();
    }

    /**
     * Copies {@code record} in; or, if it would pass the page's bytes (and it is not the first),
     * leaves it out and marks the page full.
     *
     * @return whether it was added
     */
    boolean add(FetchedRecords.View record) {
        int cost = cost(record, maxValueBytes);
        if (full() || (!records.isEmpty() && cost > room())) {
            full = true;
            return false;
        }
        records.add(copy(record));
        bytes += cost;
        return true;
    }

    /** The records, in the order added. */
    List<BrowsedRecord> records() {
        return records;
    }

    /** What {@link #add} would cost the page's bytes. */
    static int cost(FetchedRecords.View record, int maxValueBytes) {
        int cost = RECORD_OVERHEAD + cut(record.key(), maxValueBytes) + cut(record.value(), maxValueBytes);
        for (Header header : record.headers()) {
            cost += RECORD_OVERHEAD + header.key().length()
                    + (header.value() == null ? 0 : Math.min(header.value().length, maxValueBytes));
        }
        return cost;
    }

    private static int cut(ByteBuffer bytes, int max) {
        return bytes == null ? 0 : Math.min(bytes.remaining(), max);
    }

    private BrowsedRecord copy(FetchedRecords.View record) {
        BrowsedRecord.Builder copy = BrowsedRecord.newBuilder().setOffset(record.offset())
                .setTimestampMs(record.timestamp())
                .setTimestampType(record.logAppendTime() ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME);
        if (record.key() != null) {
            copy.setKey(bytes(record.key()));
        }
        if (record.value() != null) {
            copy.setValue(bytes(record.value()));
        }
        for (Header header : record.headers()) {
            RecordHeader.Builder h = RecordHeader.newBuilder().setKey(header.key());
            if (header.value() != null) {
                h.setValue(bytes(ByteBuffer.wrap(header.value())));
            }
            copy.addHeaders(h);
        }
        return copy.build();
    }

    private RecordBytes bytes(ByteBuffer data) {
        int size = data.remaining();
        int kept = Math.min(size, maxValueBytes);
        return RecordBytes.newBuilder().setData(ByteString.copyFrom(data.duplicate().limit(data.position() + kept)))
                .setSize(size).setTruncated(kept < size).build();
    }
}
