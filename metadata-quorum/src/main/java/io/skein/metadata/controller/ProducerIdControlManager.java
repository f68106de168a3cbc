package io.skein.metadata.controller;

import static io.skein.metadata.controller.ControllerErrors.none;

import io.skein.metadata.image.MetadataImage;
import io.skein.proto.controller.AllocateProducerIdsRequest;
import io.skein.proto.controller.AllocateProducerIdsResponse;
import io.skein.proto.controller.Error;
import io.skein.proto.metadata.MetadataRecord;
import io.skein.proto.metadata.ProducerIdsRecord;
import java.util.List;

/**
 * Producer ids, handed to brokers in blocks: each block starts at the image's next producer id and
 * its record moves that past the block, so no id is given twice.
 */
final class ProducerIdControlManager {
    private final int blockSize;

    ProducerIdControlManager(int blockSize) {
        this.blockSize = blockSize;
    }

    ControllerResult<AllocateProducerIdsResponse> allocateProducerIds(MetadataImage view,
                                                                     AllocateProducerIdsRequest request) {
        Error stale = BrokerControlManager.brokerEpochError(view, request.getBrokerId(), request.getBrokerEpoch());
        if (stale != null) {
            return ControllerResult.of(List.of(), AllocateProducerIdsResponse.newBuilder().setError(stale).build());
        }
        long start = view.nextProducerId();
        return ControllerResult.of(List.of(MetadataRecord.newBuilder().setProducerIds(ProducerIdsRecord.newBuilder()
                        .setBrokerId(request.getBrokerId()).setBrokerEpoch(request.getBrokerEpoch())
                        .setNextProducerId(start + blockSize)).build()),
                AllocateProducerIdsResponse.newBuilder().setError(none()).setProducerIdStart(start)
                        .setProducerIdLen(blockSize).build());
    }
}
