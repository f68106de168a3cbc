package io.skein.metadata.controller;

import io.skein.proto.metadata.MetadataRecord;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * What a manager makes of a request against the controller's view: the records to append (none for
 * a refusal or a read), the response, and what to remember once the records have committed at a
 * metadata offset. Managers only compute it; {@link QuorumController} appends the records and sends
 * the response once they commit.
 */
record ControllerResult<T>(List<MetadataRecord> records, T response, LongConsumer onCommit) {
    ControllerResult {
        records = List.copyOf(records);
    }

    static <T> ControllerResult<T> of(List<MetadataRecord> records, T response) {
        return new ControllerResult<>(records, response, offset -> { });
    }
}
