/**
 * Certificates for a test or development cluster: a local certificate authority and the node and
 * client certificates it signs, written as PEM and PKCS12 files that Kafka's {@code ssl.*} settings
 * read ({@code skein certs}). Not a PKI: keys are written unencrypted beside their certificates.
 */
package io.skein.certs;
