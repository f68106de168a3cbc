package io.skein.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.metadata.image.MetadataImage;
import io.skein.testing.ProcessCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * A broker process killed with SIGKILL, as the console of a surviving broker shows it: fenced once
 * its session expires (not "shutting down", which only a clean stop shows), the partitions it
 * replicated under-replicated and those it alone held offline, the elections and its fencing in the
 * timeline, and its samples missing from the history, with the reason. Brokers are real processes
 * around a controller in this JVM; screenshots go to {@code target/console-screenshots}.
 */
@Timeout(300)
class ConsoleKilledNodeTest {
    private static final Duration WITHIN = Duration.ofSeconds(60);
    private static final String REPLICATED = "killed-replicated";
    private static final String SINGLE = "killed-single";

    @Test
    void aKilledBrokerIsFencedAndItsPartitionsElectionsAndMissingSamplesAreShown(@TempDir Path dir) throws Exception {
        ChromeDriver browser = Browser.start();
        // Fenced once the controller finds its process gone; leaders stay where the failure puts them.
        try (ProcessCluster cluster = ProcessCluster.start(dir, 3, Map.of("broker.session.timeout.ms", "6000",
                "auto.leader.rebalance.enable", "false"), Map.of("broker.heartbeat.interval.ms", "500",
                "metrics.history.sample.interval.ms", "500"))) {
            try (Admin admin = cluster.admin(null)) {
                admin.createTopics(List.of(new NewTopic(REPLICATED, 6, (short) 3), new NewTopic(SINGLE, 3, (short) 1)))
                        .all().get();
            }
            MetadataImage before = cluster.controllerImage();
            Set<Integer> ledBy3 = partitions(before, REPLICATED, 3);
            Set<Integer> onlyOn3 = partitions(before, SINGLE, 3);
            assertFalse(ledBy3.isEmpty() || onlyOn3.isEmpty(), "node 3 leads partitions of both topics");
            String console = "http://" + cluster.broker(1).httpAddress();
            browser.get(console + "/ui/");
            reloadUntil(browser, "the topics on node 1 and every broker in its history",
                    () -> browser.findElement(By.id("history-nodes")).getText().equals("From the samples of brokers 1, 2, 3.")
                            && browser.findElement(By.cssSelector("dl.facts")).getText().matches("(?s).*Partitions\\s+9"));

            cluster.broker(3).kill();

            reloadUntil(browser, "broker 3 fenced and its partitions under-replicated and offline",
                    () -> text(browser, By.id("broker-3")).endsWith(" fenced")
                            && text(browser, By.cssSelector("#under-replicated-count .count")).equals("6")
                            && text(browser, By.cssSelector("#offline-count .count")).equals(String.valueOf(onlyOn3.size())));
            assertTrue(text(browser, By.id("missing-3")).startsWith("Broker 3 is missing: cannot connect to "
                    + cluster.broker(3).httpAddress()), text(browser, By.id("missing-3")));
            assertEquals("From the samples of brokers 1, 2.", text(browser, By.id("history-nodes")));
            Browser.screenshot(browser, "killed-overview");

            browser.get(console + "/ui/partitions?state=offline");
            assertEquals(onlyOn3, shownPartitions(browser, SINGLE));
            Browser.screenshot(browser, "killed-offline");
            browser.get(console + "/ui/partitions?state=under-replicated");
            assertEquals(Set.of(0, 1, 2, 3, 4, 5), shownPartitions(browser, REPLICATED));

            browser.get(console + "/ui/timeline");
            String fenced = text(browser, By.cssSelector("#timeline tr.broker-fenced"));
            assertTrue(fenced.contains("broker 3") && fenced.endsWith("its listeners refuse connections"), fenced);
            List<String> elections = browser.findElements(By.cssSelector("#timeline tr.leader-elected")).stream()
                    .map(WebElement::getText).toList();
            for (int partition : ledBy3) {
                assertEquals(1, elections.stream().filter(e -> e.contains(REPLICATED + "-" + partition + " 3 → ")
                        && e.contains("broker 3 fenced")).count(), REPLICATED + "-" + partition + ": " + elections);
            }
            for (int partition : onlyOn3) {
                assertEquals(1, elections.stream().filter(e -> e.contains(SINGLE + "-" + partition + " 3 → none")
                        && e.endsWith("offline")).count(), SINGLE + "-" + partition + ": " + elections);
            }
            assertTrue(text(browser, By.id("missing-3")).startsWith("Broker 3 is missing"), "the timeline says so too");
            Browser.screenshot(browser, "killed-timeline");
        } finally {
            browser.quit();
        }
    }

    /** The partitions of {@code topic} that {@code broker} leads in {@code image}. */
    private static Set<Integer> partitions(MetadataImage image, String topic, int broker) {
        Set<Integer> led = new TreeSet<>();
        image.topic(topic).partitions().forEach((partition, registration) -> {
            if (registration.leader() == broker) {
                led.add(partition);
            }
        });
        return led;
    }

    /** The partitions of {@code topic} a list of partitions shows. */
    private static Set<Integer> shownPartitions(ChromeDriver browser, String topic) {
        Set<Integer> shown = new TreeSet<>();
        for (WebElement row : browser.findElements(By.cssSelector("#partitions tbody tr"))) {
            List<WebElement> cells = row.findElements(By.tagName("td"));
            if (cells.get(0).getText().equals(topic)) {
                shown.add(Integer.parseInt(cells.get(1).getText()));
            }
        }
        return shown;
    }

    private static String text(ChromeDriver browser, By by) {
        return browser.findElement(by).getText();
    }

    private static void reloadUntil(ChromeDriver browser, String what, Callable<Boolean> holds) {
        Browser.reloadUntil(browser, what, WITHIN, holds);
    }
}
