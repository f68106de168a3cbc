package io.skein.server.history;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The ring keeps the last samples only, in order, in the memory it was given. */
class SampleRingTest {
    @Test
    void keepsOnlyTheLastSamplesInTimeOrder() {
        SampleRing ring = new SampleRing(4, 2);
        long bytes = ring.bytes();
        for (long t = 1; t <= 10; t++) {
            ring.add(t * 1000, new double[] {t, -t});
            assertEquals(Math.min(t, 4), ring.size());
        }
        assertEquals(bytes, ring.bytes(), "its arrays never grow");
        assertEquals(4 * 8 * 3, bytes);
        SampleRing.Window all = ring.since(0);
        assertArrayEquals(new long[] {7000, 8000, 9000, 10000}, all.times());
        assertArrayEquals(new double[] {7, 8, 9, 10}, all.values()[0]);
        assertArrayEquals(new double[] {-7, -8, -9, -10}, all.values()[1]);
        assertEquals(10_000, ring.newest());
    }

    @Test
    void givesTheSamplesAfterATime() {
        SampleRing ring = new SampleRing(360, 1);
        LongStream.rangeClosed(1, 1000).forEach(t -> ring.add(t, new double[] {t}));
        assertEquals(360, ring.size());
        assertArrayEquals(new long[] {999, 1000}, ring.since(998).times());
        assertEquals(360, ring.since(5).times().length, "only what is kept");
        assertEquals(0, ring.since(1000).times().length);
        assertEquals(0, new SampleRing(3, 1).since(0).times().length);
        assertEquals(Long.MIN_VALUE, new SampleRing(3, 1).newest());
    }

    @Test
    void refusesSamplesOutOfOrderOrOfTheWrongShape() {
        SampleRing ring = new SampleRing(3, 2);
        ring.add(2000, new double[] {1, 2});
        assertThrows(IllegalArgumentException.class, () -> ring.add(2000, new double[] {1, 2}));
        assertThrows(IllegalArgumentException.class, () -> ring.add(3000, new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> new SampleRing(0, 1));
        assertEquals(1, ring.size());
    }
}
