package io.skein.metadata.image;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publishers of one source of images (a voter's state machine, a broker's loader). Both methods
 * are called by the thread that applies the log, so a new publisher gets the current image, as a
 * replacement of everything, and then every change: none missed, none twice. A publisher that fails
 * is logged and the others still run.
 */
public final class MetadataPublishers {
    private static final Logger log = LoggerFactory.getLogger(MetadataPublishers.class);

    private final List<MetadataPublisher> publishers = new CopyOnWriteArrayList<>();

    public void add(MetadataPublisher publisher, MetadataImage current) {
        if (current.offset() > 0) {
            publishTo(publisher, ImageRecords.replacementDelta(current), current);
        }
        publishers.add(publisher);
    }

    public void publish(MetadataDelta delta, MetadataImage newImage) {
        publishers.forEach(publisher -> publishTo(publisher, delta, newImage));
    }

    private static void publishTo(MetadataPublisher publisher, MetadataDelta delta, MetadataImage image) {
        try {
            publisher.onMetadataUpdate(delta, image);
        } catch (RuntimeException e) {
            log.error("Metadata publisher {} failed at offset {}", publisher, image.offset(), e);
        }
    }
}
