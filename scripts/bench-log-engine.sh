#!/usr/bin/env bash
# Runs the log engine's JMH benchmarks, then dd on the same disk, and prints the append and read
# throughput in MiB/s next to dd's page-cache and fdatasync figures (2 GiB in 1 MiB blocks).
#
#   scripts/bench-log-engine.sh [JMH options...]     e.g. -f 1 -wi 1 -i 3 AppendBenchmark
#
# Environment:
#   BENCH_DIR   where the benchmark logs and dd's file go (default: a new directory under /tmp)
#   DD_RUNS     dd runs per mode; the median is reported with the range (default: 5)
set -euo pipefail
cd "$(dirname "$0")/.."

bench_dir=${BENCH_DIR:-$(mktemp -d /tmp/skein-bench.XXXXXX)}
dd_runs=${DD_RUNS:-5}
mkdir -p "$bench_dir"
out=$(mktemp /tmp/skein-bench-out.XXXXXX)
trap 'rm -rf "$out" "$bench_dir/dd.test"' EXIT

mvn -q -B -ntp -pl log-engine -am test-compile
mvn -q -B -ntp -pl log-engine dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/bench.classpath
classpath="log-engine/target/test-classes:log-engine/target/classes:$(cat log-engine/target/bench.classpath)"

sync
java -cp "$classpath" org.openjdk.jmh.Main -jvmArgsAppend "-Dskein.bench.dir=$bench_dir" \
    "${@:-io.skein.log.*Benchmark}" | tee "$out"

dd_mib_s() { # MiB/s of one dd writing 2 GiB with the given extra options, after settling writeback
    sync
    sleep 2
    dd if=/dev/zero of="$bench_dir/dd.test" bs=1M count=2048 "$@" 2>&1 | tail -1 |
        awk '{ printf "%.0f\n", $1 / $(NF-3) / 1048576 }'
    rm -f "$bench_dir/dd.test"
}
dd_summary() { # median [min-max] of DD_RUNS runs
    for _ in $(seq "$dd_runs"); do dd_mib_s "$@"; done | sort -n |
        awk '{ v[NR] = $1 } END { printf "%d MiB/s (median of %d; range %d-%d)", v[int((NR + 1) / 2)], NR, v[1], v[NR] }'
}
echo
echo "dd on the same disk ($bench_dir), 2 GiB in 1 MiB blocks:"
echo "  page cache:           $(dd_summary)"
echo "  conv=fdatasync:       $(dd_summary conv=fdatasync)"
echo
echo "Log engine, MiB/s (JMH 'bytes' counter, mean +- 99.9% error):"
awk '/:bytes/ {
        for (m = 2; m <= NF && $m != "thrpt"; m++);
        if (m > NF) next;
        params = ""; for (i = 2; i < m; i++) if ($i != "N/A") params = params " " $i;
        n = 0; for (i = m + 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) v[++n] = $i;
        score = n >= 2 ? v[2] : v[1]; error = n >= 3 ? v[3] : 0;   # one iteration: no count, no error
        sub(/:bytes$/, "", $1);
        printf "  %-55s %8.0f +- %.0f\n", $1 params, score / 1048576, error / 1048576 }' "$out"
