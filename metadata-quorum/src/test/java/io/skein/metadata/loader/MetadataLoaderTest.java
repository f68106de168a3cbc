package io.skein.metadata.loader;

import static io.skein.metadata.controller.QuorumControllerTest.createNewTopic;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.skein.metadata.controller.TestControllers;
import io.skein.metadata.image.MetadataDelta;
import io.skein.metadata.image.ImageRecords;
import io.skein.metadata.image.MetadataImage;
import io.skein.metadata.image.TopicImage;
import io.skein.proto.Uuids;
import io.skein.proto.controller.ControllerServiceGrpc;
import io.skein.proto.controller.FetchMetadataRequest;
import io.skein.proto.controller.MetadataUpdate;
import io.skein.proto.metadata.MetadataRecord;
import io.skein.proto.metadata.MetadataRecordBatch;
import io.skein.proto.metadata.TopicRecord;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetadataLoaderTest {
    @TempDir
    Path dir;

    private static void awaitSameImage(MetadataLoader loader, TestControllers controllers) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            MetadataImage voters = controllers.awaitConvergence();
            MetadataImage broker = loader.image();
            return broker.offset() > 0 && ImageRecords.of(broker).equals(ImageRecords.of(voters));
        });
    }

    @Test
    void aBrokerFollowsTheLogIntoTheVotersImageAndThroughTheLossOfItsVoter() throws Exception {
        try (TestControllers controllers = TestControllers.start(dir, 3);
             MetadataLoader loader = MetadataLoader.start(1, controllers.rpcAddresses())) {
            List<Long> published = new CopyOnWriteArrayList<>();
            loader.addPublisher((delta, image) -> published.add(image.offset()));
            controllers.broker(1).join();
            for (int i = 0; i < 5; i++) {
                createNewTopic(controllers.client(), "t" + i, 2, 1);
            }
            awaitSameImage(loader, controllers);

            controllers.stop(2); // broker 1 starts on voter index 1: node 2
            for (int i = 5; i < 10; i++) {
                createNewTopic(controllers.client(), "t" + i, 2, 1);
            }
            awaitSameImage(loader, controllers);
            assertEquals(10, loader.image().topicsById().size());
            long end = loader.image().offset();
            await().atMost(Duration.ofSeconds(30)).until(() -> !published.isEmpty() && published.get(published.size() - 1) == end);
            // The image the publisher was added at, then at least one batch per topic created.
            assertTrue(published.size() >= 1 + 10, "publications: " + published);
            for (int i = 1; i < published.size(); i++) {
                assertTrue(published.get(i) > published.get(i - 1), "in log order, once each: " + published);
            }
        }
    }

    @Test
    void aLateBrokerGetsTheWholeImageAndAPublisherStartsFromAReplacement() throws Exception {
        try (TestControllers controllers = TestControllers.start(dir, 3)) {
            controllers.broker(1).join();
            for (int i = 0; i < 5; i++) {
                createNewTopic(controllers.client(), "early-" + i, 1, 1);
            }
            MetadataImage before = controllers.awaitConvergence();
            for (int id = 1; id <= 3; id++) { // every voter's stream history starts where its restart found the log
                controllers.stop(id);
                controllers.start(id);
            }
            controllers.awaitConvergence();

            try (MetadataLoader late = MetadataLoader.start(7, controllers.rpcAddresses())) {
                await().atMost(Duration.ofSeconds(30)).until(() -> late.image().topicsById().size() == 5);
                List<Boolean> replacements = new CopyOnWriteArrayList<>();
                late.addPublisher((delta, image) -> replacements.add(delta.image() == MetadataImage.EMPTY));
                createNewTopic(controllers.client(), "later", 1, 1);
                awaitSameImage(late, controllers);
                await().atMost(Duration.ofSeconds(30)).until(() -> replacements.size() >= 2);
                assertSame(Boolean.TRUE, replacements.get(0), "first the whole image");
                assertSame(Boolean.FALSE, replacements.get(replacements.size() - 1), "then changes");
                assertTrue(late.image().offset() > before.offset());
            }
        }
    }

    /**
     * Only the active controller streams the log: any other voter may be behind what a broker has
     * applied. A broker that can reach only a voter that does not lead gets nothing from it.
     */
    @Test
    void onlyTheActiveControllerServesTheLog() throws Exception {
        try (TestControllers controllers = TestControllers.start(dir, 3)) {
            controllers.broker(1).join();
            createNewTopic(controllers.client(), "t", 1, 1);
            int leader = controllers.activeId();
            int follower = leader % 3 + 1;
            try (MetadataLoader toFollower = MetadataLoader.start(8, Map.of(follower, controllers.rpcAddress(follower)));
                 MetadataLoader toAll = MetadataLoader.start(9, controllers.rpcAddresses())) {
                awaitSameImage(toAll, controllers);
                // The refusals repeat meanwhile; a loader that follows a voter would have the image by now.
                assertEquals(0, toFollower.image().offset(), "a voter that does not lead streamed the log");
            }
        }
    }

    /**
     * A broker's metadata never goes back: an image older than what it applied (a voter that restarted
     * from an old snapshot, say) is dropped, and its publishers never see it. The "voter" here is a
     * ControllerService of the test's own that streams exactly that.
     */
    @Test
    void anOlderImageNeverReplacesWhatABrokerHasApplied() throws Exception {
        MetadataImage withTopic = imageWithTopic("kept", 10);
        MetadataImage older = imageWithTopic("older", 5);
        Server voter = fakeVoter(observer -> {
            observer.onNext(MetadataUpdate.newBuilder().setOffset(10).setImage(ImageRecords.of(withTopic)).build());
            observer.onNext(MetadataUpdate.newBuilder().setOffset(5).setImage(ImageRecords.of(older)).build());
            observer.onNext(MetadataUpdate.newBuilder().setOffset(11).setBatch(MetadataRecordBatch.getDefaultInstance())
                    .build());
        });
        try (MetadataLoader loader = MetadataLoader.start(1, Map.of(1, new InetSocketAddress("127.0.0.1",
                voter.getPort())))) {
            List<Long> published = new CopyOnWriteArrayList<>();
            loader.addPublisher((delta, image) -> published.add(image.offset()));
            await().atMost(Duration.ofSeconds(30)).until(() -> loader.image().offset() == 11);
            assertEquals(List.of(10L, 11L), published.stream().filter(offset -> offset > 0).toList());
            assertEquals(List.of("kept"), loader.image().topicsById().values().stream().map(TopicImage::name).toList());
        } finally {
            voter.shutdownNow();
        }
    }

    /**
     * A controller that stops answering (frozen, cut off) sends no heartbeats: the loader gives its
     * stream up and follows the log from another voter. Here voter 1 streams an image and falls silent;
     * voter 2 has the batch after it.
     */
    @Test
    void aStreamThatFallsSilentIsGivenUpForAnotherVoter() throws Exception {
        MetadataImage withTopic = imageWithTopic("kept", 10);
        Server silent = fakeVoter(observer -> observer.onNext(MetadataUpdate.newBuilder().setOffset(10)
                .setImage(ImageRecords.of(withTopic)).build()));
        Server live = fakeVoter(observer -> observer.onNext(MetadataUpdate.newBuilder().setOffset(11)
                .setBatch(MetadataRecordBatch.getDefaultInstance()).build()));
        try (MetadataLoader loader = MetadataLoader.start(2, Map.of(1, new InetSocketAddress("127.0.0.1",
                silent.getPort()), 2, new InetSocketAddress("127.0.0.1", live.getPort())))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> loader.image().offset() == 10);
            await().atMost(Duration.ofSeconds(60)).until(() -> loader.image().offset() == 11);
        } finally {
            silent.shutdownNow();
            live.shutdownNow();
        }
    }

    /** A ControllerService of the test's own whose FetchMetadata sends what {@code stream} sends, then nothing. */
    private static Server fakeVoter(Consumer<StreamObserver<MetadataUpdate>> stream) throws IOException {
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(
                new ControllerServiceGrpc.ControllerServiceImplBase() {
                    @Override
                    public void fetchMetadata(FetchMetadataRequest request, StreamObserver<MetadataUpdate> observer) {
                        stream.accept(observer);
                    }
                }).build().start();
    }

    private static MetadataImage imageWithTopic(String name, long offset) {
        MetadataDelta delta = new MetadataDelta(MetadataImage.EMPTY);
        delta.replay(MetadataRecord.newBuilder().setTopic(TopicRecord.newBuilder().setName(name)
                .setTopicId(Uuids.toProto(UUID.randomUUID()))).build());
        return delta.apply(offset);
    }
}
