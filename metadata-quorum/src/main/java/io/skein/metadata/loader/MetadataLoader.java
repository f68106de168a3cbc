package io.skein.metadata.loader;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.skein.metadata.controller.MetadataStreamer;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.MetadataPublisher;
import io.skein.metadata.image.MetadataPublishers;
import io.skein.metadata.tls.GrpcTls;
import io.skein.metadata.tls.TlsSettings;
import io.skein.proto.controller.ControllerServiceGrpc;
import io.skein.proto.controller.FetchMetadataRequest;
import io.skein.proto.controller.MetadataUpdate;
import io.skein.metadata.util.RetryLog;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker's copy of the metadata: it streams the committed metadata log from the active controller,
 * replays it into a {@link MetadataImage} and hands each change to its publishers. When a stream ends
 * it asks again, at the leader the refusal or the end named if any, else at the next voter, for what
 * follows its last offset; a controller that no longer has those batches sends the whole image
 * instead. The image's offset never goes back: a batch or image at or below it is dropped, so that no
 * publisher ever acts on metadata older than what it has seen.
 *
 * <p>The active controller sends a heartbeat on a quiet stream; a stream silent for
 * {@link #STREAM_SILENCE_TIMEOUT_MS} is given up (its controller froze, or was cut off and has not yet
 * noticed it no longer leads) and the loader asks the next voter, which names the leader.
 *
 * <p>One thread applies updates, in log order, and calls the publishers.
 */
public final class MetadataLoader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetadataLoader.class);
    private static final long RECONNECT_BACKOFF_MS = 100;
    static final long STREAM_SILENCE_TIMEOUT_MS = 10 * MetadataStreamer.HEARTBEAT_INTERVAL_MS;

    private final int brokerId;
    private final Map<Integer, ManagedChannel> channels = new TreeMap<>();
    private final List<Integer> voterIds;
    private final MetadataPublishers publishers = new MetadataPublishers();
    private final ScheduledExecutorService applier;
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private int nextController;
    /** A batch did not apply to the image: only a whole image may follow. */
    private boolean needImage;
    /** The voter a refusal or an ended stream named as the leader, -1 if none. */
    private int leaderHint = -1;
    private boolean closed;
    private long streamGeneration;
    /** When the current stream last carried anything, heartbeats included (System.nanoTime()). */
    private volatile long lastHeardNanos;
    /** Whether the current stream has carried anything, a heartbeat at least. */
    private volatile boolean heard;
    private final RetryLog silences = new RetryLog(log); // the applier thread's
    private volatile ClientCallStreamObserver<FetchMetadataRequest> stream;

    private MetadataLoader(int brokerId, Map<Integer, InetSocketAddress> controllers, Optional<TlsSettings> tls) {
        this.brokerId = brokerId;
        ChannelCredentials credentials = GrpcTls.channel(tls);
        controllers.forEach((id, address) -> channels.put(id, NettyChannelBuilder.forAddress(address, credentials)
                .build()));
        this.voterIds = List.copyOf(channels.keySet());
        this.nextController = Math.floorMod(brokerId, voterIds.size()); // spreads first tries over the voters
        this.applier = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "metadata-loader-" + brokerId);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts following the log through the plaintext ControllerService of the voters {@code controllers}, by node id. */
    public static MetadataLoader start(int brokerId, Map<Integer, InetSocketAddress> controllers) {
        return start(brokerId, controllers, Optional.empty());
    }

    /**
     * Starts following the log through the ControllerService of the voters {@code controllers}, by
     * node id, over TLS with {@code tls} (the controller listener's, as its clients use it) if present.
     */
    public static MetadataLoader start(int brokerId, Map<Integer, InetSocketAddress> controllers,
                                       Optional<TlsSettings> tls) {
        MetadataLoader loader = new MetadataLoader(brokerId, controllers, tls);
        loader.applier.execute(loader::connect);
        loader.applier.scheduleWithFixedDelay(loader::checkSilence, STREAM_SILENCE_TIMEOUT_MS / 4,
                STREAM_SILENCE_TIMEOUT_MS / 4, TimeUnit.MILLISECONDS);
        return loader;
    }

    /** The latest image; its offset is the last metadata log entry applied. */
    public MetadataImage image() {
        return image;
    }

    /** Adds a publisher: it gets the current image (as a replacement of everything), then every change. */
    public void addPublisher(MetadataPublisher publisher) {
        applier.submit(() -> publishers.add(publisher, image));
    }

    private void connect() {
        if (closed) {
            return;
        }
        int target;
        if (channels.containsKey(leaderHint)) {
            target = leaderHint;
        } else {
            target = voterIds.get(nextController);
            nextController = (nextController + 1) % voterIds.size();
        }
        leaderHint = -1;
        ManagedChannel channel = channels.get(target);
        long generation = ++streamGeneration;
        lastHeardNanos = System.nanoTime();
        heard = false;
        FetchMetadataRequest request = FetchMetadataRequest.newBuilder().setBrokerId(brokerId)
                .setAfterOffset(needImage ? -1 : image.offset()).build();
        ControllerServiceGrpc.newStub(channel).fetchMetadata(request, new ClientResponseObserver<FetchMetadataRequest,
                MetadataUpdate>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<FetchMetadataRequest> call) {
                stream = call;
            }

            @Override
            public void onNext(MetadataUpdate update) {
                lastHeardNanos = System.nanoTime();
                heard = true;
                if (update.getUpdateCase() == MetadataUpdate.UpdateCase.UPDATE_NOT_SET) {
                    return; // a heartbeat
                }
                applier.execute(() -> {
                    if (generation == streamGeneration) { // not a leftover of a stream given up on
                        apply(update);
                    }
                });
            }

            @Override
            public void onError(Throwable error) {
                log.debug("Metadata stream from {} ended: {}", channel.authority(), error.toString());
                Metadata trailers = Status.trailersFromThrowable(error);
                String leader = trailers == null ? null : trailers.get(MetadataStreamer.LEADER_ID);
                if (leader != null && !applier.isShutdown()) {
                    applier.execute(() -> {
                        if (generation == streamGeneration) {
                            leaderHint = Integer.parseInt(leader);
                        }
                    });
                }
                reconnect(generation);
            }

            @Override
            public void onCompleted() {
                reconnect(generation);
            }
        });
    }

    private void reconnect(long generation) {
        if (!applier.isShutdown()) {
            applier.schedule(() -> {
                if (generation == streamGeneration) {
                    connect();
                }
            }, RECONNECT_BACKOFF_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** Gives up a stream that has carried nothing, not even a heartbeat, for the silence timeout. */
    private void checkSilence() {
        long silentMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastHeardNanos);
        if (!closed && silentMs > STREAM_SILENCE_TIMEOUT_MS) {
            // Once while no controller answers (an election, controllers down), not at every try.
            silences.failed("silent", "Broker {}'s metadata stream has been silent for {} ms: asking another controller",
                    brokerId, silentMs);
            restartStream();
        } else if (heard) {
            silences.succeeded("Broker {}'s metadata stream carries updates again", brokerId);
        }
    }

    /** Drops the current stream and everything still coming from it, and starts a new one. */
    private void restartStream() {
        ClientCallStreamObserver<FetchMetadataRequest> current = stream;
        if (current != null) {
            current.cancel("restarting the metadata stream", null);
        }
        connect();
    }

    private void apply(MetadataUpdate update) {
        if (update.hasImage() ? isOlderImage(update.getOffset()) : needImage || update.getOffset() <= image.offset()) {
            return; // had it already, from an earlier stream; or older than what the publishers have seen
        }
        MetadataDelta delta;
        if (update.hasImage()) {
            delta = new MetadataDelta(MetadataImage.EMPTY);
            delta.replay(update.getImage());
            needImage = false;
        } else {
            delta = new MetadataDelta(image);
            try {
                delta.replay(update.getBatch());
            } catch (IllegalStateException e) {
                log.error("Metadata batch at offset {} does not apply to broker {}'s image at {}: starting over "
                        + "from a full image", update.getOffset(), brokerId, image.offset(), e);
                needImage = true;
                restartStream();
                return;
            }
        }
        MetadataImage newImage = delta.apply(update.getOffset());
        image = newImage;
        publishers.publish(delta, newImage);
    }

    /** Whether a whole image at {@code offset} would take this broker back, or is the one it has. */
    private boolean isOlderImage(long offset) {
        return offset < image.offset() || (offset == image.offset() && image != MetadataImage.EMPTY && !needImage);
    }

    @Override
    public void close() {
        if (applier.isShutdown()) {
            return;
        }
        applier.execute(() -> {
            closed = true;
            ClientCallStreamObserver<FetchMetadataRequest> current = stream;
            if (current != null) {
                current.cancel("closing", null);
            }
        });
        applier.shutdown();
        channels.values().forEach(ManagedChannel::shutdownNow);
    }
}
