package io.skein.metadata.controller;

import io.skein.proto.controller.Error;
import io.skein.proto.controller.ErrorCode;

/** Builds the {@link Error} every controller response carries. */
final class ControllerErrors {
    private static final Error NONE = Error.newBuilder().setCode(ErrorCode.NONE).setLeaderId(-1).build();

    private ControllerErrors() {
    }

    static Error none() {
        return NONE;
    }

    static Error error(ErrorCode code, String message) {
        return error(code, message, -1);
    }

    static Error error(ErrorCode code, String message, int leaderId) {
        return Error.newBuilder().setCode(code).setMessage(message).setLeaderId(leaderId).build();
    }
}
