package io.skein.broker.txn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.broker.kafka.AddPartitionsWait;
import io.skein.broker.kafka.BrokerConnector;
import io.skein.broker.kafka.KafkaRequest;
import io.skein.testing.StringClients;
import io.skein.testing.TcpProxy;
import io.skein.testing.TestNode;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader's adds to other brokers' transaction coordinators. Two real brokers each coordinate one
 * partition of {@code __transaction_state}; the manager under test is a third broker's, the leader
 * of the partitions, and reaches them through proxies that show the requests reaching each
 * coordinator, and can hold them or die.
 */
@Timeout(120)
class AddPartitionsToTxnManagerTest {
    private static final int LEADER = 3;
    private static final TopicPartition P0 = new TopicPartition("data", 0);
    private static final TopicPartition P1 = new TopicPartition("data", 1);
    private static final Map<String, String> SERVED = Map.of("transaction.state.log.num.partitions", "2",
            "transaction.state.log.replication.factor", "1", "transaction.state.log.min.isr", "1");

    @TempDir
    static Path dir;
    private static TestNode first;
    private static TestNode second;

    /** A transactional id whose producer its coordinator has initialised. */
    private record Producer(String transactionalId, long producerId, short epoch) {
    }

    @BeforeAll
    static void start() throws Exception {
        first = TestNode.start(dir.resolve("1"), SERVED);
        second = TestNode.startBroker(dir.resolve("2"), first, 2, SERVED);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", first.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("data", 2, (short) 1))).all().get();
        }
        // The first transactional producer has __transaction_state created, one partition led by each broker.
        try (KafkaProducer<String, String> producer = StringClients.producer(first.bootstrap(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "first"))) {
            producer.initTransactions();
        }
        TestNode.awaitAll(List.of(first, second), "__transaction_state led by both brokers", image -> {
            var topic = image.topic(TransactionCoordinator.TRANSACTION_STATE_TOPIC);
            return topic != null && topic.partitions().size() == 2
                    && topic.partitions().values().stream().allMatch(p -> p.hasLeader());
        });
    }

    @AfterAll
    static void stop() {
        second.close();
        first.close();
    }

    private static TestNode node(int id) {
        return id == 1 ? first : second;
    }

    private static TransactionCoordinator coordinator(int node) {
        return node(node).node().broker().orElseThrow().transactionCoordinator();
    }

    private static InetSocketAddress address(int node) {
        return new InetSocketAddress("127.0.0.1", node(node).node().broker().orElseThrow().boundPorts().get(0));
    }

    /** {@code count} transactional ids of {@code node}'s coordinator, their producers initialised there. */
    private static List<Producer> producers(int node, String prefix, int count) {
        TransactionCoordinator coordinator = coordinator(node);
        return IntStream.iterate(0, i -> i + 1).mapToObj(i -> prefix + i)
                .filter(id -> coordinator.coordinatorId(id).equals(OptionalInt.of(node))).limit(count)
                .map(id -> {
                    AtomicReference<Producer> initialised = new AtomicReference<>();
                    await().atMost(Duration.ofSeconds(30)).until(() -> {
                        var response = get(coordinator.initProducerId(id, 60_000, -1, (short) -1));
                        initialised.set(new Producer(id, response.producerId(), response.producerEpoch()));
                        return response.errorCode() == Errors.NONE.code();
                    });
                    return initialised.get();
                }).toList();
    }

    /** The leader's manager, which reaches each coordinator where {@code routes} says at the time. */
    private static AddPartitionsToTxnManager leader(Map<Integer, InetSocketAddress> routes) {
        return new AddPartitionsToTxnManager(LEADER, coordinator(1), id -> Optional.ofNullable(routes.get(id)),
                BrokerConnector.PLAINTEXT, 30_000, 20, 100);
    }

    /**
     * A leader whose own retry of an add refused CONCURRENT_TRANSACTIONS would come only after a
     * minute, longer than any test waits for an answer: an add answered is one the coordinator
     * answered when first asked.
     */
    private static AddPartitionsToTxnManager leaderThatDoesNotRetry(InetSocketAddress toFirst, int retryBackoffMaxMs) {
        return new AddPartitionsToTxnManager(LEADER, coordinator(1), id -> Optional.of(toFirst), BrokerConnector.PLAINTEXT, 30_000, 60_000,
                retryBackoffMaxMs);
    }

    private static CompletableFuture<Map<TopicPartition, Errors>> add(AddPartitionsToTxnManager leader,
                                                                      Producer producer, TopicPartition tp) {
        return leader.verifyTransaction(producer.transactionalId(), producer.producerId(), producer.epoch(), Set.of(tp),
                false);
    }

    private static Set<TopicPartition> partitionsAt(int node, Producer producer) throws Exception {
        return get(coordinator(node).describe(producer.transactionalId())).orElseThrow().topicPartitions();
    }

    private static AddPartitionsToTxnRequestData parse(byte[] frame) {
        return (AddPartitionsToTxnRequestData) KafkaRequest.parse(ByteBuffer.wrap(frame)).data();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static <T> T get(CompletableFuture<T> future) throws Exception {
        return future.get(30, TimeUnit.SECONDS);
    }

    /**
     * While one request is with the coordinator, the adds of ten other producers (one of them twice,
     * for two partitions, as a producer's requests in flight together ask) wait, and go together in
     * the next request, one transaction each; every one is added.
     */
    @Test
    void addsArrivingWhileARequestIsInFlightGoInOneRequest() throws Exception {
        List<Producer> producers = producers(1, "together-", 11);
        List<AddPartitionsToTxnRequestData> reached = new CopyOnWriteArrayList<>();
        CountDownLatch released = new CountDownLatch(1);
        try (TcpProxy toFirst = new TcpProxy(0, address(1), frame -> {
                reached.add(parse(frame));
                awaitQuietly(released);
            });
             AddPartitionsToTxnManager leader = leader(Map.of(1, new InetSocketAddress("127.0.0.1", toFirst.port())))) {
            CompletableFuture<Map<TopicPartition, Errors>> alone = add(leader, producers.get(0), P0);
            await().atMost(Duration.ofSeconds(30)).until(() -> reached.size() == 1);

            List<CompletableFuture<Map<TopicPartition, Errors>>> waiting = new ArrayList<>();
            producers.subList(1, producers.size()).forEach(producer -> waiting.add(add(leader, producer, P0)));
            CompletableFuture<Map<TopicPartition, Errors>> again = add(leader, producers.get(1), P1);
            assertFalse(alone.isDone(), "held at the proxy");
            released.countDown();

            assertEquals(Map.of(P0, Errors.NONE), get(alone));
            for (CompletableFuture<Map<TopicPartition, Errors>> answer : waiting) {
                assertEquals(Map.of(P0, Errors.NONE), get(answer));
            }
            assertEquals(Map.of(P1, Errors.NONE), get(again));
        } finally {
            released.countDown();
        }
        assertEquals(List.of(1, 10), reached.stream().map(request -> request.transactions().size()).toList(),
                "transactions in each request that reached the coordinator");
        assertEquals(Set.of(P0, P1), partitionsAt(1, producers.get(1)));
        for (Producer producer : producers.subList(2, producers.size())) {
            assertEquals(Set.of(P0), partitionsAt(1, producer));
        }
    }

    /**
     * An add for a producer whose previous transaction cannot complete (its partition has no leader:
     * its broker is down) waits at the coordinator, another broker, for the rest of the leader's
     * window, which its request carries, and is refused CONCURRENT_TRANSACTIONS at its end. The next
     * one, asked while the broker comes back, waits there until the transaction completes and is
     * added. The leader never asks twice: its back-off is longer than the test waits.
     */
    @Test
    void anAddWaitsAtAnotherBrokersCoordinatorForThePreviousTransactionToComplete() throws Exception {
        Producer producer = producers(1, "parked-", 1).get(0);
        TestNode fourth = TestNode.startBroker(dir.resolve("4"), first, 4, SERVED);
        List<AddPartitionsToTxnRequestData> reached = new CopyOnWriteArrayList<>();
        try (TcpProxy toFirst = new TcpProxy(0, address(1), frame -> reached.add(parse(frame)))) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", first.bootstrap()))) {
                admin.createTopics(List.of(new NewTopic("parked", 6, (short) 1))).all().get();
            }
            TestNode.awaitAll(List.of(first), "every partition of parked led", image -> image.topic("parked") != null
                    && image.topic("parked").partitions().values().stream().allMatch(p -> p.hasLeader()));
            int onFourth = first.image().topic("parked").partitions().entrySet().stream()
                    .filter(p -> p.getValue().leader() == 4).map(Map.Entry::getKey).findFirst().orElseThrow();
            TopicPartition parked = new TopicPartition("parked", onFourth);
            assertEquals(Errors.NONE, get(coordinator(1).addPartitionsToTxn(producer.transactionalId(),
                    producer.producerId(), producer.epoch(), Set.of(parked), TransactionMetadata.TV_2)));
            fourth.close();
            TestNode.awaitAll(List.of(first), parked + " without a leader",
                    image -> !image.topic("parked").partition(onFourth).hasLeader());
            Producer next = new Producer(producer.transactionalId(), producer.producerId(),
                    get(coordinator(1).endTxn(producer.transactionalId(), producer.producerId(), producer.epoch(), true,
                            TransactionMetadata.TV_2)).producerEpoch());
            InetSocketAddress proxied = new InetSocketAddress("127.0.0.1", toFirst.port());

            try (AddPartitionsToTxnManager leader = leaderThatDoesNotRetry(proxied, 300)) {
                long started = System.nanoTime();
                assertEquals(Map.of(P0, Errors.CONCURRENT_TRANSACTIONS), get(add(leader, next, P0)));
                assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(300), "held until then");
            }
            int carried = AddPartitionsWait.of(reached.get(0).transactions().find(producer.transactionalId()));
            assertTrue(carried > 0 && carried <= 300, "the rest of the window, in the request: " + carried);

            try (AddPartitionsToTxnManager leader = leaderThatDoesNotRetry(proxied, 30_000)) {
                CompletableFuture<Map<TopicPartition, Errors>> adding = add(leader, next, P0);
                await().atMost(Duration.ofSeconds(30)).until(() -> reached.size() == 2);
                fourth.start();
                assertEquals(Map.of(P0, Errors.NONE), get(adding));
            }
            assertEquals(1, reached.get(1).transactions().size());
            assertEquals(Set.of(P0), partitionsAt(1, next));
        } finally {
            fourth.close();
        }
    }

    /**
     * A coordinator that stops answering holds back only its own adds; when it dies, the request
     * under way and the adds waiting behind it are answered NETWORK_EXCEPTION, and the next add
     * connects again.
     */
    @Test
    void aDeadCoordinatorFailsItsAddsWithoutHoldingBackAnotherCoordinators() throws Exception {
        List<Producer> ofFirst = producers(1, "dying-", 3);
        List<Producer> ofSecond = producers(2, "living-", 2);
        List<AddPartitionsToTxnRequestData> reached = new CopyOnWriteArrayList<>();
        CountDownLatch never = new CountDownLatch(1);
        Map<Integer, InetSocketAddress> routes = new ConcurrentHashMap<>();
        try (TcpProxy toFirst = new TcpProxy(0, address(1), frame -> {
                reached.add(parse(frame));
                awaitQuietly(never);
            });
             AddPartitionsToTxnManager leader = leader(routes)) {
            routes.put(1, new InetSocketAddress("127.0.0.1", toFirst.port()));
            routes.put(2, address(2));
            CompletableFuture<Map<TopicPartition, Errors>> inFlight = add(leader, ofFirst.get(0), P0);
            await().atMost(Duration.ofSeconds(30)).until(() -> reached.size() == 1);
            List<CompletableFuture<Map<TopicPartition, Errors>>> waiting = List.of(add(leader, ofFirst.get(1), P0),
                    add(leader, ofFirst.get(2), P1));

            for (Producer producer : ofSecond) {
                assertEquals(Map.of(P0, Errors.NONE), get(add(leader, producer, P0)));
            }
            assertFalse(inFlight.isDone(), "the first coordinator has not answered");
            assertFalse(waiting.get(0).isDone(), "the first coordinator has not answered");

            toFirst.close(); // its connection breaks, and it refuses new ones
            assertEquals(Map.of(P0, Errors.NETWORK_EXCEPTION), get(inFlight));
            assertEquals(Map.of(P0, Errors.NETWORK_EXCEPTION), get(waiting.get(0)));
            assertEquals(Map.of(P1, Errors.NETWORK_EXCEPTION), get(waiting.get(1)));
            assertEquals(1, reached.size(), "requests that reached the first coordinator");

            routes.put(1, address(1));
            assertEquals(Map.of(P0, Errors.NONE), get(add(leader, ofFirst.get(1), P0)));
        } finally {
            never.countDown();
        }
        assertEquals(Set.of(P0), partitionsAt(1, ofFirst.get(1)));
        assertEquals(Set.of(P0), partitionsAt(2, ofSecond.get(0)));
    }
}
