package io.skein.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skein produce}: each line of standard input becomes a record, as Kafka's console producer does. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = {"Send each line of standard input as a record (idempotent, acks=all by default).",
                "Exits 0 once every record is acknowledged, 1 if any is not."})
final class ProduceCommand implements Callable<Integer> {
    @Parameters(paramLabel = "TOPIC")
    String topic;

    @Mixin
    KafkaClientOptions client;

    @Option(names = {"-k", "--key"}, description = "The key of every record")
    String key;

    @Option(names = "--key-separator", paramLabel = "SEP",
            description = "Each line is KEY SEP VALUE (lines without SEP have no key)")
    String keySeparator;

    @Option(names = {"-H", "--header"}, paramLabel = "KEY=VALUE", description = "A header on every record (repeatable)")
    Map<String, String> headers = new LinkedHashMap<>();

    @Option(names = "--partition", description = "Send every record to this partition")
    Integer partition;

    @Option(names = "--acks", defaultValue = "all", description = "0, 1 or all; default: ${DEFAULT-VALUE}")
    String acks;


    @Override
    public Integer call() throws Exception {
        Properties config = client.clientProperties();
        config.put(ProducerConfig.ACKS_CONFIG, acks);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
                new StringSerializer());
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String recordKey = key;
                String value = line;
                int at = keySeparator == null ? -1 : line.indexOf(keySeparator);
                if (at >= 0) {
                    recordKey = line.substring(0, at);
                    value = line.substring(at + keySeparator.length());
                }
                ProducerRecord<String, String> record = new ProducerRecord<>(topic, partition, recordKey, value);
                headers.forEach((name, text) -> record.headers().add(new RecordHeader(name,
                        text.getBytes(StandardCharsets.UTF_8))));
                sent.add(producer.send(record));
            }
            producer.flush();
        } catch (KafkaException e) {
            System.err.println("Error: " + e.getMessage());
            return 1;
        }
        int failed = 0;
        for (Future<RecordMetadata> each : sent) {
            try {
                RecordMetadata metadata = each.get();
                if (client.json()) {
                    System.out.println(Output.json(Map.of("partition", metadata.partition(),
                            "offset", metadata.offset())));
                }
            } catch (ExecutionException e) {
                if (failed++ == 0) {
                    System.err.println("Error: " + e.getCause().getMessage());
                }
            }
        }
        System.err.println("Produced " + (sent.size() - failed) + " of " + sent.size() + " records to " + topic);
        return failed == 0 ? 0 : 1;
    }
}
