package io.skein.chaos.workload;

import io.skein.chaos.history.History;
import io.skein.chaos.history.Op;
import io.skein.chaos.history.Op.Fn;
import io.skein.chaos.history.Op.Read;
import io.skein.chaos.history.Op.Type;
import io.skein.chaos.history.Op.Write;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A client working in transactions on a thread of its own, each recorded as one history op: its sends
 * with the offsets they were acknowledged at, and what it polled for it. Ok once committed; fail if it
 * certainly did not commit (aborted, or the commit never asked for: only EndTxn with commit commits);
 * info if the commit was asked for and no answer said it succeeded. After an unknown outcome, or an
 * error that leaves it unusable, its producer is abandoned and a new one takes its transactional id:
 * its initTransactions fences the old one and ends what it left open, as a restarted process would.
 */
abstract class TransactionalClient implements Runnable {
    private static final Duration REOPEN_BACKOFF = Duration.ofMillis(500);
    /**
     * Between a transaction's last acknowledgement and its commit, as an application at work would: long
     * enough for a fault that sees the history's {@code commit} entry to freeze a node before the EndTxn
     * (freezing takes milliseconds; a commit is answered in a few).
     */
    private static final Duration DWELL_BEFORE_COMMIT = Duration.ofMillis(100);

    protected final String name;
    protected final String topic;
    protected final History history;
    private final Properties props = new Properties();
    private final BooleanSupplier running;
    private final Duration pause;

    /**
     * One transaction's work.
     *
     * @param writes the values to send, each to its partition (offsets null)
     * @param reads  what was polled for it
     * @param abort  whether to abort it on purpose once its sends are acknowledged
     */
    record Plan(List<Write> writes, List<Read> reads, boolean abort) {
    }

    /**
     * @param client the cluster's bootstrap servers and security ({@code SkeinCluster.kafkaClient()})
     * @param pause  between transactions, to keep to a rate
     */
    TransactionalClient(String name, Map<String, Object> client, String topic, History history, BooleanSupplier running,
                        Duration pause) {
        this.name = name;
        this.topic = topic;
        this.history = history;
        this.running = running;
        this.pause = pause;
        props.putAll(client);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, name);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, name);
        // A commit (and initTransactions) gives up after max.block.ms: shorter than a fault's hold, so that a
        // frozen coordinator leaves commits of unknown outcome and their EndTxn in its socket. A transaction
        // an abandoned producer left open is aborted by the coordinator soon after its timeout.
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "10000");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "3000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "10000");
        props.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "100");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    }

    /** The next transaction's work, or null if there is none now. */
    protected abstract Plan plan(long n);

    /** Once the sends are acknowledged, before the commit: a consumer's offsets join the transaction. */
    protected void beforeCommit(KafkaProducer<String, String> producer) {
    }

    /**
     * The transaction did not commit, or may not have: a consumer goes back to its group's offsets. Called
     * once the transaction is recorded, so that the history has its polls before the move back (which
     * starts a new assignment for the poll-order check) and not after it.
     */
    protected void notCommitted() {
    }

    /** At the end, on its thread: clients of its own (a consumer) are closed. */
    protected void closeClients() {
    }

    @Override
    public void run() {
        KafkaProducer<String, String> producer = null;
        try {
            for (long n = 1; running.getAsBoolean(); n++) {
                if (producer == null) {
                    producer = open();
                    if (producer == null) {
                        Thread.sleep(REOPEN_BACKOFF.toMillis());
                        continue;
                    }
                }
                Plan plan = plan(n);
                if (plan != null && !transaction(producer, plan)) {
                    producer.close(Duration.ZERO);
                    producer = null;
                }
                Thread.sleep(pause.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (producer != null) {
                producer.close(Duration.ofSeconds(10));
            }
            closeClients();
        }
    }

    private KafkaProducer<String, String> open() {
        KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
        try {
            producer.initTransactions();
            return producer;
        } catch (KafkaException e) { // the coordinator frozen or moving: a new producer tries again
            producer.close(Duration.ZERO);
            return null;
        }
    }

    /** Runs one transaction and records it; returns whether the producer can go on. */
    private boolean transaction(KafkaProducer<String, String> producer, Plan plan) {
        Op invoked = history.invokeTxn(name, plan.writes());
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        boolean commitAsked = false;
        try {
            producer.beginTransaction();
            for (Write write : plan.writes()) {
                sends.add(producer.send(new ProducerRecord<>(topic, write.partition(), null, write.value())));
            }
            producer.flush();
            for (Future<RecordMetadata> send : sends) {
                send.get(); // done after the flush: throws if the send failed
            }
            if (plan.abort()) {
                producer.abortTransaction();
                history.completeTxn(invoked, Type.FAIL, acknowledged(plan.writes(), sends), plan.reads(),
                        "aborted on purpose");
                notCommitted();
                return true;
            }
            beforeCommit(producer);
            history.info(name, Fn.COMMIT, "commit of history op " + invoked.index());
            Thread.sleep(DWELL_BEFORE_COMMIT.toMillis());
            commitAsked = true;
            producer.commitTransaction();
            history.completeTxn(invoked, Type.OK, acknowledged(plan.writes(), sends), plan.reads(), null);
            return true;
        } catch (ExecutionException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            boolean usable = !commitAsked && abort(producer, cause);
            history.completeTxn(invoked, commitAsked ? Type.INFO : Type.FAIL, acknowledged(plan.writes(), sends),
                    plan.reads(), cause.toString());
            notCommitted();
            return usable;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            history.completeTxn(invoked, commitAsked ? Type.INFO : Type.FAIL, acknowledged(plan.writes(), sends),
                    plan.reads(), e.toString());
            return false;
        }
    }

    /** Aborts after {@code error}; returns whether the producer is still usable. */
    private static boolean abort(KafkaProducer<String, String> producer, Throwable error) {
        if (error instanceof ProducerFencedException || error instanceof OutOfOrderSequenceException
                || error instanceof AuthorizationException || error instanceof UnsupportedVersionException) {
            return false; // fatal: the producer can only be closed
        }
        try {
            producer.abortTransaction();
            return true;
        } catch (KafkaException e) {
            return false;
        }
    }

    /** {@code planned} with the offsets of the sends that were acknowledged. */
    private static List<Write> acknowledged(List<Write> planned, List<Future<RecordMetadata>> sends) {
        List<Write> writes = new ArrayList<>(planned.size());
        for (int i = 0; i < planned.size(); i++) {
            Write write = planned.get(i);
            Long offset = null;
            if (i < sends.size() && sends.get(i).isDone()) {
                try {
                    offset = sends.get(i).get().offset();
                } catch (ExecutionException e) {
                    offset = null; // failed: where it went, if anywhere, is unknown
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // cannot be: it is done
                }
            }
            writes.add(new Write(write.partition(), write.value(), offset));
        }
        return writes;
    }
}
