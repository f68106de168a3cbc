package io.skein.broker.admin;

import io.skein.proto.admin.GetGroupHistoryRequest;
import io.skein.proto.admin.GetHistoryRequest;
import io.skein.proto.admin.GetHistoryResponse;
import io.skein.proto.admin.GetOverviewRequest;
import io.skein.proto.admin.GetOverviewResponse;
import io.skein.proto.admin.GetTimelineRequest;
import io.skein.proto.admin.GetTimelineResponse;
import java.util.concurrent.CompletableFuture;

/**
 * The node's history of samples and its timeline, as the admin API serves them. The node implements
 * it ({@code io.skein.server.history}) once its broker has started, since the history samples the
 * node's metrics and the started broker's groups; the admin API is up before that.
 */
public interface HistoryRpcs {
    CompletableFuture<GetHistoryResponse> history(GetHistoryRequest request);

    CompletableFuture<GetHistoryResponse> groupHistory(GetGroupHistoryRequest request);

    CompletableFuture<GetTimelineResponse> timeline(GetTimelineRequest request);

    CompletableFuture<GetOverviewResponse> overview(GetOverviewRequest request);
}
