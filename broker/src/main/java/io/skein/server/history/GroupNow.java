package io.skein.server.history;

/**
 * A group's latest sample, by the broker coordinating it then.
 *
 * @param lag         records not consumed, over its partitions
 * @param lagMs       the age of the oldest record not consumed, the largest over its partitions; -1 if unknown
 * @param consumeRate committed offsets' advance per second since the sample before; null for its first
 */
public record GroupNow(String groupId, int coordinator, long timeMs, long lag, long lagMs, Double consumeRate) {
}
