#!/usr/bin/env bash
# Runs the metadata quorum's benchmark: controller failover with three controller processes (kill -9
# of the active controller -> first committed write, p50/p99), creating 10,000 partitions, image
# replay rate, and broker propagation through the metadata stream versus a Ratis listener.
#
#   scripts/bench-metadata.sh [FAILOVER_TRIALS]      (default 30)
#
# Environment: BENCH_JAVA_OPTS, e.g. -Dskein.bench.electionTimeoutMs=150 (default: the product's),
# -Dskein.bench.settleMs=0 (idle time before each kill; default 3000), -Dskein.bench.failoverOnly=true
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -ntp -pl metadata-quorum -am test-compile
mvn -q -B -ntp -pl metadata-quorum -am dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench.classpath
classpath="metadata-quorum/target/test-classes:metadata-quorum/target/classes:$(cat metadata-quorum/target/bench.classpath)"
exec java -cp "$classpath" ${BENCH_JAVA_OPTS:-} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn io.skein.metadata.bench.MetadataBenchmark "$@"
