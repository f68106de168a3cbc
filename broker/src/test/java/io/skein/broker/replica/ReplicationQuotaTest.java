package io.skein.broker.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The throttle's rate as Kafka measures it, on a clock the test moves, and which replicas a list names. */
class ReplicationQuotaTest {
    private long now = 1_000_000;
    private final ReplicationQuota quota = new ReplicationQuota(() -> now);

    @Test
    void theRateIsTheBytesOfTheLastElevenSecondsOverTheTimeSinceTheOldestSampleBeganAtLeastOneSecond() {
        quota.bound(500);
        assertFalse(quota.isExceeded());
        quota.record(1000);
        assertEquals(1000.0, quota.rate(), 0.001, "within the first second: over one second");
        assertTrue(quota.isExceeded());

        now += 2_000;
        assertEquals(500.0, quota.rate(), 0.001);
        assertFalse(quota.isExceeded(), "a rate at the bound is within it");
        quota.record(500);
        assertEquals(750.0, quota.rate(), 0.001);
        assertTrue(quota.isExceeded());

        now += 11_000;
        assertEquals(0.0, quota.rate(), 0.001, "samples older than the window count for nothing");
        assertFalse(quota.isExceeded());
    }

    @Test
    void withoutABoundNothingIsExceededAndABoundTakesEffectAtOnce() {
        quota.record(1L << 40);
        assertFalse(quota.isExceeded());
        quota.bound(1L << 39);
        assertTrue(quota.isExceeded());
        quota.bound(Long.MAX_VALUE);
        assertFalse(quota.isExceeded());
    }

    @Test
    void aListNamesReplicasAsPartitionColonBrokerOrAllWithAStar() {
        assertTrue(ReplicationQuota.throttles(List.of("0:1", " 1:2"), 1, 2));
        assertFalse(ReplicationQuota.throttles(List.of("0:1", "1:2"), 1, 1));
        assertFalse(ReplicationQuota.throttles(List.of("10:1"), 0, 1));
        assertTrue(ReplicationQuota.throttles(List.of("*"), 7, 3));
        assertFalse(ReplicationQuota.throttles(List.of(), 0, 1));
    }
}
