package io.skein.chaos.cluster;

/** How a chaos cluster's nodes and the harness's clients talk to each other. */
public enum Security {
    /** Every listener plaintext, no logins. */
    PLAINTEXT,
    /**
     * Every listener on TLS, certificates made by {@code skein certs} for the nodes' addresses: Kafka's
     * listener SASL_SSL, clients and brokers logging in with SCRAM-SHA-512 (brokers to each other too),
     * the controller listener (Raft and the controller service) on mutual TLS, the admin API on mutual
     * TLS and HTTP on HTTPS ({@link SecureSettings}).
     */
    SASL_SSL
}
