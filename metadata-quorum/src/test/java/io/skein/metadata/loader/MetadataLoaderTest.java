package io.skein.metadata.loader;

import static io.skein.metadata.controller.QuorumControllerTest.createNewTopic;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.controller.TestControllers;
import io.skein.metadata.image.ImageRecords;
import io.skein.metadata.image.MetadataImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
            controllers.stop(3);
            controllers.start(3); // its stream history starts where its restart found the log
            controllers.awaitConvergence();

            try (MetadataLoader late = MetadataLoader.start(7, List.of(controllers.rpcAddress(3)))) {
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
}
