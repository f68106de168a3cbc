package io.skein.broker.api;

import io.skein.broker.network.RequestContext;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * ApiVersions: exactly the APIs this broker serves, each at every version kafka-clients' classes
 * parse (Produce from v0, see {@link #advertisedMinVersion}). A request in a version newer than those is answered at version 0 with UNSUPPORTED_VERSION and
 * the same list, so that the client retries with one it shares.
 */
final class ApiVersionsApi implements Api {
    /** Kafka's rule for client software names and versions (KIP-511). */
    private static final Pattern SOFTWARE = Pattern.compile("[a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?");

    private final Set<ApiKeys> served;

    ApiVersionsApi(Set<ApiKeys> served) {
        this.served = served;
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
        if (context.request().apiVersion() >= 3 && !(SOFTWARE.matcher(request.clientSoftwareName()).matches()
                && SOFTWARE.matcher(request.clientSoftwareVersion()).matches())) {
            response.setErrorCode(Errors.INVALID_REQUEST.code());
        }
        return CompletableFuture.completedFuture(response);
    }

    /**
     * The oldest version advertised. Produce is advertised from v0, as Kafka 4 does (KAFKA-18659),
     * though v0-2 requests are refused: librdkafka before its fix (Debian's 2.0.2 among them) takes a lowest Produce version above 0
     * to mean a broker too old for gzip, snappy and lz4, and would send those batches uncompressed.
     */
    private static short advertisedMinVersion(ApiKeys key) {
        return key == ApiKeys.PRODUCE ? ApiKeys.PRODUCE_API_VERSIONS_RESPONSE_MIN_VERSION : key.oldestVersion();
    }
}
