package io.skein.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skein.node.NodeConfig;
import io.skein.testing.StringClients;
import io.skein.testing.TestCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser (headless chromium through Selenium) against a real three-node
 * cluster: every page, the forms that create a topic, produce, browse, reset offsets and delete,
 * a group's lag falling to zero as a real consumer catches up, the charts drawing the history's
 * series, a stopped node reported and its elections in the timeline, and bad input shown as
 * messages on the page. Screenshots go to {@code target/console-screenshots}. The test that stops a
 * node runs last; the others share the cluster and the browser. The brokers sample every 500 ms.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    private static final Duration WITHIN = Duration.ofSeconds(60);
    private static final String REPLICATED = "console-replicated";
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestCluster cluster;
    private ChromeDriver browser;
    private String console;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        browser = Browser.start();
        cluster = TestCluster.start(dir, 3, Map.of(NodeConfig.BROKER_SESSION_TIMEOUT_MS, "3000",
                NodeConfig.GROUP_INITIAL_REBALANCE_DELAY_MS, "0", NodeConfig.METRICS_HISTORY_SAMPLE_INTERVAL_MS, "500"));
        console = "http://127.0.0.1:" + cluster.node(1).httpPort();
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(REPLICATED, 6, (short) 3))).all().get();
        }
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private void open(String path) {
        browser.get(console + path);
    }

    private String text(By by) {
        return browser.findElement(by).getText();
    }

    private String notice() {
        return text(By.cssSelector(".notice"));
    }

    private void fill(String form, String field, String value) {
        WebElement input = browser.findElement(By.cssSelector("#" + form + " [name=" + field + "]"));
        input.clear();
        input.sendKeys(value);
    }

    /** Submits {@code form} and waits for the page it leads to. */
    private void submit(String form) {
        WebElement page = browser.findElement(By.tagName("html"));
        browser.findElement(By.cssSelector("#" + form + " button[type=submit]")).click();
        new WebDriverWait(browser, WITHIN).until(ExpectedConditions.stalenessOf(page));
    }

    /** Follows the link {@code by} finds and waits for the page it leads to. */
    private void follow(By by) {
        WebElement page = browser.findElement(By.tagName("html"));
        browser.findElement(by).click();
        new WebDriverWait(browser, WITHIN).until(ExpectedConditions.stalenessOf(page));
    }

    private void reloadUntil(String what, Callable<Boolean> holds) {
        Browser.reloadUntil(browser, what, WITHIN, holds);
    }

    @Test
    @Order(1)
    void theOverviewShowsBrokersQuorumAndPartitionHealth() throws Exception {
        open("/");
        assertTrue(browser.getCurrentUrl().endsWith("/ui/"), browser.getCurrentUrl());
        assertEquals("Overview", text(By.tagName("h1")));
        for (int id = 1; id <= 3; id++) {
            assertTrue(text(By.id("broker-" + id)).contains("unfenced"), text(By.id("broker-" + id)));
            assertTrue(text(By.id("voter-" + id)).matches("(?s).*(leader|follower).*"), text(By.id("voter-" + id)));
        }
        assertTrue(text(By.id("active-controller")).startsWith("node "));
        assertEquals("0", text(By.cssSelector("#offline-count .count")));
        assertEquals("0", text(By.cssSelector("#under-replicated-count .count")));
        assertEquals("0", text(By.cssSelector("#under-min-isr-count .count")));
        assertEquals(List.of("bytes_in", "bytes_out"), series("chart-bytes"));
        assertEquals(List.of("messages_in"), series("chart-messages"));
        assertEquals(List.of("produce_p99_ms", "fetch_p99_ms"), series("chart-latency"));
        assertEquals(6, browser.findElements(By.cssSelector("#rates li")).size(), text(By.id("rates")));
        assertEquals("/ui/timeline", URI.create(browser.findElement(By.linkText("Timeline")).getAttribute("href"))
                .getPath());
        Browser.screenshot(browser, "overview");
    }

    /** The series chart {@code id} draws, in order. */
    private List<String> series(String id) {
        return browser.findElements(By.cssSelector("#" + id + " [data-series]")).stream()
                .map(e -> e.getAttribute("data-series")).toList();
    }

    @Test
    @Order(2)
    void aTopicCreatedThroughTheFormTakesMessagesThatAValueFilterFinds() throws Exception {
        String topic = "console-orders";
        open("/ui/topics");
        fill("create-topic", "name", topic);
        fill("create-topic", "partitions", "3");
        fill("create-topic", "replication", "2");
        fill("create-topic", "configs", "retention.ms=86400000\ncleanup.policy=delete");
        submit("create-topic");
        assertEquals("Topic created.", notice());
        assertEquals("3", text(By.id("partition-count")));
        assertTrue(text(By.id("configs")).contains("retention.ms 86400000 this topic"), text(By.id("configs")));
        assertEquals(3, browser.findElements(By.cssSelector("#partitions tbody tr")).size());

        open("/ui/topics?q=console-");
        assertTrue(text(By.id("topics")).contains(topic + " 3 2 0 B"), text(By.id("topics")));
        assertFalse(text(By.id("topics")).contains("__consumer_offsets"), "internal topics only when asked");
        Browser.screenshot(browser, "topics");

        String marker = "lamp-" + UUID.randomUUID();
        try (KafkaProducer<String, String> producer = StringClients.producer(cluster.bootstrap(),
                Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            for (int i = 0; i < 30; i++) {
                producer.send(new ProducerRecord<>(topic, 1, "key-" + i, "{\"item\":\"chair\",\"n\":" + i + "}")).get();
            }
        }
        open("/ui/messages?topic=" + topic + "&partition=1");
        fill("produce", "partition", "1");
        fill("produce", "key", "order-7");
        fill("produce", "value", "{\"item\":\"" + marker + "\",\"qty\":2}");
        fill("produce", "headers", "source=console\ntrace=<b>bold</b>");
        submit("produce");
        assertEquals("Message produced to partition 1 at offset 30.", notice());
        assertTrue(text(By.id("offset-30")).contains(marker));

        open("/ui/messages?topic=" + topic + "&partition=1");
        fill("browse", "value", marker);
        new Select(browser.findElement(By.cssSelector("#browse [name=format]"))).selectByValue("json");
        submit("browse");
        List<WebElement> rows = browser.findElements(By.cssSelector("#messages tbody tr"));
        assertEquals(1, rows.size(), "only the record holding the marker");
        String row = rows.get(0).getText();
        assertTrue(row.contains("order-7") && row.contains("source=console") && row.contains("trace=<b>bold</b>"),
                "a header's markup is shown as text: " + row);
        assertTrue(row.contains("\"item\" : \"" + marker + "\",\n  \"qty\" : 2"), "JSON, re-printed: " + row);
        Browser.screenshot(browser, "messages");

        open("/ui/messages?topic=" + topic + "&partition=1&order=oldest&limit=10");
        assertEquals(10, browser.findElements(By.cssSelector("#messages tbody tr")).size());
        follow(By.cssSelector("a[rel=next]"));
        assertTrue(browser.findElement(By.id("offset-10")).isDisplayed(), "the next page starts after the last shown");
        follow(By.cssSelector("a[rel=prev]"));
        assertTrue(browser.findElement(By.id("offset-0")).isDisplayed());
        assertTrue(browser.findElement(By.id("offset-9")).isDisplayed());
        assertEquals(10, browser.findElements(By.cssSelector("#messages tbody tr")).size());

        open("/ui/topic?name=" + topic);
        assertEquals("31", browser.findElements(By.cssSelector("#p-1 td")).get(6).getText(), "the end offset");
        String size = browser.findElements(By.cssSelector("#p-1 td")).get(7).getText();
        assertTrue(size.matches("[0-9.]+ (B|KiB)"), "the leader's replica's size: " + size);
        assertEquals("0 B", browser.findElements(By.cssSelector("#p-0 td")).get(7).getText());
        Browser.screenshot(browser, "topic");
    }

    @Test
    @Order(3)
    void badInputIsAMessageOnThePage() throws Exception {
        open("/ui/messages?topic=" + REPLICATED);
        fill("browse", "value", "([unclosed");
        browser.findElement(By.cssSelector("#browse [name=regex]")).click();
        submit("browse");
        assertTrue(notice().contains("not a valid regular expression"), notice());
        assertEquals("([unclosed", browser.findElement(By.cssSelector("#browse [name=value]")).getAttribute("value"),
                "the form keeps what was typed");

        open("/ui/messages?topic=" + REPLICATED);
        fill("browse", "offset", "999999");
        submit("browse");
        assertTrue(notice().contains("out of range") && notice().contains("OFFSET_OUT_OF_RANGE"), notice());
        fill("browse", "offset", "ten");
        submit("browse");
        assertEquals("The offset must be a whole number, not 'ten'.", notice());
        open("/ui/messages?topic=" + REPLICATED + "&partition=6");
        assertTrue(notice().contains("has partitions 0 to 5, not 6"), notice());

        open("/ui/topic?name=no-such-topic");
        assertEquals("Not found", text(By.tagName("h1")));
        assertTrue(notice().contains("'no-such-topic' does not exist"), notice());
        open("/ui/group?id=no-such-group");
        assertTrue(notice().contains("no-such-group"), notice());
        open("/ui/nowhere");
        assertEquals("The console has no such page.", notice());
        open("/ui/topics");
        fill("create-topic", "name", "bad/name");
        submit("create-topic");
        assertTrue(notice().contains("INVALID_TOPIC_EXCEPTION"), notice());
        assertFalse(browser.getPageSource().contains("at io.skein"), "no stack trace on a page");
        Browser.screenshot(browser, "bad-input");

        assertEquals(404, get("/ui/topic?name=no-such-topic").statusCode());
        assertEquals(400, get("/ui/messages?topic=" + REPLICATED + "&value=(&regex=1").statusCode());
    }

    @Test
    @Order(4)
    void actionsFromAnotherSiteAreRefused() throws Exception {
        HttpResponse<String> crossSite = post("/ui/topics/create", "name=csrf-victim", Map.of("Origin",
                "http://evil.example", "Sec-Fetch-Site", "cross-site"));
        assertEquals(403, crossSite.statusCode());
        assertTrue(crossSite.body().contains("another site"), crossSite.body());
        assertEquals(403, post("/ui/topics/create", "name=csrf-victim", Map.of("Origin", "http://evil.example"))
                .statusCode());
        assertEquals(405, HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(console
                + "/ui/topic/delete?name=" + REPLICATED)).GET().build(), HttpResponse.BodyHandlers.ofString())
                .statusCode(), "an action is POST only");
        open("/ui/topics?q=csrf-victim");
        assertEquals("No topics.", text(By.cssSelector(".paging")));
        // A script (no browser's headers) is no cross-site request: it may act, as skein does.
        assertEquals(303, post("/ui/topics/create", "name=scripted&partitions=1", Map.of()).statusCode());
    }

    @Test
    @Order(5)
    void aHugeValueIsShownCutWithItsSize() throws Exception {
        String topic = "console-huge";
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        String huge = "x".repeat(900_000);
        try (KafkaProducer<String, String> producer = StringClients.producer(cluster.bootstrap(),
                Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "2000000"))) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(topic, "huge-" + i, huge)).get();
            }
        }
        open("/ui/messages?topic=" + topic);
        assertEquals(5, browser.findElements(By.cssSelector("#messages tbody tr")).size());
        assertTrue(text(By.cssSelector("#offset-4 .truncated")).contains("showing the first 10.0 KiB of 878.9 KiB "
                + "(900,000 bytes)"), text(By.cssSelector("#offset-4 .truncated")));
        assertTrue(browser.getPageSource().length() < 5 * MessagesPage.SHOWN_BYTES + 50_000,
                "five cut values, not 4.5 MB: " + browser.getPageSource().length());
    }

    @Test
    @Order(6)
    void aGroupsLagFallsToZeroWhileAConsumerCatchesUpAndResetsAskFirst() throws Exception {
        String topic = "console-lagging";
        String group = "console-readers";
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 2))).all().get();
            try (KafkaProducer<String, String> producer = StringClients.producer(cluster.bootstrap(), Map.of())) {
                for (int i = 0; i < 300; i++) {
                    producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
                }
                producer.flush();
            }
            Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
            for (int p = 0; p < 3; p++) {
                start.put(new TopicPartition(topic, p), new OffsetAndMetadata(0));
            }
            admin.alterConsumerGroupOffsets(group, start).all().get();
        }
        open("/ui/groups?q=console-");
        follow(By.linkText(group));
        assertEquals("300 messages", text(By.id("total-lag")));
        assertEquals("Empty", text(By.id("group-state")));

        // Reset to the latest: a dry run to confirm first, then the lag is gone.
        new Select(browser.findElement(By.cssSelector("#reset-offsets [name=to]"))).selectByValue("latest");
        submit("reset-offsets");
        assertEquals("Reset offsets of group " + group + "?", text(By.tagName("h1")));
        assertEquals(3, browser.findElements(By.cssSelector("#new-offsets tbody tr")).size());
        open("/ui/group?id=" + group);
        assertEquals("300 messages", text(By.id("total-lag")), "a dry run changes nothing");
        new Select(browser.findElement(By.cssSelector("#reset-offsets [name=to]"))).selectByValue("latest");
        submit("reset-offsets");
        submit("confirm");
        assertEquals("Offsets reset.", notice());
        assertEquals("0 messages", text(By.id("total-lag")));
        // And back to an offset, for the consumer to catch up from.
        new Select(browser.findElement(By.cssSelector("#reset-offsets [name=to]"))).selectByValue("offset");
        fill("reset-offsets", "at", "0");
        submit("reset-offsets");
        submit("confirm");
        assertEquals("300 messages", text(By.id("total-lag")));

        AtomicBoolean running = new AtomicBoolean(true);
        CompletableFuture<Void> consumer = CompletableFuture.runAsync(() -> consume(topic, group, running));
        try {
            reloadUntil("the consumer joined", () -> !browser.findElements(By.id("members")).isEmpty()
                    && text(By.id("members")).contains("console-test-reader"));
            open("/ui/group?id=" + group);
            new Select(browser.findElement(By.cssSelector("#reset-offsets [name=to]"))).selectByValue("earliest");
            submit("reset-offsets");
            assertTrue(notice().contains("can only be reset if the group") && notice().contains("NON_EMPTY_GROUP"),
                    notice());
            open("/ui/group?id=" + group);
            reloadUntil("the lag fell to zero", () -> text(By.id("total-lag")).equals("0 messages"));
            assertTrue(text(By.id("offsets")).contains("0 ms"), "caught up: no lag in time either");
            assertEquals(List.of("lag"), series("chart-lag"));
            assertEquals(List.of("lag_seconds"), series("chart-lag-time"));
            assertEquals(List.of("consume_rate"), series("chart-consume-rate"));
            reloadUntil("the lag chart drawn down to 0", () -> "0".equals(latest("chart-lag", "lag")[1])
                    && !browser.findElements(By.cssSelector("#chart-lag polyline")).isEmpty());
            Browser.screenshot(browser, "group");
            open("/ui/topics?internal=1&q=__consumer");
            assertTrue(text(By.id("topics")).contains("__consumer_offsets internal"), text(By.id("topics")));
        } finally {
            running.set(false);
            consumer.join();
        }
    }

    private void consume(String topic, String group, AtomicBoolean running) {
        try (KafkaConsumer<String, String> consumer = StringClients.consumer(cluster.bootstrap(), Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.CLIENT_ID_CONFIG, "console-test-reader",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "20", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"))) {
            consumer.subscribe(List.of(topic));
            while (running.get()) {
                if (!consumer.poll(Duration.ofMillis(200)).isEmpty()) {
                    consumer.commitSync();
                }
            }
        }
    }

    /** The {@code data-latest-time} and {@code data-latest} of a chart's series, nulls if it has none. */
    private String[] latest(String chart, String series) {
        WebElement drawn = browser.findElement(By.cssSelector("#" + chart + " [data-series=" + series + "]"));
        String value = drawn.getAttribute("data-latest");
        return new String[] {drawn.getAttribute("data-latest-time"),
                value == null ? null : ChartUnit.number(Double.parseDouble(value))};
    }

    @Test
    @Order(7)
    void theOverviewsChartsDrawWhatTheHistoryAnswers() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        CompletableFuture<Void> producing = CompletableFuture.runAsync(() -> {
            try (KafkaProducer<String, String> producer = StringClients.producer(cluster.bootstrap(), Map.of())) {
                while (running.get()) {
                    producer.send(new ProducerRecord<>(REPLICATED, "k", "v".repeat(100))).get();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            open("/ui/");
            // A sample of the page's may be a moment older or newer than the one asked after it: wait for one both hold.
            reloadUntil("the bytes-in chart's latest value, above 0, is the history's at its time", () -> {
                WebElement in = browser.findElement(By.cssSelector("#chart-bytes [data-series=bytes_in]"));
                if (in.getAttribute("data-latest") == null) {
                    return false;
                }
                double drawn = Double.parseDouble(in.getAttribute("data-latest"));
                long time = Long.parseLong(in.getAttribute("data-latest-time"));
                JsonNode history = JSON.readTree(get("/api/history?series=bytes_in&since=" + (time - 1)).body());
                JsonNode values = history.get("series").get(0).get("values");
                return drawn > 0 && history.get("timestamps").get(0).asLong() == time
                        && values.get(0).asDouble() == drawn;
            });
            String legend = text(By.cssSelector("#chart-bytes .legend li:first-child .latest"));
            assertTrue(legend.matches("[0-9.]+ (B|KiB|MiB)/s"), legend);
            assertEquals(legend, text(By.cssSelector("#now-bytes_in .figure")), "the figure now is the chart's latest");
            assertTrue(browser.findElement(By.cssSelector("#chart-bytes svg")).getAttribute("aria-label")
                    .startsWith("Bytes in and out: in " + legend + ", out "));
            assertEquals("From the samples of brokers 1, 2, 3.", text(By.id("history-nodes")));
            Browser.screenshot(browser, "overview-charts");
        } finally {
            running.set(false);
            producing.join();
        }
    }

    @Test
    @Order(8)
    void twoDeletesOfOneTopicOneSucceedsTheOtherSaysWhy() throws Exception {
        String topic = "console-doomed";
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        cluster.awaitAll(topic + " created", image -> image.topic(topic) != null);
        List<String> tabs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            if (i > 0) {
                browser.switchTo().newWindow(WindowType.TAB);
            }
            tabs.add(browser.getWindowHandle());
            open("/ui/topic?name=" + topic);
            submit("delete-topic");
            assertEquals("Delete topic " + topic + "?", text(By.tagName("h1")));
        }
        browser.switchTo().window(tabs.get(0));
        submit("confirm");
        assertEquals("Topic '" + topic + "' deleted.", notice());
        browser.switchTo().window(tabs.get(1));
        submit("confirm");
        assertEquals("Not found", text(By.tagName("h1")));
        assertTrue(notice().contains("'" + topic + "' does not exist"), notice());
        browser.close();
        browser.switchTo().window(tabs.get(0));
    }

    @Test
    @Order(9)
    void aStoppedNodeAndItsPartitionsAreReported() throws Exception {
        List<Integer> ledBy3 = new ArrayList<>();
        cluster.node(1).image().topic(REPLICATED).partitions().forEach((partition, registration) -> {
            if (registration.leader() == 3) {
                ledBy3.add(partition);
            }
        });
        assertFalse(ledBy3.isEmpty(), "node 3 leads some of " + REPLICATED);
        cluster.node(3).close();
        open("/ui/");
        // Stopped cleanly, it stays "shutting down" (fenced by its own controlled shutdown); killed, "fenced".
        reloadUntil("node 3 out of service and its partitions under-replicated",
                () -> text(By.id("broker-3")).matches(".* (fenced|shutting down)$")
                        && !text(By.cssSelector("#under-replicated-count .count")).equals("0"));
        assertTrue(text(By.id("voter-3")).contains("unreachable"), text(By.id("voter-3")));
        Browser.screenshot(browser, "node-stopped");
        follow(By.id("offline-count"));
        for (WebElement row : browser.findElements(By.cssSelector("#partitions tbody tr"))) {
            assertEquals("3", row.findElements(By.tagName("td")).get(4).getText(),
                    "only partitions whose one replica was on node 3 are offline: " + row.getText());
        }
        open("/ui/");
        follow(By.id("under-replicated-count"));
        assertEquals("Under-replicated partitions", text(By.tagName("h1")));
        assertTrue(text(By.id("partitions")).contains(REPLICATED), text(By.id("partitions")));
        for (WebElement row : browser.findElements(By.cssSelector("#partitions tbody tr"))) {
            List<WebElement> cells = row.findElements(By.tagName("td"));
            assertTrue(List.of(cells.get(4).getText().split(", ")).contains("3"), row.getText());
            assertFalse(List.of(cells.get(5).getText().split(", ")).contains("3"), "node 3 left the ISR: " + row.getText());
        }
        open("/ui/");
        reloadUntil("node 3 missing from the history", () -> !browser.findElements(By.id("missing-3")).isEmpty());
        assertTrue(text(By.id("missing-3")).startsWith("Broker 3 is missing: cannot connect to"), text(By.id("missing-3")));

        open("/ui/timeline?topic=" + REPLICATED);
        for (int partition : ledBy3) {
            List<String> election = browser.findElements(By.cssSelector("#timeline tr.leader-elected")).stream()
                    .map(WebElement::getText).filter(row -> row.contains(REPLICATED + "-" + partition + " 3 → ")).toList();
            assertEquals(1, election.size(), "the election of " + REPLICATED + "-" + partition + "'s new leader: "
                    + text(By.id("timeline")));
        }
        String fenced = text(By.cssSelector("#timeline tr.broker-fenced"));
        assertTrue(fenced.contains("broker 3") && fenced.endsWith("controlled shutdown"), fenced);
        assertTrue(text(By.id("timeline")).lines().skip(1).allMatch(row -> row.contains(REPLICATED + "-")
                || row.contains(" broker ")), "only the topic's events and the brokers': " + text(By.id("timeline")));
        Browser.screenshot(browser, "timeline");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(console + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String form, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(console + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        headers.forEach(request::header);
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
