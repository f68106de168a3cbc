package io.skein.broker.api;

import io.skein.broker.network.RequestContext;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.FinalizedFeatureKey;
import org.apache.kafka.common.message.ApiVersionsResponseData.SupportedFeatureKey;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * ApiVersions: exactly the APIs this broker serves, each at every version kafka-clients' classes
 * parse (Produce from v0 too; two old versions refused though advertised: see {@link #advertisedMinVersion}),
 * and the features clients read. A request in a version newer than those is answered at version 0 with
 * UNSUPPORTED_VERSION and the same list, so that the client retries with one it shares.
 */
final class ApiVersionsApi implements Api {
    /** Kafka's rule for client software names and versions (KIP-511). */
    private static final Pattern SOFTWARE = Pattern.compile("[a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?");

    /** The feature that tells Kafka 4 producers to use KIP-890's transactions (TV2) at level 2. */
    static final String TRANSACTION_VERSION = "transaction.version";
    private static final short TRANSACTION_VERSION_LEVEL = 2;
    /** The first version whose supported features may start at 0 (KAFKA-17011); older ones are told 1. */
    private static final short FEATURES_FROM_ZERO = 4;
    private static final short FEATURES_FROM = 3;

    /**
     * The oldest SaslHandshake served. v0 is followed by raw SASL tokens without SaslAuthenticate's
     * framing, which only clients before Kafka 1.0 send: it is advertised (see
     * {@link #advertisedMinVersion}) but not served, and clients that read ApiVersions use v1.
     */
    static final short SASL_HANDSHAKE_MIN_VERSION = 1;

    private final Set<ApiKeys> served;
    private final ClusterView cluster;

    ApiVersionsApi(Set<ApiKeys> served, ClusterView cluster) {
        this.served = served;
        this.cluster = cluster;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context) {
        ApiVersionsResponseData response = new ApiVersionsResponseData();
        served.stream().sorted().forEach(key -> response.apiKeys().add(new ApiVersion().setApiKey(key.id)
                .setMinVersion(advertisedMinVersion(key)).setMaxVersion(key.latestVersion())));
        if (context.request().isUnknownApiVersionsVersion()) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.UNSUPPORTED_VERSION.code()));
        }
        ApiVersionsRequestData request = (ApiVersionsRequestData) context.request().data();
        short version = context.request().apiVersion();
        if (version >= 3 && !(SOFTWARE.matcher(request.clientSoftwareName()).matches()
                && SOFTWARE.matcher(request.clientSoftwareVersion()).matches())) {
            response.setErrorCode(Errors.INVALID_REQUEST.code());
        }
        if (version >= FEATURES_FROM) {
            addFeatures(response, version);
        }
        return CompletableFuture.completedFuture(response);
    }

    /**
     * The finalized feature {@code transaction.version} at level 2, which Kafka 4 producers read to
     * use TV2: the epoch bumped at every EndTxn and partitions added by their leaders. Its epoch is
     * the metadata offset, as Kafka's, so a client takes the newest it has seen.
     */
    private void addFeatures(ApiVersionsResponseData response, short version) {
        response.supportedFeatures().add(new SupportedFeatureKey().setName(TRANSACTION_VERSION)
                .setMinVersion(version >= FEATURES_FROM_ZERO ? (short) 0 : (short) 1)
                .setMaxVersion(TRANSACTION_VERSION_LEVEL));
        response.setFinalizedFeaturesEpoch(Math.max(0, cluster.image().offset()));
        response.finalizedFeatures().add(new FinalizedFeatureKey().setName(TRANSACTION_VERSION)
                .setMinVersionLevel(TRANSACTION_VERSION_LEVEL).setMaxVersionLevel(TRANSACTION_VERSION_LEVEL));
    }

    /**
     * The oldest version advertised: each API's oldest, as Kafka 4 advertises them, though two are
     * not served from there, for librdkafka's sake. Produce is advertised from v0 (KAFKA-18659) though
     * v0-2 requests are refused: librdkafka before its fix (Debian's 2.0.2 among them) takes a lowest
     * Produce version above 0 to mean a broker too old for gzip, snappy and lz4, and would send those
     * batches uncompressed. SaslHandshake is advertised from v0 though only v1 is served: librdkafka
     * logs in with SASL only on a broker whose SaslHandshake versions include 0 ("SASL Handshake not
     * supported by broker" otherwise), and then sends v1.
     */
    private static short advertisedMinVersion(ApiKeys key) {
        return key == ApiKeys.PRODUCE ? ApiKeys.PRODUCE_API_VERSIONS_RESPONSE_MIN_VERSION : key.oldestVersion();
    }
}
