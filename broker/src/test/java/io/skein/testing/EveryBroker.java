package io.skein.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * Waiting until every broker shows a state in its own metadata. A change one broker shows, another
 * may not show yet (each follows the metadata log at its own pace), so a test that acts through one
 * broker and then asks another waits for this first.
 */
public final class EveryBroker {
    /** How long brokers get to show a state: generous, for busy machines. */
    public static final Duration WITHIN = Duration.ofSeconds(60);

    private EveryBroker() {
    }

    /**
     * Waits until {@code shows} holds for what each of {@code brokers} answers through {@code view};
     * at the deadline, fails naming {@code what} and the brokers that do not show it. A broker that
     * cannot answer for now (restarting, say) counts as not showing it.
     */
    public static <B, V> void await(String what, Collection<B> brokers, Function<B, V> view, Predicate<V> shows) {
        Awaitility.await(what).atMost(WITHIN).ignoreExceptions().untilAsserted(() -> {
            List<B> behind = brokers.stream().filter(broker -> !shows.test(view.apply(broker))).toList();
            assertEquals(List.of(), behind, "brokers that do not show " + what);
        });
    }
}
