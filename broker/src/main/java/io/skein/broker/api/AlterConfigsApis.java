package io.skein.broker.api;

import io.skein.broker.metadata.ControllerRequests;
import io.skein.broker.metadata.TopicAdmin;
import io.skein.broker.security.Authorization;
import io.skein.broker.network.RequestContext;
import io.skein.broker.util.Futures;
import io.skein.metadata.image.ConfigResource;
import io.skein.proto.controller.AlterConfigsRequest;
import io.skein.proto.controller.AlterConfigsResponse;
import io.skein.proto.controller.ConfigChange;
import io.skein.proto.controller.ConfigChangeResult;
import io.skein.proto.controller.ConfigOperation;
import io.skein.proto.controller.ConfigResourceName;
import io.skein.proto.controller.ErrorCode;
import io.skein.proto.metadata.ConfigResourceType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AlterConfigOp.OpType;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.resource.ResourceType;

/**
 * IncrementalAlterConfigs and AlterConfigs (which replaces a resource's whole set) of topics, of this
 * broker and of the cluster-wide default (a broker resource with an empty name), made by the active
 * controller and answered once this broker's metadata shows them. As Kafka's brokers, it first refuses
 * what it can tell alone: a resource or key named twice, a missing value, another broker's resource
 * (a client sends those to that broker), and resource types Skein has no configs for.
 */
final class AlterConfigsApis {
    /** Log levels (Kafka's BROKER_LOGGER resource) cannot change: say why, and what to do instead. */
    static final String NO_BROKER_LOGGERS = "Skein's log levels cannot change through the Kafka API: they are "
            + "in the node's Log4j2 file (skein.log.config), which it reads again within 30 s of an edit, as "
            + "the distribution's config/log4j2.xml says";
    /**
     * How long an answer waits for this broker's metadata to show the change, which normally takes
     * milliseconds: well within clients' default request timeout of 30 s, after which the client would
     * not learn that the change is committed.
     */
    private static final long SHOWN_WITHIN_MS = 10_000;

    private static final byte TOPIC = org.apache.kafka.common.config.ConfigResource.Type.TOPIC.id();
    private static final byte BROKER = org.apache.kafka.common.config.ConfigResource.Type.BROKER.id();
    private static final byte BROKER_LOGGER = org.apache.kafka.common.config.ConfigResource.Type.BROKER_LOGGER.id();

    /** One resource of a request: its changes, or why it is refused before reaching the controller. */
    private record Asked(byte type, String name, List<ConfigChange> changes, Errors refusedWith, String why) {
        static Asked refused(byte type, String name, Errors error, String why) {
            return new Asked(type, name, List.of(), error, why);
        }

        ConfigResource resource() {
            return new ConfigResource(type == TOPIC ? ConfigResourceType.TOPIC : ConfigResourceType.BROKER, name);
        }
    }

    /** What a resource came to. */
    private record Outcome(byte type, String name, Errors error, String message) {
    }

    /** An error of the controller's, or of the call to it, for every resource it was asked about. */
    private record Failure(Errors error, String message) {
        static final Failure NONE = new Failure(Errors.NONE, null);
    }

    private final ClusterView cluster;
    private final TopicAdmin topicAdmin;
    private final Authorization authorization;

    AlterConfigsApis(ClusterView cluster, TopicAdmin topicAdmin, Authorization authorization) {
        this.cluster = cluster;
        this.topicAdmin = topicAdmin;
        this.authorization = authorization;
    }

    CompletableFuture<ApiMessage> incrementalAlterConfigs(RequestContext context) {
        IncrementalAlterConfigsRequestData request = (IncrementalAlterConfigsRequestData) context.request().data();
        List<Asked> asked = asked(request.resources(), r -> key(r.resourceType(), r.resourceName()),
                (r, repeated) -> incremental(context, r, repeated));
        return alter(asked, request.validateOnly(), false).thenApply(outcomes -> {
            IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData();
            outcomes.forEach(o -> response.responses().add(new IncrementalAlterConfigsResponseData
                    .AlterConfigsResourceResponse().setResourceType(o.type()).setResourceName(o.name())
                    .setErrorCode(o.error().code()).setErrorMessage(o.message())));
            return response;
        });
    }

    CompletableFuture<ApiMessage> alterConfigs(RequestContext context) {
        AlterConfigsRequestData request = (AlterConfigsRequestData) context.request().data();
        List<Asked> asked = asked(request.resources(), r -> key(r.resourceType(), r.resourceName()),
                (r, repeated) -> replacement(context, r, repeated));
        return alter(asked, request.validateOnly(), true).thenApply(outcomes -> {
            AlterConfigsResponseData response = new AlterConfigsResponseData();
            outcomes.forEach(o -> response.responses().add(new AlterConfigsResponseData.AlterConfigsResourceResponse()
                    .setResourceType(o.type()).setResourceName(o.name()).setErrorCode(o.error().code())
                    .setErrorMessage(o.message())));
            return response;
        });
    }

    private Asked incremental(RequestContext context, IncrementalAlterConfigsRequestData.AlterConfigsResource resource,
                              boolean repeated) {
        byte type = resource.resourceType();
        String name = resource.resourceName();
        Asked refused = refusal(context, type, name, repeated, resource.configs().stream()
                .map(IncrementalAlterConfigsRequestData.AlterableConfig::name).toList(), resource.configs().stream()
                .filter(c -> c.configOperation() != OpType.DELETE.id() && c.value() == null)
                .map(IncrementalAlterConfigsRequestData.AlterableConfig::name).toList());
        if (refused != null) {
            return refused;
        }
        List<ConfigChange> changes = new ArrayList<>();
        for (IncrementalAlterConfigsRequestData.AlterableConfig config : resource.configs()) {
            OpType op = OpType.forId(config.configOperation());
            if (op == null) {
                return Asked.refused(type, name, Errors.INVALID_REQUEST,
                        "Unknown operations type " + config.configOperation());
            }
            ConfigChange.Builder change = change(type, name, config.name());
            switch (op) {
                case SET -> change.setValue(config.value());
                case DELETE -> { } // no value: removed
                case APPEND -> change.setOperation(ConfigOperation.APPEND).setValue(config.value());
                case SUBTRACT -> change.setOperation(ConfigOperation.SUBTRACT).setValue(config.value());
            }
            changes.add(change.build());
        }
        return new Asked(type, name, changes, Errors.NONE, null);
    }

    private Asked replacement(RequestContext context, AlterConfigsRequestData.AlterConfigsResource resource,
                              boolean repeated) {
        byte type = resource.resourceType();
        String name = resource.resourceName();
        Asked refused = refusal(context, type, name, repeated, resource.configs().stream()
                .map(AlterConfigsRequestData.AlterableConfig::name).toList(), resource.configs().stream()
                .filter(c -> c.value() == null).map(AlterConfigsRequestData.AlterableConfig::name).toList());
        if (refused != null) {
            return refused;
        }
        List<ConfigChange> changes = resource.configs().stream()
                .map(config -> change(type, name, config.name()).setValue(config.value()).build()).toList();
        return new Asked(type, name, changes, Errors.NONE, null);
    }

    private static ConfigChange.Builder change(byte type, String name, String key) {
        return ConfigChange.newBuilder().setResourceType(type == TOPIC ? ConfigResourceType.TOPIC
                : ConfigResourceType.BROKER).setResourceName(name).setName(key);
    }

    /** Why a resource is refused here, as Kafka's brokers refuse it before their controller sees it; else null. */
    private Asked refusal(RequestContext context, byte type, String name, boolean repeated, List<String> keys,
                          List<String> withoutValue) {
        if (repeated) {
            return Asked.refused(type, name, Errors.INVALID_REQUEST, "Each resource must appear at most once.");
        }
        // As Kafka: ALTER_CONFIGS on the topic, or on the cluster for a broker's (or its loggers') configs.
        if (type == TOPIC && !authorization.authorize(context, AclOperation.ALTER_CONFIGS, ResourceType.TOPIC, name)) {
            return Asked.refused(type, name, Errors.TOPIC_AUTHORIZATION_FAILED,
                    Errors.TOPIC_AUTHORIZATION_FAILED.message());
        }
        if ((type == BROKER || type == BROKER_LOGGER)
                && !authorization.authorizeCluster(context, AclOperation.ALTER_CONFIGS)) {
            return Asked.refused(type, name, Errors.CLUSTER_AUTHORIZATION_FAILED,
                    Errors.CLUSTER_AUTHORIZATION_FAILED.message());
        }
        if (new HashSet<>(keys).size() != keys.size()) {
            return Asked.refused(type, name, Errors.INVALID_REQUEST, "Error due to duplicate config keys");
        }
        if (!withoutValue.isEmpty()) {
            return Asked.refused(type, name, Errors.INVALID_REQUEST, "Null value not supported for : "
                    + String.join(", ", withoutValue));
        }
        if (type == BROKER) {
            return name.isEmpty() ? null : otherBroker(name);
        }
        if (type == BROKER_LOGGER) {
            return Asked.refused(type, name, Errors.INVALID_REQUEST, NO_BROKER_LOGGERS);
        }
        return type == TOPIC ? null : Asked.refused(type, name, Errors.INVALID_REQUEST, "Skein has configs of topics "
                + "and brokers only, not of resource type " + type);
    }

    /** A broker resource must name this broker, as it changes this broker's configs. */
    private Asked otherBroker(String name) {
        try {
            int id = Integer.parseInt(name);
            return id == cluster.brokerId() ? null : Asked.refused(BROKER, name, Errors.INVALID_REQUEST,
                    "Unexpected broker id, expected " + cluster.brokerId() + ", but received " + name);
        } catch (NumberFormatException e) {
            return Asked.refused(BROKER, name, Errors.INVALID_REQUEST, "Node id must be an integer, but it is: "
                    + name);
        }
    }

    private static String key(byte type, String name) {
        return type + "/" + name;
    }

    /** Each of {@code resources} as {@code parse} reads it, told whether another names the same resource. */
    private static <R> List<Asked> asked(Collection<R> resources, Function<R, String> key,
                                         BiFunction<R, Boolean, Asked> parse) {
        Map<String, Long> named = resources.stream().collect(Collectors.groupingBy(key, Collectors.counting()));
        return resources.stream().map(r -> parse.apply(r, named.get(key.apply(r)) > 1)).toList();
    }

    /** Sends the resources not refused here to the controller; each one's outcome, in order. */
    private CompletableFuture<List<Outcome>> alter(List<Asked> asked, boolean validateOnly, boolean replace) {
        AlterConfigsRequest.Builder request = AlterConfigsRequest.newBuilder().setValidateOnly(validateOnly);
        for (Asked resource : asked) {
            if (resource.refusedWith() == Errors.NONE) {
                request.addAllChanges(resource.changes());
                if (replace) {
                    request.addReplace(ConfigResourceName.newBuilder().setResourceType(resource.resource().type())
                            .setResourceName(resource.name()));
                }
            }
        }
        if (request.getChangesCount() == 0 && request.getReplaceCount() == 0) {
            return CompletableFuture.completedFuture(outcomes(asked, Map.of(), Failure.NONE));
        }
        return topicAdmin.alterConfigs(request.build(), SHOWN_WITHIN_MS).handle((response, failure) -> {
            if (failure != null) {
                Throwable cause = Futures.cause(failure);
                return outcomes(asked, Map.of(), new Failure(Errors.forException(cause), cause.getMessage()));
            }
            if (response.getError().getCode() != ErrorCode.NONE) {
                return outcomes(asked, Map.of(), new Failure(ControllerRequests.kafkaError(response.getError()),
                        response.getError().getMessage()));
            }
            return outcomes(asked, byResource(response), Failure.NONE);
        });
    }

    /** Each resource's error from the controller's results (all changes of a resource share one). */
    private static Map<ConfigResource, Failure> byResource(AlterConfigsResponse response) {
        Map<ConfigResource, Failure> errors = new HashMap<>();
        for (ConfigChangeResult result : response.getResultsList()) {
            Errors error = ControllerRequests.kafkaError(result.getError());
            errors.putIfAbsent(new ConfigResource(result.getResourceType(), result.getResourceName()),
                    error == Errors.NONE ? Failure.NONE : new Failure(error, result.getError().getMessage()));
        }
        return errors;
    }

    private static List<Outcome> outcomes(List<Asked> asked, Map<ConfigResource, Failure> fromController,
                                          Failure otherwise) {
        return asked.stream().map(resource -> {
            Failure failure = resource.refusedWith() != Errors.NONE ? new Failure(resource.refusedWith(), resource.why())
                    : fromController.getOrDefault(resource.resource(), otherwise);
            return new Outcome(resource.type(), resource.name(), failure.error(), failure.message());
        }).toList();
    }
}
