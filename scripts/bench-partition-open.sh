#!/usr/bin/env bash
# Times the opening of one big partition log, producer state included (PartitionOpenBench): after a
# clean shutdown and after a crash, with and without producer snapshots. The partition is generated
# once (default settings: 1 GiB segments) from many small idempotent batches, and deleted at the end.
#
#   scripts/bench-partition-open.sh [TRIALS]          (default 3)
#
# Environment:
#   BENCH_DIR        where the partition goes (default: a new directory under /tmp); needs GIB of free disk
#   GIB              size of the partition (default 5)
#   PRODUCERS        idempotent producers writing round-robin (default 100)
#   RECORDS          records per batch (default 10)
#   VALUE_BYTES      bytes per record value (default 100)
#   KEEP=1           keep the partition afterwards (and reuse one already in BENCH_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."

trials=${1:-3}
bench_dir=${BENCH_DIR:-$(mktemp -d /tmp/skein-open-bench.XXXXXX)}
gib=${GIB:-5}
producers=${PRODUCERS:-100}
records=${RECORDS:-10}
value_bytes=${VALUE_BYTES:-100}
mkdir -p "$bench_dir"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$bench_dir"' EXIT

mvn -q -B -ntp -pl log-engine -am test-compile
mvn -q -B -ntp -pl log-engine dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench.classpath
classpath="log-engine/target/test-classes:log-engine/target/classes:$(cat log-engine/target/bench.classpath)"
run() { java -Xms1g -Xmx1g -Dskein.test.log.level=warn -cp "$classpath" io.skein.log.PartitionOpenBench "$@"; }

echo "settings: GIB=$gib PRODUCERS=$producers RECORDS=$records VALUE_BYTES=$value_bytes TRIALS=$trials" \
     "BENCH_DIR=$bench_dir; java $(java -version 2>&1 | head -1); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ ! -d "$bench_dir/bench-0" ]; then
    run generate "$bench_dir" "$gib" "$producers" "$records" "$value_bytes"
fi
sync
run measure "$bench_dir" "$trials"
run measure "$bench_dir" "$trials" cold
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
