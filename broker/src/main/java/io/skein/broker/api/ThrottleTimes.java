package io.skein.broker.api;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.EnumMap;
import java.util.Map;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Sets a response's {@code throttle_time_ms}. Every generated response class that has the field has
 * its own {@code setThrottleTimeMs}, with no interface in common (kafka-clients' own
 * {@code AbstractResponse.maybeSetThrottleTimeMs} dispatches the same way, per response class, and
 * Skein builds no {@code AbstractResponse}), so each API's setter is looked up once. A response without
 * the field (SaslHandshake's) keeps none: its client is still throttled by its muted connection.
 */
final class ThrottleTimes {
    private static final Map<ApiKeys, MethodHandle> SETTERS = setters();

    private ThrottleTimes() {
    }

    private static Map<ApiKeys, MethodHandle> setters() {
        Map<ApiKeys, MethodHandle> setters = new EnumMap<>(ApiKeys.class);
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        for (ApiKeys api : ApiKeys.values()) {
            Class<?> response;
            try {
                response = ApiMessageType.fromApiKey(api.id).newResponse().getClass();
            } catch (UnsupportedVersionException e) {
                continue; // an API kafka-clients no longer answers (LeaderAndIsr), which no broker serves now
            }
            try {
                setters.put(api, lookup.findVirtual(response, "setThrottleTimeMs", MethodType.methodType(response,
                        int.class)).asType(MethodType.methodType(void.class, ApiMessage.class, int.class)));
            } catch (NoSuchMethodException e) {
                // This API's responses carry no throttle time.
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("kafka-clients' " + response.getName() + " hides its setters", e);
            }
        }
        return setters;
    }

    /** Sets {@code response}'s throttle time to {@code throttleMs}, if {@code api}'s responses have one. */
    static void set(ApiKeys api, ApiMessage response, int throttleMs) {
        MethodHandle setter = SETTERS.get(api);
        if (setter == null) {
            return;
        }
        try {
            setter.invokeExact(response, throttleMs);
        } catch (Throwable e) {
            throw new IllegalStateException("Cannot set the throttle time of a " + api + " response", e);
        }
    }
}
