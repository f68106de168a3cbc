#!/usr/bin/env bash
# Runs the metadata quorum's benchmark: controller failover with three controller processes (kill -9
# of the active controller -> first committed write, p50/p99), creating 10,000 partitions, image
# replay rate, and broker propagation through the metadata stream versus a Ratis listener. The
# controllers run with a node's defaults (controller.quorum.election.timeout.ms=1000, Kafka's) unless
# a flag says otherwise; the output's first line says which settings it used.
#
#   scripts/bench-metadata.sh [--election-timeout-ms MS] [--settle-ms MS] [--failover-only] [FAILOVER_TRIALS]
#
#   --election-timeout-ms MS  the controllers' election timeout (default: a node's, 1000)
#   --settle-ms MS            idle time before each kill (default 3000)
#   --failover-only           only the failover trials
#   FAILOVER_TRIALS           default 30
#
# Environment: BENCH_JAVA_OPTS, extra JVM options for the benchmark's JVM.
# Builds with Maven from this checkout alone (the reactor: nothing needs to be installed in ~/.m2).
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { sed -n '2,17p' "$0" >&2; exit 2; }
props=()
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --election-timeout-ms) [ $# -ge 2 ] || usage; props+=("-Dskein.bench.electionTimeoutMs=$2"); shift 2 ;;
    --settle-ms) [ $# -ge 2 ] || usage; props+=("-Dskein.bench.settleMs=$2"); shift 2 ;;
    --failover-only) props+=("-Dskein.bench.failoverOnly=true"); shift ;;
    -h|--help) usage ;;
    -*) echo "Unknown option: $1" >&2; usage ;;
    *) args+=("$1"); shift ;;
  esac
done
# One reactor build: the modules metadata-quorum depends on (proto, ...) resolve to their freshly
# compiled classes, not to jars that would have to be installed in ~/.m2 first.
mvn -q -B -ntp -pl metadata-quorum -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench.classpath
classpath="metadata-quorum/target/test-classes:metadata-quorum/target/classes:$(cat metadata-quorum/target/bench.classpath)"
exec java -cp "$classpath" ${BENCH_JAVA_OPTS:-} ${props[@]+"${props[@]}"} -Dskein.test.log.level=warn \
    io.skein.metadata.bench.MetadataBenchmark ${args[@]+"${args[@]}"}
