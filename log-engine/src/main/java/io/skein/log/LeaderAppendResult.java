package io.skein.log;

import java.util.concurrent.CompletableFuture;

/**
 * What a leader append did ({@link PartitionLog#appendAsLeader}): {@code info} describes the batches
 * written or, for a producer's retry of a batch already written ({@code duplicate}), where that batch
 * was written first. {@code flushed} completes once those offsets are as durable as the flush policy
 * asks, and fails if they never will be (a truncation or a failed fsync came first).
 */
public record LeaderAppendResult(LogAppendInfo info, boolean duplicate, CompletableFuture<Void> flushed) {
}
