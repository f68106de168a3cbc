package io.skein.cli;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skein consume}: prints a topic's records, as Kafka's console consumer does. */
@Command(name = "consume", mixinStandardHelpOptions = true,
        description = {"Print records as they arrive: the value of each (with its key and headers if asked), or "
                + "one JSON object per record.", "Without --group, reads every partition without committing."})
final class ConsumeCommand implements Callable<Integer> {
    @Parameters(paramLabel = "TOPIC")
    String topic;

    @Mixin
    KafkaClientOptions client;

    @Option(names = {"-g", "--group"}, description = "Consume as a member of this group, committing offsets")
    String group;

    @Option(names = "--from-beginning", description = "Start at the log start, not the end (for a group: only "
            + "where it has no committed offset)")
    boolean fromBeginning;

    @Option(names = {"-n", "--max-messages"}, paramLabel = "N", description = "Stop after N records")
    Long maxMessages;

    @Option(names = "--timeout-ms", paramLabel = "MS", description = "Stop when no record arrives for this long")
    Long timeoutMs;

    @Option(names = "--print-keys", description = "Print KEY<TAB>VALUE")
    boolean printKeys;

    @Option(names = "--print-headers", description = "Print the headers before the value (k=v,...<TAB>)")
    boolean printHeaders;


    @Override
    public Integer call() {
        Properties config = client.clientProperties();
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        if (group != null) {
            config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        long consumed = 0;
        long idleSince = System.nanoTime();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new StringDeserializer())) {
            if (group != null) {
                consumer.subscribe(List.of(topic));
            } else {
                List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                        .map(p -> new TopicPartition(topic, p.partition())).toList();
                consumer.assign(partitions);
                if (fromBeginning) {
                    consumer.seekToBeginning(partitions);
                } else {
                    consumer.seekToEnd(partitions);
                }
            }
            while (maxMessages == null || consumed < maxMessages) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    if (timeoutMs != null && (System.nanoTime() - idleSince) / 1_000_000 >= timeoutMs) {
                        break;
                    }
                    continue;
                }
                idleSince = System.nanoTime();
                for (ConsumerRecord<String, String> record : records) {
                    if (maxMessages != null && consumed >= maxMessages) {
                        break;
                    }
                    System.out.println(format(record));
                    consumed++;
                    if (group != null) {
                        consumer.commitSync(Map.of(new TopicPartition(record.topic(), record.partition()),
                                new org.apache.kafka.clients.consumer.OffsetAndMetadata(record.offset() + 1)));
                    }
                }
            }
        } catch (KafkaException e) {
            System.err.println("Error: " + e.getMessage());
            return 1;
        }
        System.err.println("Consumed " + consumed + " records");
        return 0;
    }

    private String format(ConsumerRecord<String, String> record) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
        }
        if (client.json()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("topic", record.topic());
            json.put("partition", record.partition());
            json.put("offset", record.offset());
            json.put("timestamp", record.timestamp());
            json.put("key", record.key());
            json.put("value", record.value());
            json.put("headers", headers);
            return Output.json(json);
        }
        StringBuilder line = new StringBuilder();
        if (printHeaders) {
            headers.forEach((k, v) -> line.append(line.isEmpty() ? "" : ",").append(k).append('=').append(v));
            line.append('\t');
        }
        if (printKeys) {
            line.append(record.key()).append('\t');
        }
        return line.append(record.value()).toString();
    }
}
