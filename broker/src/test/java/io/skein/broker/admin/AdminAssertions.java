package io.skein.broker.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.function.Executable;

/** How the admin API's tests check its failures. */
final class AdminAssertions {
    private AdminAssertions() {
    }

    /** The call fails with {@code code}, and its ErrorInfo names the Kafka error {@code reason}. */
    static StatusRuntimeException assertFails(Status.Code code, String reason, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), e.toString());
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        assertNotNull(status, "no status details in " + e);
        List<String> reasons = new ArrayList<>();
        for (Any detail : status.getDetailsList()) {
            try {
                ErrorInfo info = detail.unpack(ErrorInfo.class);
                assertEquals("skein.io", info.getDomain());
                reasons.add(info.getReason());
            } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
                throw new AssertionError(ex);
            }
        }
        assertEquals(List.of(reason), reasons, e.toString());
        assertFalse(e.getStatus().getDescription().isBlank());
        return e;
    }
}
