package io.skein.broker.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.skein.broker.coordinator.CoordinatorResult;
import io.skein.broker.coordinator.CoordinatorResult.Wait;
import io.skein.broker.coordinator.CoordinatorTimer;
import io.skein.broker.kafka.LogRecords;
import io.skein.broker.kafka.LogRecords.KeyValue;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CoordinatorLoadInProgressException;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The transaction coordinator's rules on one shard, from its records alone: each operation's result
 * is "written" by replaying its records into the shard (as the runtime does once the log has them) or
 * failed with an append error; a new shard replaying the same records is a coordinator after failover.
 */
class TransactionCoordinatorShardTest {
    private static final String TXN = "txn";
    private static final TopicPartition P0 = new TopicPartition("data", 0);
    private static final TopicPartition P1 = new TopicPartition("data", 1);
    private static final short TV1 = 0;
    private static final short TV2 = TransactionMetadata.TV_2;
    private static final int TIMEOUT_MS = 60_000;
    /** Until when an add may wait for a transaction's completion: the shard hands it to the runtime unread. */
    private static final long DEADLINE = 1_234_567_890L;
    private static final TransactionConfig CONFIG = new TransactionConfig(50, (short) 1, 1, 1024 * 1024, 900_000,
            3_600_000, 10_000, 60_000, 30_000);

    private final MutableClock clock = new MutableClock();
    private final List<KeyValue> log = new ArrayList<>();
    private final List<PendingCompleteTxn> markers = new ArrayList<>();
    private final Map<String, Supplier<CoordinatorResult<Void>>> timers = new HashMap<>();
    private long nextProducerId = 1000;
    private boolean producerIdsAvailable = true;
    private TransactionCoordinatorShard shard = newShard(7);

    @BeforeEach
    void load() {
        write(shard.onLoaded());
    }

    private TransactionCoordinatorShard newShard(int coordinatorEpoch) {
        timers.clear();
        return new TransactionCoordinatorShard(CONFIG, clock, coordinatorEpoch, () -> {
            if (!producerIdsAvailable) {
                throw new CoordinatorLoadInProgressException("no block yet");
            }
            return nextProducerId++;
        }, markers::add, new CoordinatorTimer() {
            @Override
            public void schedule(String key, long delayMs, Supplier<CoordinatorResult<Void>> operation) {
                timers.put(key, operation);
            }

            @Override
            public void cancel(String key) {
                timers.remove(key);
            }
        });
    }

    /** The records are in the log: they are replayed, then the answer is given. */
    private <T> T write(CoordinatorResult<T> result) {
        for (KeyValue record : result.records()) {
            replay(log.size(), record);
            log.add(record);
        }
        return result.onWritten().apply(Errors.NONE);
    }

    private void replay(long offset, KeyValue record) {
        shard.replay(offset, LogRecords.NO_PRODUCER_ID, ByteBuffer.wrap(record.key()),
                record.value() == null ? null : ByteBuffer.wrap(record.value()));
    }

    private <T> T fail(CoordinatorResult<T> result, Errors appendError) {
        return result.onWritten().apply(appendError);
    }

    /** A new coordinator of the partition: a new shard replays the log and is loaded. */
    private void failover(int coordinatorEpoch) {
        shard.onUnloaded();
        shard = newShard(coordinatorEpoch);
        for (int offset = 0; offset < log.size(); offset++) {
            replay(offset, log.get(offset));
        }
        write(shard.onLoaded());
    }

    private <T> T on(Function<TransactionOperations, CoordinatorResult<T>> operation) {
        return write(operation.apply(shard.operations()));
    }

    private InitProducerIdResponseData init() {
        return on(o -> o.initProducerId(TXN, TIMEOUT_MS, -1, (short) -1));
    }

    private Errors add(long producerId, int epoch, short version, TopicPartition... partitions) {
        return write(adding(producerId, epoch, version, partitions));
    }

    private CoordinatorResult<Errors> adding(long producerId, int epoch, short version, TopicPartition... partitions) {
        return shard.operations().addPartitions(TXN, producerId, (short) epoch, Set.of(partitions), version, DEADLINE);
    }

    private EndTxnResponseData end(long producerId, int epoch, boolean commit, short version) {
        return on(o -> o.endTxn(TXN, producerId, (short) epoch, commit, version));
    }

    private TransactionMetadata state() {
        return shard.transaction(TXN).orElseThrow();
    }

    private void completeMarkers() {
        List<PendingCompleteTxn> sent = List.copyOf(markers);
        markers.clear();
        sent.forEach(txn -> write(shard.completeTransaction(txn)));
    }

    private static Errors initError(InitProducerIdResponseData response) {
        return Errors.forCode(response.errorCode());
    }

    private static Errors error(EndTxnResponseData response) {
        return Errors.forCode(response.errorCode());
    }

    @Test
    void initProducerIdGivesANewIdAndEachCallFencesTheProducerBefore() {
        InitProducerIdResponseData first = init();
        assertEquals(Errors.NONE, initError(first));
        assertEquals(1000, first.producerId());
        assertEquals(0, first.producerEpoch());
        InitProducerIdResponseData second = init();
        assertEquals(1000, second.producerId(), "the transactional id keeps its producer id");
        assertEquals(1, second.producerEpoch());
        assertEquals(Errors.PRODUCER_FENCED, add(1000, 0, TV1, P0));
        assertEquals(Errors.INVALID_PRODUCER_ID_MAPPING, add(999, 1, TV1, P0));
        assertEquals(Errors.NONE, add(1000, 1, TV1, P0));

        assertEquals(Errors.INVALID_REQUEST, initError(on(o -> o.initProducerId("", TIMEOUT_MS, -1, (short) -1))));
        assertEquals(Errors.INVALID_TRANSACTION_TIMEOUT, initError(on(o -> o.initProducerId(TXN, 900_001, -1, (short) -1))));
        assertEquals(Errors.INVALID_TRANSACTION_TIMEOUT, initError(on(o -> o.initProducerId(TXN, 0, -1, (short) -1))));
        producerIdsAvailable = false;
        assertEquals(Errors.COORDINATOR_LOAD_IN_PROGRESS, initError(on(o -> o.initProducerId("new", TIMEOUT_MS, -1, (short) -1))),
                "without a producer id at hand the producer retries");
    }

    @Test
    void aNewProducerAbortsTheOngoingTransactionFirstAndFencesItsEpoch() {
        init();
        assertEquals(Errors.NONE, add(1000, 0, TV1, P0, P1));
        assertEquals(Errors.CONCURRENT_TRANSACTIONS, initError(init()));
        assertEquals(TransactionState.PREPARE_ABORT, state().state());
        assertEquals(2, state().producerEpoch(), "fenced past the producer's epoch, and bumped as a TV2 abort");
        assertEquals(List.of(new PendingCompleteTxn(TXN, 7, 1000, (short) 2, false, TV2, Set.of(P0, P1))), markers);
        assertEquals(Errors.CONCURRENT_TRANSACTIONS, initError(init()), "until the markers are written");
        assertEquals(Errors.PRODUCER_FENCED, error(end(1000, 0, true, TV1)), "the old producer is fenced");
        assertEquals(Errors.PRODUCER_FENCED, add(1000, 0, TV1, P0), "and does not wait for the abort");

        completeMarkers();
        assertEquals(TransactionState.COMPLETE_ABORT, state().state());
        InitProducerIdResponseData retried = init();
        assertEquals(Errors.NONE, initError(retried));
        assertEquals(3, retried.producerEpoch());
        assertEquals(Set.of(), state().topicPartitions());
    }

    @Test
    void classicTransactionsKeepTheirEpochAndRetriesAreAnswered() {
        init();
        assertEquals(Errors.NONE, add(1000, 0, TV1, P0));
        assertEquals(Errors.NONE, add(1000, 0, TV1, P0), "already in the transaction");
        assertEquals(Errors.NONE, add(1000, 0, TV1, P1));
        assertEquals(Set.of(P0, P1), state().topicPartitions());
        assertEquals(Errors.NONE, error(end(1000, 0, true, TV1)));
        assertEquals(new PendingCompleteTxn(TXN, 7, 1000, (short) 0, true, TV1, Set.of(P0, P1)), markers.get(0));
        assertEquals(Errors.CONCURRENT_TRANSACTIONS, error(end(1000, 0, true, TV1)));
        assertEquals(Errors.INVALID_TXN_STATE, error(end(1000, 0, false, TV1)));
        assertEquals(Errors.CONCURRENT_TRANSACTIONS, add(1000, 0, TV1, P0));

        completeMarkers();
        assertEquals(TransactionState.COMPLETE_COMMIT, state().state());
        assertEquals(0, state().producerEpoch());
        assertEquals(Errors.NONE, error(end(1000, 0, true, TV1)), "a retry of the commit");
        assertEquals(Errors.INVALID_TXN_STATE, error(end(1000, 0, false, TV1)));
        assertEquals(Errors.NONE, add(1000, 0, TV1, P1), "the next transaction");
        assertEquals(Set.of(P1), state().topicPartitions());
        assertEquals(Errors.NONE, error(end(1000, 0, false, TV1)));
        completeMarkers();
        assertEquals(TransactionState.COMPLETE_ABORT, state().state());
        assertEquals(Errors.NONE, error(end(1000, 0, false, TV1)), "a retry of the abort");
    }

    @Test
    void transactionsV2BumpTheEpochAtEveryEnd() {
        init();
        assertEquals(Errors.NONE, add(1000, 0, TV2, P0));
        EndTxnResponseData ended = end(1000, 0, true, TV2);
        assertEquals(Errors.NONE, error(ended));
        assertEquals(1000, ended.producerId());
        assertEquals(1, ended.producerEpoch(), "the producer goes on with the bumped epoch");
        assertEquals(new PendingCompleteTxn(TXN, 7, 1000, (short) 1, true, TV2, Set.of(P0)), markers.get(0),
                "the markers carry the new epoch, fencing the transaction they end");
        assertEquals(Errors.CONCURRENT_TRANSACTIONS, error(end(1000, 0, true, TV2)), "a retry before completion");
        assertEquals(Errors.PRODUCER_FENCED, error(end(1000, 1, true, TV2)), "the new epoch cannot end it again");
        assertEquals(Errors.CONCURRENT_TRANSACTIONS, add(1000, 1, TV2, P0), "the next transaction waits");

        completeMarkers();
        EndTxnResponseData retried = end(1000, 0, true, TV2);
        assertEquals(Errors.NONE, error(retried), "a retry after completion is answered again");
        assertEquals(1, retried.producerEpoch());
        assertEquals(Errors.INVALID_TXN_STATE, error(end(1000, 1, true, TV2)), "nothing to commit");
        assertEquals(Errors.PRODUCER_FENCED, add(1000, 0, TV2, P0));
        assertEquals(Errors.NONE, add(1000, 1, TV2, P1));
        assertEquals(2, end(1000, 1, false, TV2).producerEpoch());
    }

    @Test
    void transactionsV2MayAbortATransactionTheCoordinatorNeverSawStart() {
        init();
        assertEquals(Errors.INVALID_TXN_STATE, error(end(1000, 0, true, TV2)));
        assertEquals(Errors.INVALID_TXN_STATE, error(end(1000, 0, false, TV1)), "classic clients cannot");
        EndTxnResponseData aborted = end(1000, 0, false, TV2);
        assertEquals(Errors.NONE, error(aborted));
        assertEquals(1, aborted.producerEpoch());
        assertEquals(new PendingCompleteTxn(TXN, 7, 1000, (short) 1, false, TV2, Set.of()), markers.get(0));
        completeMarkers();
        assertEquals(TransactionState.COMPLETE_ABORT, state().state());
        assertEquals(1, end(1000, 0, false, TV2).producerEpoch(), "a retry");
        assertEquals(2, end(1000, 1, false, TV2).producerEpoch(), "another abort bumps again");
    }

    @Test
    void exhaustedEpochsMoveTheProducerToANewId() {
        init();
        replayState(state(), (short) 32766);
        InitProducerIdResponseData rotated = init();
        assertEquals(1001, rotated.producerId());
        assertEquals(0, rotated.producerEpoch());

        replayState(state(), (short) 32766);
        assertEquals(Errors.NONE, add(1001, 32766, TV2, P0));
        EndTxnResponseData ended = end(1001, 32766, true, TV2);
        assertEquals(1002, ended.producerId(), "the epoch ran out: the producer goes on as a new id");
        assertEquals(0, ended.producerEpoch());
        assertEquals(Short.MAX_VALUE, markers.get(0).producerEpoch(), "the old id's markers use the last epoch");
        assertEquals(Wait.NEXT_WRITE, adding(1002, 0, TV2, P1).waitsFor(),
                "the new id's first add waits for the completion that gives the producer that id");
        completeMarkers();
        assertEquals(1002, state().producerId());
        assertEquals(1001, state().previousProducerId());
        EndTxnResponseData retried = end(1001, 32766, true, TV2);
        assertEquals(Errors.NONE, error(retried), "a retry across the rotation is recognised");
        assertEquals(1002, retried.producerId());
        assertEquals(Errors.NONE, add(1002, 0, TV2, P1));
    }

    /** Puts {@code metadata}, with {@code epoch}, in the log as if the coordinator had written it. */
    private void replayState(TransactionMetadata metadata, short epoch) {
        write(new CoordinatorResult<>(List.of(TransactionRecords.record(new TransactionMetadata(TXN,
                metadata.producerId(), metadata.previousProducerId(), metadata.nextProducerId(), epoch,
                metadata.lastProducerEpoch(), metadata.txnTimeoutMs(), metadata.state(), metadata.topicPartitions(),
                metadata.txnStartTimestamp(), metadata.txnLastUpdateTimestamp(),
                metadata.clientTransactionVersion()))), error -> null));
    }

    @Test
    void aProducerNamingItsEpochIsBumpedOrToldItsRetryOrFenced() {
        init();
        InitProducerIdResponseData resumed = on(o -> o.initProducerId(TXN, TIMEOUT_MS, 1000, (short) 0));
        assertEquals(1, resumed.producerEpoch());
        assertEquals(1, on(o -> o.initProducerId(TXN, TIMEOUT_MS, 1000, (short) 0)).producerEpoch(),
                "a retry whose answer was lost gets the same epoch");
        assertEquals(Errors.PRODUCER_FENCED, initError(on(o -> o.initProducerId(TXN, TIMEOUT_MS, 1000, (short) 5))));
        assertEquals(Errors.PRODUCER_FENCED, initError(on(o -> o.initProducerId(TXN, TIMEOUT_MS, 77, (short) 1))));
        assertEquals(2, on(o -> o.initProducerId(TXN, TIMEOUT_MS, 1000, (short) 1)).producerEpoch());
    }

    @Test
    void aChangeBeingWrittenBlocksTheNextAndAFailedWriteChangesNothing() {
        init();
        CoordinatorResult<Errors> adding = adding(1000, 0, TV1, P0);
        assertEquals(Wait.PENDING_WRITES, adding(1000, 0, TV1, P1).waitsFor(), "an add waits for it");
        assertEquals(Errors.CONCURRENT_TRANSACTIONS, initError(init()));
        assertEquals(Errors.CONCURRENT_TRANSACTIONS, error(end(1000, 0, true, TV1)));
        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE, fail(adding, Errors.NOT_ENOUGH_REPLICAS));
        assertEquals(TransactionState.EMPTY, state().state());
        assertEquals(Errors.NOT_COORDINATOR, fail(adding(1000, 0, TV1, P0), Errors.NOT_LEADER_OR_FOLLOWER));
        assertEquals(Errors.NONE, add(1000, 0, TV1, P0), "the next attempt starts from the written state");
        assertEquals(Errors.COORDINATOR_NOT_AVAILABLE, error(fail(shard.operations().endTxn(TXN, 1000, (short) 0, true, TV1),
                Errors.REQUEST_TIMED_OUT)));
        assertEquals(List.of(), markers, "no markers for a Prepare that was not written");
        assertEquals(TransactionState.ONGOING, state().state());
    }

    /**
     * An add that meets a change of its transactional id being written waits for it and is then judged
     * on what was written: another leader's add of the same transaction, or the completion of the one
     * before, lets it through. One that meets the transaction before prepared, with no change being
     * written (its markers are), waits for the shard's next write until the deadline it was given,
     * and is refused CONCURRENT_TRANSACTIONS then.
     */
    @Test
    void anAddThatMeetsAChangeBeingWrittenIsJudgedOnceItIsWritten() {
        init();
        CoordinatorResult<Errors> first = adding(1000, 0, TV2, P0);
        assertEquals(Wait.PENDING_WRITES, adding(1000, 0, TV2, P1).waitsFor());
        assertEquals(Errors.NONE, write(first));
        assertEquals(Errors.NONE, add(1000, 0, TV2, P1), "run again, it joins the ongoing transaction");
        assertEquals(Set.of(P0, P1), state().topicPartitions());

        assertEquals(1, end(1000, 0, true, TV2).producerEpoch());
        CoordinatorResult<Errors> early = adding(1000, 1, TV2, P0);
        assertEquals(Wait.NEXT_WRITE, early.waitsFor(), "prepared, its markers not yet written");
        assertEquals(DEADLINE, early.deadlineNanos());
        assertEquals(Errors.CONCURRENT_TRANSACTIONS, write(early), "its answer at the deadline");
        CoordinatorResult<Void> completing = shard.completeTransaction(markers.get(0));
        assertEquals(Wait.PENDING_WRITES, adding(1000, 1, TV2, P0).waitsFor(), "the completion is being written");
        write(completing);
        assertEquals(Errors.NONE, add(1000, 1, TV2, P0), "run again, it starts the next transaction");
        assertEquals(TransactionState.ONGOING, state().state());
        assertEquals(Set.of(P0), state().topicPartitions());
    }

    @Test
    void aLeaderVerifiesThePartitionsOfATransaction() {
        init();
        add(1000, 0, TV1, P0);
        assertEquals(Map.of(P0, Errors.NONE, P1, Errors.TRANSACTION_ABORTABLE),
                shard.operations().verifyPartitions(TXN, 1000, (short) 0, Set.of(P0, P1)));
        assertEquals(Map.of(P0, Errors.PRODUCER_FENCED), shard.operations().verifyPartitions(TXN, 1000, (short) 1, Set.of(P0)));
        assertEquals(Map.of(P0, Errors.INVALID_PRODUCER_ID_MAPPING),
                shard.operations().verifyPartitions("other", 1000, (short) 0, Set.of(P0)));
        end(1000, 0, true, TV1);
        assertEquals(Map.of(P0, Errors.CONCURRENT_TRANSACTIONS),
                shard.operations().verifyPartitions(TXN, 1000, (short) 0, Set.of(P0)));
    }

    @Test
    void aTransactionOlderThanItsTimeoutIsAbortedAndItsProducerFenced() {
        init();
        add(1000, 0, TV1, P0);
        on(o -> o.initProducerId("young", TIMEOUT_MS, -1, (short) -1));
        clock.advance(TIMEOUT_MS + 1);
        on(o -> o.addPartitions("young", 1001, (short) 0, Set.of(P1), TV1, DEADLINE));
        write(timers.get(TransactionCoordinatorShard.ABORT_TIMED_OUT_TIMER).get());
        assertEquals(TransactionState.PREPARE_ABORT, state().state());
        assertEquals(TransactionState.ONGOING, shard.transaction("young").orElseThrow().state());
        assertEquals(List.of(new PendingCompleteTxn(TXN, 7, 1000, (short) 2, false, TV2, Set.of(P0))), markers);
        assertTrue(timers.containsKey(TransactionCoordinatorShard.ABORT_TIMED_OUT_TIMER), "it runs again");
        completeMarkers();
        assertEquals(Errors.PRODUCER_FENCED, error(end(1000, 0, true, TV1)));
        assertEquals(Errors.PRODUCER_FENCED, add(1000, 0, TV1, P0));
    }

    @Test
    void anIdleTransactionalIdExpiresButNotOneInATransaction() {
        init();
        on(o -> o.initProducerId("busy", TIMEOUT_MS, -1, (short) -1));
        on(o -> o.addPartitions("busy", 1001, (short) 0, Set.of(P0), TV1, DEADLINE));
        clock.advance(CONFIG.transactionalIdExpirationMs());
        write(timers.get(TransactionCoordinatorShard.EXPIRE_TIMER).get());
        assertFalse(shard.transaction(TXN).isPresent());
        assertTrue(shard.transaction("busy").isPresent());
        assertEquals(Errors.INVALID_PRODUCER_ID_MAPPING, add(1000, 0, TV1, P0));
        failover(8);
        assertFalse(shard.transaction(TXN).isPresent(), "the tombstone is in the log");
        assertEquals(1002, init().producerId(), "it starts again with a new producer id");
    }

    @Test
    void aNewCoordinatorRebuildsTheStateAndResumesTheMarkers() {
        init();
        add(1000, 0, TV2, P0);
        end(1000, 0, true, TV2);
        on(o -> o.initProducerId("other", TIMEOUT_MS, -1, (short) -1));
        TransactionMetadata before = state();
        PendingCompleteTxn stale = markers.remove(0);

        failover(8);
        assertEquals(before, state(), "the same state from the records alone");
        assertEquals(List.of(new PendingCompleteTxn(TXN, 8, 1000, (short) 1, true, TV2, Set.of(P0))), markers,
                "markers are sent again, under the new coordinator epoch");
        assertTrue(timers.containsKey(TransactionCoordinatorShard.ABORT_TIMED_OUT_TIMER));
        assertTrue(timers.containsKey(TransactionCoordinatorShard.EXPIRE_TIMER));
        completeMarkers();
        assertEquals(TransactionState.COMPLETE_COMMIT, state().state());
        assertEquals(List.of(), shard.completeTransaction(stale).records(), "a late completion changes nothing");
    }

    @Test
    void aCompletionThatCannotBeWrittenIsTriedAgain() {
        init();
        add(1000, 0, TV1, P0);
        end(1000, 0, false, TV1);
        PendingCompleteTxn txn = markers.remove(0);
        fail(shard.completeTransaction(txn), Errors.NOT_ENOUGH_REPLICAS);
        assertEquals(TransactionState.PREPARE_ABORT, state().state());
        write(timers.get("complete-" + TXN).get());
        assertEquals(TransactionState.COMPLETE_ABORT, state().state());
    }

    @Test
    void transitionsStartOnlyFromTheirValidPreviousStates() {
        init();
        TransactionMetadata empty = state();
        assertThrows(IllegalStateException.class, () -> empty.prepareComplete(0));
        assertThrows(IllegalStateException.class, () -> empty.prepareAbortOrCommit(TransactionState.PREPARE_COMMIT,
                TV1, -1, 0, false));
        assertThrows(IllegalStateException.class, () -> empty.prepareFenceProducerEpoch(TV2, 0));
        TransactionMetadata ongoing = empty.prepareAddPartitions(Set.of(P0), 0, TV1);
        TransactionMetadata committing = ongoing.prepareAbortOrCommit(TransactionState.PREPARE_COMMIT, TV1, -1, 0, false);
        assertThrows(IllegalStateException.class, () -> committing.prepareAddPartitions(Set.of(P1), 0, TV1));
        assertThrows(IllegalStateException.class, () -> committing.prepareIncrementProducerEpoch(TIMEOUT_MS,
                (short) -1, false, 0));
        assertThrows(IllegalStateException.class, committing::prepareDead);
        assertEquals(TransactionState.COMPLETE_COMMIT, committing.prepareComplete(0).state());
        assertThrows(IllegalStateException.class, () -> ongoing.prepareDead());
    }

    private static final class MutableClock extends Clock {
        private long millis = 1_700_000_000_000L;

        void advance(long ms) {
            millis += ms;
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
