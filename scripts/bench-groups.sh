#!/usr/bin/env bash
# Consumer group figures of any Kafka-protocol broker, with kafka-clients: offset commits per second
# (synchronous and asynchronous) and rebalance time of a group of N members.
#
#   scripts/bench-groups.sh BOOTSTRAP [MEMBERS] [SYNC_COMMITS] [ASYNC_COMMITS] [ROUNDS] [HEARTBEAT_INTERVAL_MS]
#
# Compare with Apache Kafka: bench/run-kafka.sh start single, then run this against
# 127.0.0.1:19092 and against a Skein node (whose group.initial.rebalance.delay.ms should match
# Kafka's bench config, 0).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f broker/target/test-classes/io/skein/bench/GroupBenchmark.class ] || [ ! -d broker/target/lib ]; then
  mvn -q -B -ntp -DskipTests package
fi
exec java -Xmx512m -Dskein.test.log.level=warn -cp "broker/target/test-classes:broker/target/lib/*" io.skein.bench.GroupBenchmark "$@"
