#!/usr/bin/env bash
# Leader failover of a three-node cluster, Skein's and (with --kafka) Apache Kafka's after it, each with its
# product's defaults: an RF 3 partition with min.insync.replicas 2; SIGKILL its leader and time until the
# first acks=all write sent after the kill is acknowledged, by a producer with kafka-clients' defaults (its
# metadata refresh, retries and back-offs included); restart the node, wait for the full ISR and a settled
# cluster, repeat (io.skein.bench.FailoverBenchmark). Prints the settings it used, each trial (and whether the
# node killed was the active controller too), and the p50 and max. A benchmark, not a test.
#
#   bench/leader-failover.sh [--kafka] [--settle-ms MS] [TRIALS]
#
#   TRIALS         default 20
#   --kafka        then Kafka's cluster too (run-kafka.sh cluster; run `mvn -q dependency:copy-dependencies` in
#                  bench/ once first), never at the same time as Skein's
#   --settle-ms    idle time before each kill (default 3000)
#
# Skein's cluster is scripts/local-cluster's (three combined nodes) in a new temporary directory, removed at
# the end; SKEIN_BASE_PORT moves its ports, SKEIN_HEAP_OPTS its heap. Builds with Maven from this checkout
# alone (nothing needs to be installed in ~/.m2).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
kafka=false
settle=3000
trials=20
while [ $# -gt 0 ]; do
  case "$1" in
    --kafka) kafka=true; shift ;;
    --settle-ms) [ $# -ge 2 ] || usage; settle="$2"; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "Unknown option: $1" >&2; usage ;;
    *) trials="$1"; shift ;;
  esac
done

cd "$ROOT"
# The jars scripts/skein runs, their dependencies in broker/target/lib, and the benchmark's class.
mvn -q -B -ntp -DskipTests -pl broker -am package >&2
benchmark() { # bootstrap pid-file-pattern restart-command
  java -Xmx512m -cp "broker/target/test-classes:broker/target/lib/*" -Dskein.test.log.level=warn \
    io.skein.bench.FailoverBenchmark "$1" "$2" "$3" "$trials" "$settle"
}
# A key's value in a properties file, else "".
setting() { sed -n "s/^$2[[:space:]]*=[[:space:]]*//p" "$1" | tail -n 1; }
FAILOVER_KEYS=(broker.session.timeout.ms broker.heartbeat.interval.ms broker.session.disconnect.grace.ms
  controller.quorum.election.timeout.ms replica.lag.time.max.ms)

echo "=== Skein $(git rev-parse --short HEAD), $trials trials, settle $settle ms, $(uptime | sed 's/.*load/load/')"
dir="$(mktemp -d "${TMPDIR:-/tmp}/skein-failover.XXXXXX")"
trap 'scripts/local-cluster down "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
scripts/local-cluster up "$dir" > "$dir/up.log"
effective=()
for key in "${FAILOVER_KEYS[@]}"; do
  value="$(setting "$dir/node-1.properties" "${key//./\\.}")"
  [ -n "$value" ] || value="$(scripts/skein config list --scope node "$key" | awk -v k="$key" '$1 == k { print $3 }')"
  effective+=("$key=$value")
done
echo "skein: scripts/local-cluster's nodes, which set only $(grep -E '^(default.replication.factor|offsets.topic.replication.factor|min.insync.replicas)=' \
  "$dir/node-1.properties" | tr '\n' ' ')beside addresses; in force: ${effective[*]}"
benchmark "$(tail -n 1 "$dir/up.log")" "$dir/node-%d.pid" "scripts/local-cluster restart $dir %d"
scripts/local-cluster down "$dir" >/dev/null
rm -rf "$dir"
trap - EXIT

if $kafka; then
  echo "=== Apache Kafka ($(ls "$HERE"/lib/kafka_2.13-*.jar | sed 's/.*kafka_2.13-//; s/\.jar$//')), $trials trials, settle $settle ms, $(uptime | sed 's/.*load/load/')"
  trap '"$HERE/run-kafka.sh" stop cluster >/dev/null 2>&1 || true' EXIT
  "$HERE/run-kafka.sh" start cluster >&2
  kafka_set="$(grep -E "^($(IFS='|'; echo "${FAILOVER_KEYS[*]}"))=" "$HERE/run/cluster/node-1.properties" \
    | tr '\n' ' ' || true)"
  echo "kafka: run-kafka.sh's nodes (Kafka's shipped server.properties); of ${FAILOVER_KEYS[*]}: ${kafka_set:-none set, all at the defaults}"
  benchmark "$("$HERE/run-kafka.sh" bootstrap cluster)" "$HERE/run/cluster/node-%d.pid" \
    "'$HERE/run-kafka.sh' restart cluster %d"
  "$HERE/run-kafka.sh" stop cluster >&2
  trap - EXIT
fi
