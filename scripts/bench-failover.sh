#!/usr/bin/env bash
# Leader failover time of a local three-node cluster: SIGKILL a partition's leader, time until the first
# acks=all write after the kill is acknowledged, restart the node, repeat.
#
#   scripts/local-cluster up DIR && scripts/bench-failover.sh DIR [TRIALS]
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 1 ]] || { sed -n '2,5p' "$0" >&2; exit 2; }
if [ ! -f broker/target/test-classes/io/skein/bench/FailoverBenchmark.class ] || [ ! -d broker/target/lib ]; then
  mvn -q -B -ntp -DskipTests package
fi
exec java -Xmx512m -Dskein.test.log.level=warn -cp "broker/target/test-classes:broker/target/lib/*" \
  io.skein.bench.FailoverBenchmark "$@"
