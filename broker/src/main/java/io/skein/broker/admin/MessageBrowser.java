package io.skein.broker.admin;

import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.admin.BrowseEnd;
import io.skein.proto.admin.BrowseMessagesRequest;
import io.skein.proto.admin.BrowseMessagesResponse;
import io.skein.proto.admin.BrowsedRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;

/**
 * BrowseMessages: a page of one partition's records, read from its leader as a consumer reads them,
 * oldest or newest first, filtered ({@link RecordFilter}), each record copied once into the page
 * ({@link BrowsePage}). The one implementation behind the admin API's call, {@code skein messages}
 * and the console. Failures are Kafka's exceptions, as the admin API reports them.
 */
public final class MessageBrowser {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 10_000;
    static final long DEFAULT_SCAN_BYTES = 64L << 20;
    static final int DEFAULT_VALUE_BYTES = 64 << 10;
    static final int MAX_VALUE_BYTES = 1 << 20;
    /** What the records of an answer may take: gRPC clients accept 4 MiB by default. */
    static final int MAX_ANSWER_BYTES = 3 << 20;
    /** The offsets newest first reads back at first, before it knows how large records are. */
    private static final long FIRST_WINDOW = 16;
    /** The least a window fetches at once, however small its records look. */
    private static final int MIN_FETCH_BYTES = 4 << 10;

    private final AdminContext context;

    MessageBrowser(AdminContext context) {
        this.context = context;
    }

    /**
     * The page {@code request} asks for. Fails with UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE,
     * INVALID_REQUEST (a bad limit, size or regular expression), or OFFSET_OUT_OF_RANGE naming the
     * partition's valid offsets.
     */
    public CompletableFuture<BrowseMessagesResponse> browse(BrowseMessagesRequest request) {
        MetadataImage image = context.image();
        TopicPartition tp = new TopicPartition(request.getTopic(), request.getPartition());
        Browse browse = new Browse(request, AdminContext.existing(image, tp.topic()));
        return context.reads().fromBroker(image, LeaderReads.leader(image, tp), browse::run);
    }

    private static int within(String what, int value, int byDefault, int max) {
        if (value < 0 || value > max) {
            throw new InvalidRequestException(what + " must be from 1 to " + max + " (0: " + byDefault + "), not "
                    + value);
        }
        return value == 0 ? byDefault : value;
    }

    /** One request's browse, checked before it goes to a read thread; run there once. */
    private static final class Browse {
        private final BrowseMessagesRequest request;
        private final TopicImage topic;
        private final IsolationLevel isolation;
        private final int limit;
        private final int maxValueBytes;
        private final long maxScanBytes;
        private final RecordFilter filter;
        private long scanned;

        Browse(BrowseMessagesRequest request, TopicImage topic) {
            this.request = request;
            this.topic = topic;
            this.isolation = switch (request.getIsolationLevel()) {
                case READ_UNCOMMITTED -> IsolationLevel.READ_UNCOMMITTED;
                case READ_COMMITTED -> IsolationLevel.READ_COMMITTED;
                case UNRECOGNIZED -> throw new InvalidRequestException("Unknown isolation level "
                        + request.getIsolationLevelValue());
            };
            this.limit = within("limit", request.getLimit(), DEFAULT_LIMIT, MAX_LIMIT);
            this.maxValueBytes = within("max_value_bytes", request.getMaxValueBytes(), DEFAULT_VALUE_BYTES,
                    MAX_VALUE_BYTES);
            if (request.getMaxScanBytes() < 0) {
                throw new InvalidRequestException("max_scan_bytes must be positive (0: " + DEFAULT_SCAN_BYTES
                        + "), not " + request.getMaxScanBytes());
            }
            this.maxScanBytes = request.getMaxScanBytes() == 0 ? DEFAULT_SCAN_BYTES : request.getMaxScanBytes();
            if (request.getStartCase() == BrowseMessagesRequest.StartCase.TIMESTAMP_MS && request.getTimestampMs() < 0) {
                throw new InvalidRequestException("timestamp_ms must be ms since the epoch, not "
                        + request.getTimestampMs());
            }
            this.filter = RecordFilter.of(request);
        }

        BrowseMessagesResponse run(LeaderConnection leader) throws IOException {
            PartitionReader reader = leader.partition(topic, request.getPartition(), isolation);
            long start = reader.offset(PartitionReader.EARLIEST);
            long end = reader.offset(PartitionReader.LATEST);
            long position = switch (request.getStartCase()) {
                case OFFSET -> {
                    if (request.getOffset() < start || request.getOffset() > end) {
                        throw new OffsetOutOfRangeException("Offset " + request.getOffset() + " is out of range for "
                                + topic.name() + "-" + request.getPartition() + ": its offsets run from " + start
                                + " to " + end + " (the log start offset to the "
                                + (isolation == IsolationLevel.READ_COMMITTED ? "last stable offset)" : "high watermark)"));
                    }
                    yield request.getOffset();
                }
                case TIMESTAMP_MS -> {
                    long found = reader.offset(request.getTimestampMs());
                    yield found < 0 ? end : Math.max(found, start);
                }
                case START_NOT_SET -> request.getNewestFirst() ? end : start;
            };
            BrowseMessagesResponse.Builder response = BrowseMessagesResponse.newBuilder().setLogStartOffset(start)
                    .setEndOffset(end);
            if (request.getNewestFirst()) {
                newestFirst(reader, start, position, response);
            } else {
                oldestFirst(reader, position, end, response);
            }
            return response.setScannedBytes(scanned).build();
        }

        private void oldestFirst(PartitionReader reader, long from, long end, BrowseMessagesResponse.Builder response)
                throws IOException {
            BrowsePage page = new BrowsePage(limit, maxValueBytes, MAX_ANSWER_BYTES);
            PartitionReader.Scan scan = reader.scan(from, end, maxScanBytes, PartitionReader.FETCH_BYTES,
                    record -> !page.full() && (!filter.matches(record) || page.add(record)));
            scanned = scan.bytes();
            response.addAllRecords(page.records()).setNextOffset(scan.next()).setEnded(scan.stopped() ? BrowseEnd.LIMIT
                    : scan.next() >= end ? BrowseEnd.END : BrowseEnd.SCAN_LIMIT);
        }

        /**
         * Reads back from {@code before} in windows of offsets, each read forward twice: once for the
         * offsets (and sizes) of its matches, then, from the oldest of the newest ones the page has room
         * for, to copy them; so only the page's records are copied. Each window's size is estimated from
         * the matches and bytes per offset seen so far, to need one more window at most and to stay
         * within the bytes left to read.
         */
        private void newestFirst(PartitionReader reader, long start, long before, BrowseMessagesResponse.Builder response)
                throws IOException {
            BrowsePage page = new BrowsePage(limit, maxValueBytes, MAX_ANSWER_BYTES);
            List<BrowsedRecord> newest = new ArrayList<>();
            long hi = before;
            long span = Math.min(limit, FIRST_WINDOW);
            long offsetsRead = 0;
            long matched = 0;
            long firstPassBytes = 0;
            boolean full = false;
            while (!full && hi > start && scanned < maxScanBytes) {
                long lo = Math.max(start, hi - span);
                long bytesPerOffset = offsetsRead == 0 ? 0 : Math.max(1, firstPassBytes / offsetsRead);
                int fetchBytes = (int) Math.max(MIN_FETCH_BYTES, Math.min(PartitionReader.FETCH_BYTES,
                        bytesPerOffset * (hi - lo)));
                Matches matches = new Matches(limit - page.size());
                PartitionReader.Scan first = reader.scan(lo, hi, Long.MAX_VALUE, fetchBytes, record -> {
                    if (filter.matches(record)) {
                        matches.add(record.offset(), BrowsePage.cost(record, maxValueBytes));
                    }
                    return true;
                });
                scanned += first.bytes();
                firstPassBytes += first.bytes();
                offsetsRead += hi - lo;
                matched += matches.seen();
                int taken = matches.fitting(page.room(), page.size() == 0);
                if (taken > 0) {
                    int mark = page.size();
                    PartitionReader.Scan second = reader.scan(matches.newest(taken), hi, Long.MAX_VALUE, fetchBytes,
                            record -> !filter.matches(record) || page.add(record));
                    scanned += second.bytes();
                    List<BrowsedRecord> window = new ArrayList<>(page.records().subList(mark, page.size()));
                    Collections.reverse(window);
                    newest.addAll(window);
                }
                full = page.full() || taken < matches.held();
                hi = full ? hi : lo;
                span = nextSpan(span, offsetsRead, matched, limit - page.size(), firstPassBytes);
            }
            response.addAllRecords(newest);
            if (full) {
                response.setEnded(BrowseEnd.LIMIT).setNextOffset(newest.isEmpty() ? hi
                        : newest.get(newest.size() - 1).getOffset());
            } else {
                response.setEnded(hi <= start ? BrowseEnd.END : BrowseEnd.SCAN_LIMIT).setNextOffset(hi);
            }
        }

        /** Enough offsets for the matches still needed at the rate seen (4 times more if none yet), within the bytes left. */
        private long nextSpan(long span, long offsetsRead, long matched, int needed, long firstPassBytes) {
            long wanted = matched == 0 ? span * 4 : (long) Math.ceil(1.25 * needed * offsetsRead / matched);
            long bytesPerOffset = Math.max(1, firstPassBytes / Math.max(1, offsetsRead));
            long affordable = Math.max(1, (maxScanBytes - scanned) / bytesPerOffset);
            return Math.max(1, Math.min(wanted, affordable));
        }
    }

    /** The offsets and page costs of the newest {@code capacity} matches of a window, oldest first. */
    private static final class Matches {
        private final long[] offsets;
        private final int[] costs;
        private int seen;

        Matches(int capacity) {
            offsets = new long[capacity];
            costs = new int[capacity];
        }

        void add(long offset, int cost) {
            offsets[seen % offsets.length] = offset;
            costs[seen % offsets.length] = cost;
            seen++;
        }

        int seen() {
            return seen;
        }

        int held() {
            return Math.min(seen, offsets.length);
        }

        /** The i-th newest held match (0: the newest). */
        private int slot(int i) {
            return Math.floorMod(seen - 1 - i, offsets.length);
        }

        /** How many of the newest matches fit in {@code room} bytes; at least one if {@code atLeastOne}. */
        int fitting(int room, boolean atLeastOne) {
            int taken = 0;
            long cost = 0;
            while (taken < held() && (cost += costs[slot(taken)]) <= room) {
                taken++;
            }
            return taken == 0 && atLeastOne && held() > 0 ? 1 : taken;
        }

        /** The offset of the oldest of the {@code count} newest matches. */
        long newest(int count) {
            return offsets[slot(count - 1)];
        }
    }
}
