package io.skein.metadata.controller;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.skein.proto.controller.ControllerServiceGrpc;

/**
 * Tells a metadata stream that ended because its connection did from one its client or this server
 * ended. gRPC closes a stream whose TCP connection closed or was reset under it (the broker's process
 * died, its host reset the connection) with UNAVAILABLE, one whose client cancelled it (a broker
 * switching streams, shutting down its channels) with CANCELLED, and one this server ended with the
 * status it gave; only a stream tracer is told that status, the call's cancel handler is not. A server
 * that shuts down also closes its streams with UNAVAILABLE: {@link MetadataStreamer#close} makes the
 * streamer stop listening first. ({@link ServerStreamTracer} is marked experimental in gRPC; it has
 * been stable for years, and a change would show in {@code ProcessGoneFencingTest}.)
 */
final class ConnectionLossTracer extends ServerStreamTracer.Factory {
    private static final Context.Key<Watch> WATCH = Context.key("skein-connection-loss");
    private static final ServerStreamTracer UNWATCHED = new ServerStreamTracer() {
    };

    /**
     * One metadata stream's end, as the tracer sees it. gRPC tells the tracer before it runs the call's
     * cancel handler (on the call's executor), so the handler can ask {@link #connectionLost} without
     * doing anything on the transport's (Netty's) thread that tells the tracer.
     */
    static final class Watch extends ServerStreamTracer {
        private volatile boolean connectionLost;

        /** Whether the stream ended because its connection did. */
        boolean connectionLost() {
            return connectionLost;
        }

        @Override
        public Context filterContext(Context context) {
            return context.withValue(WATCH, this);
        }

        @Override
        public void streamClosed(Status status) {
            connectionLost = status.getCode() == Status.Code.UNAVAILABLE;
        }
    }

    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        return ControllerServiceGrpc.getFetchMetadataMethod().getFullMethodName().equals(fullMethodName)
                ? new Watch() : UNWATCHED;
    }

    /** The watch of the metadata stream whose handler is running on this thread. */
    static Watch current() {
        Watch watch = WATCH.get();
        if (watch == null) {
            throw new IllegalStateException("The connection-loss tracer is not installed on this server");
        }
        return watch;
    }
}
