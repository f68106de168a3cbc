package io.skein.metadata.image;

import java.util.Arrays;
import java.util.Optional;

/**
 * The client quotas Skein keeps and enforces, under Kafka's keys: produce and fetch byte rates per
 * second (KIP-13, whole numbers as Kafka's LONG keys) and the percentage of one request thread's time
 * (KIP-124, any positive number).
 */
public enum ClientQuotaKey {
    PRODUCER_BYTE_RATE("producer_byte_rate", true),
    CONSUMER_BYTE_RATE("consumer_byte_rate", true),
    REQUEST_PERCENTAGE("request_percentage", false);

    private final String key;
    private final boolean wholeNumber;

    ClientQuotaKey(String key, boolean wholeNumber) {
        this.key = key;
        this.wholeNumber = wholeNumber;
    }

    /** Kafka's name of the key, as records and requests carry it. */
    public String key() {
        return key;
    }

    /** Whether its values are whole numbers (Kafka's LONG quota keys), else any positive number (DOUBLE). */
    public boolean wholeNumber() {
        return wholeNumber;
    }

    public static Optional<ClientQuotaKey> of(String key) {
        return Arrays.stream(values()).filter(k -> k.key.equals(key)).findFirst();
    }
}
