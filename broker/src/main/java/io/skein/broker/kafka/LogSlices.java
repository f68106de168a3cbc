package io.skein.broker.kafka;

/** How the log slices of a response (a fetch's records) reach a connection's socket. */
public enum LogSlices {
    /** As file regions, which Netty's NIO transport writes with {@code sendfile}: plaintext. */
    SENDFILE,
    /**
     * Read into heap buffers, for the JDK's TLS engine: it copies what it encrypts into its own
     * buffer, and its AES-GCM is slower over direct buffers (docs/benchmarks.md, Security).
     */
    HEAP_BUFFERS,
    /**
     * Read into direct buffers, for BoringSSL's engine, which encrypts from native memory: a heap
     * buffer would be copied into a direct one first, and the file read into a heap buffer goes
     * through a direct one too.
     */
    DIRECT_BUFFERS
}
