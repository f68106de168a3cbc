package io.skein.server.console;

import io.skein.broker.admin.AdminAuthorization;
import io.skein.broker.admin.TopicRpcs;
import io.skein.proto.admin.TopicSummary;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Produces a test message (key, value and headers as UTF-8 text) to a topic, to the partition asked
 * or the one its key hashes to, then shows it where it was written.
 */
final class ProduceAction {
    private final AdminAuthorization authorization;
    private final TopicRpcs topics;
    private final TestProducer producer;

    ProduceAction(AdminAuthorization authorization, TopicRpcs topics, TestProducer producer) {
        this.authorization = authorization;
        this.topics = topics;
        this.producer = producer;
    }

    CompletableFuture<Reply> answer(Params params) {
        String topic = params.required("topic", "a topic");
        authorization.produce(params.caller(), topic);
        TopicSummary summary = topics.summary(topic);
        Integer partition = null;
        if (params.has("partition")) {
            partition = params.integer("partition", "The partition", 0, 0);
            if (partition >= summary.getPartitions()) {
                throw new BadInput("Topic '" + topic + "' has partitions 0 to " + (summary.getPartitions() - 1)
                        + ", not " + partition + ".");
            }
        }
        byte[] key = params.exact("key").isEmpty() ? null : utf8(params.exact("key"));
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, partition, key, utf8(params.exact("value")));
        params.pairs("headers", "header")
                .forEach(header -> record.headers().add(header.getKey(), utf8(header.getValue())));
        return producer.send(record)
                .thenApply(written -> Reply.seeOther(Link.to("/ui/messages").with("topic", topic)
                        .with("partition", written.partition()).with("order", "oldest")
                        .with("offset", written.offset()).with("limit", 1).with("done", "produced")));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
