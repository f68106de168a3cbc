package io.skein.broker.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.metadata.image.ClientQuotaEntity;
import io.skein.metadata.image.ClientQuotaKey;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Rates and throttle times as Kafka's ClientQuotaManager computes them, with its default windows (11
 * samples of a second), on times the test gives.
 */
class ClientQuotaManagerTest {
    private static ClientQuotaManager manager(ClientQuotaKey key, double bound) {
        ClientQuotaManager manager = new ClientQuotaManager(key, 11, 1_000);
        manager.limits(new ClientQuotaLimits(Map.of(ClientQuotaEntity.user("alice"), bound)));
        return manager;
    }

    @Test
    void aRateOverItsBoundIsThrottledUntilItWouldBeBackAtTheBound() {
        ClientQuotaManager produce = manager(ClientQuotaKey.PRODUCER_BYTE_RATE, 100);
        // A young rate is taken over ten whole samples: 500 bytes at once are 50 B/s.
        assertEquals(0, produce.recordAndGetThrottleTimeMs("alice", "app", 500, 0));
        // 1100 bytes over 10 s are 110 B/s: (110 - 100) / 100 of the 10 s window.
        assertEquals(1_000, produce.recordAndGetThrottleTimeMs("alice", "app", 600, 0));
        // Half a second on, the window is 10.5 s: 1100 / 10.5 = 104.76 B/s, 4.76% over.
        assertEquals(500, produce.recordAndGetThrottleTimeMs("alice", "app", 0, 500));
        // Once every sample is older than the window (11 s), the rate starts over.
        assertEquals(0, produce.recordAndGetThrottleTimeMs("alice", "app", 900, 12_000));
        assertEquals(0, produce.recordAndGetThrottleTimeMs("bob", "app", 1_000_000, 12_000), "no quota for bob");
    }

    @Test
    void aThrottledFetchIsTakenBackAndAskedForNoMoreThanTheWindowLetsThrough() {
        ClientQuotaManager fetch = manager(ClientQuotaKey.CONSUMER_BYTE_RATE, 100);
        assertEquals(1_000.0, fetch.maxValueInQuotaWindow("alice", "app"), "100 B/s over ten samples of a second");
        assertEquals(Double.MAX_VALUE, fetch.maxValueInQuotaWindow("bob", "app"));
        assertEquals(10_000, fetch.recordAndGetThrottleTimeMs("alice", "app", 2_000, 0));
        fetch.unrecord("alice", "app", 2_000, 0);
        assertEquals(0, fetch.recordAndGetThrottleTimeMs("alice", "app", 900, 0), "as if the 2000 never counted");
    }

    @Test
    void requestTimeIsThrottledForAtMostOneSample() {
        ClientQuotaManager requests = manager(ClientQuotaKey.REQUEST_PERCENTAGE, 1);
        // 50 percent-seconds (half a second of one thread) over 10 s are 5%: 4 times over, but one sample at most.
        assertEquals(1_000, requests.recordAndGetThrottleTimeMs("alice", "app", 50, 0));
    }

    @Test
    void ratesNotRecordedToForAnHourAreDropped() {
        ClientQuotaManager produce = manager(ClientQuotaKey.PRODUCER_BYTE_RATE, 100);
        assertEquals(1_000, produce.recordAndGetThrottleTimeMs("alice", "app", 1_100, 0));
        produce.expireIdle(ClientQuotaManager.IDLE_EXPIRY_MS - 1);
        assertEquals(500, produce.recordAndGetThrottleTimeMs("alice", "app", 0, 500), "still there");
        produce.expireIdle(500 + ClientQuotaManager.IDLE_EXPIRY_MS + 1);
        assertEquals(0, produce.recordAndGetThrottleTimeMs("alice", "app", 1_000, 500), "a new rate");
    }
}
