package io.skein.metadata.controller;

import static io.skein.metadata.controller.TestImages.apply;
import static io.skein.metadata.controller.TestImages.brokers;
import static io.skein.metadata.controller.TestImages.epoch;
import static io.skein.metadata.controller.TestImages.image;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.skein.metadata.image.MetadataImage;
import io.skein.proto.controller.AllocateProducerIdsRequest;
import io.skein.proto.controller.AllocateProducerIdsResponse;
import io.skein.proto.controller.ErrorCode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Producer-id blocks, from records alone. */
class ProducerIdControlManagerTest {
    private final ProducerIdControlManager producerIds = new ProducerIdControlManager(1_000);

    private static AllocateProducerIdsRequest request(int brokerId, long brokerEpoch) {
        return AllocateProducerIdsRequest.newBuilder().setBrokerId(brokerId).setBrokerEpoch(brokerEpoch).build();
    }

    @Test
    void eachBlockStartsWhereThePreviousEnded() {
        MetadataImage view = image(brokers(2));
        ControllerResult<AllocateProducerIdsResponse> first = producerIds.allocateProducerIds(view,
                request(1, epoch(1)));
        view = apply(view, first);
        ControllerResult<AllocateProducerIdsResponse> second = producerIds.allocateProducerIds(view,
                request(2, epoch(2)));

        assertEquals(0, first.response().getProducerIdStart());
        assertEquals(1_000, first.response().getProducerIdLen());
        assertEquals(1_000, second.response().getProducerIdStart());
        assertEquals(2_000, apply(view, second).nextProducerId());
    }

    @Test
    void aBrokerOfAnEarlierRegistrationOrNoneGetsNoBlock() {
        MetadataImage view = image(brokers(1));
        ControllerResult<AllocateProducerIdsResponse> stale = producerIds.allocateProducerIds(view,
                request(1, epoch(1) - 1));
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, stale.response().getError().getCode());
        assertEquals(List.of(), stale.records());
        assertEquals(ErrorCode.BROKER_ID_NOT_REGISTERED, producerIds.allocateProducerIds(view, request(2, 1))
                .response().getError().getCode());
    }
}
