package io.skein.broker.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

/** The throttle time lands in each response's own field; a response without one is left as it is. */
class ThrottleTimesTest {
    @Test
    void eachResponseGetsItsThrottleTime() {
        ProduceResponseData produce = new ProduceResponseData();
        ThrottleTimes.set(ApiKeys.PRODUCE, produce, 1234);
        assertEquals(1234, produce.throttleTimeMs());
        FetchResponseData fetch = new FetchResponseData();
        ThrottleTimes.set(ApiKeys.FETCH, fetch, 56);
        assertEquals(56, fetch.throttleTimeMs());
        DescribeClientQuotasResponseData describe = new DescribeClientQuotasResponseData();
        ThrottleTimes.set(ApiKeys.DESCRIBE_CLIENT_QUOTAS, describe, 7);
        assertEquals(7, describe.throttleTimeMs());
        ApiVersionsResponseData versions = new ApiVersionsResponseData();
        ThrottleTimes.set(ApiKeys.API_VERSIONS, versions, 8);
        assertEquals(8, versions.throttleTimeMs());

        SaslHandshakeResponseData handshake = new SaslHandshakeResponseData();
        ThrottleTimes.set(ApiKeys.SASL_HANDSHAKE, handshake, 9);
        assertEquals(new SaslHandshakeResponseData(), handshake, "no throttle time to set");
    }
}
