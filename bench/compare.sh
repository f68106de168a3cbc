#!/usr/bin/env bash
# Apache Kafka vs Skein, same client tools, same machine, one run (one broker at a time, so they
# never compete for the CPU). Prints each side's SUMMARY lines and the ratios Skein/Kafka.
#
#   ./compare.sh SKEIN_BOOTSTRAP [PARTITIONS=6] [REPLICATION=1] [NUM_RECORDS=2000000] [MIN_ISR=-]
#
# Apache Kafka is started here ("single" or "cluster" mode of run-kafka.sh) and stopped again. Skein
# is either already running at SKEIN_BOOTSTRAP (a single node for REPLICATION=1, a 3-node cluster for
# REPLICATION=3), or, with SKEIN_BOOTSTRAP=start and REPLICATION=1, started here once Kafka has
# stopped, as run-kafka.sh starts Kafka: a fresh node (run-skein.sh), its defaults, its PID measured,
# stopped at the end. Each side gets a warm-up run of 300,000 records first.
# Set SKEIN_PIDS (space-separated node PIDs) to also compare broker CPU seconds per GiB moved
# (produced + consumed), read from /proc before and after the measured run (set for you with
# "start"). WARMUP_ACKS (default 1) sets the warm-up's acks; bench.sh's knobs (ACKS_LIST,
# PRODUCER_PROPS, CONSUMER_PROPS...) pass through.
#
# SECURITY=sasl_ssl runs both brokers with a SASL_SSL listener (SCRAM-SHA-512, inter-broker traffic
# too) and the clients over it, with security.sh's one set of certificates and users:
#   SECURITY=sasl_ssl ./compare.sh start 6 1 2000000
# A Skein started by hand for it takes run-skein.sh's settings: `SECURITY=sasl_ssl ./run-skein.sh
# start` does that (the node.properties it writes, storage formatted with security.sh's users).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SKEIN="$1"; P="${2:-6}"; RF="${3:-1}"; NUM="${4:-2000000}"; MIN_ISR="${5:--}"
mode=single; [[ "$RF" -gt 1 ]] && mode=cluster
[[ "$SKEIN" != start || "$mode" == single ]] || { echo "compare.sh: 'start' runs a single Skein node (REPLICATION=1)" >&2; exit 2; }
compgen -G "$HERE/lib/kafka-tools-*.jar" >/dev/null || (cd "$HERE" && mvn -q -B -ntp dependency:copy-dependencies)
out="$HERE/run/compare-$(date +%s)"; mkdir -p "$out"
# shellcheck source=security.sh
source "$HERE/security.sh"
echo "# compare: security=$SECURITY$([[ "$SECURITY" == sasl_ssl ]] && echo " (SASL_SSL, $SECURITY_MECHANISM, certificates in $SECURITY_DIR/certs)") partitions=$P rf=$RF records=$NUM"

cpu_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $t; }
gib_moved() { python3 -c "import sys; print(sum(int(x) for x in sys.argv[1:]))" $(grep -ho 'records=[0-9]*' "$1" | cut -d= -f2) ; }
cpu_line() { # name ticks-before ticks-after summary-file
  python3 -c "import sys; t=(int(sys.argv[2])-int(sys.argv[1]))/$(getconf CLK_TCK); g=int(sys.argv[3])*${RECORD_SIZE:-1024}/2**30; print(f'CPU {sys.argv[4]}: {t:.1f} s broker CPU for {g:.2f} GiB moved = {t/g:.2f} CPU-s/GiB')" "$2" "$3" "$(gib_moved "$4")" "$1"
}

"$HERE/run-kafka.sh" start "$mode" | tail -1
KAFKA="$("$HERE/run-kafka.sh" bootstrap "$mode")"
KPIDS=$(cat "$HERE"/run/"$mode"/node-*.pid)
ACKS_LIST="${WARMUP_ACKS:-1}" SKIP_CONSUMER=1 "$HERE/bench.sh" "$KAFKA" "$P" "$RF" 300000 "$MIN_ISR" >/dev/null
k0=$(cpu_ticks $KPIDS)
"$HERE/bench.sh" "$KAFKA" "$P" "$RF" "$NUM" "$MIN_ISR" | grep SUMMARY | tee "$out/kafka.txt"
k1=$(cpu_ticks $KPIDS)
"$HERE/run-kafka.sh" stop "$mode" | tail -1

if [[ "$SKEIN" == start ]]; then
  "$HERE/run-skein.sh" start | tail -1
  trap '"$HERE/run-skein.sh" stop | tail -1' EXIT
  SKEIN="$("$HERE/run-skein.sh" bootstrap)"; SKEIN_PIDS="$("$HERE/run-skein.sh" pid)"
fi
ACKS_LIST="${WARMUP_ACKS:-1}" SKIP_CONSUMER=1 "$HERE/bench.sh" "$SKEIN" "$P" "$RF" 300000 "$MIN_ISR" >/dev/null
s0=$(cpu_ticks ${SKEIN_PIDS:-})
"$HERE/bench.sh" "$SKEIN" "$P" "$RF" "$NUM" "$MIN_ISR" | grep SUMMARY | tee "$out/skein.txt"
s1=$(cpu_ticks ${SKEIN_PIDS:-})
cpu_line kafka "$k0" "$k1" "$out/kafka.txt"
[[ -n "${SKEIN_PIDS:-}" ]] && cpu_line skein "$s0" "$s1" "$out/skein.txt"

python3 - "$out/kafka.txt" "$out/skein.txt" <<'PY'
import re, sys
def parse(path):
    rows = {}
    for line in open(path):
        kind = 'consumer' if 'consumer' in line.split()[1] else 'producer acks=' + line.split('acks=')[1].split()[0]
        vals = dict(re.findall(r'(records/s|MB/s|p99_ms)=([0-9.]+)', line))
        rows[kind] = {k: float(v) for k, v in vals.items()}
    return rows
k, s = parse(sys.argv[1]), parse(sys.argv[2])
for kind in k:
    if kind not in s: print(f"RATIO {kind}: missing on Skein"); continue
    thr = s[kind]['records/s'] / k[kind]['records/s']
    lat = ''
    if 'p99_ms' in k[kind] and 'p99_ms' in s[kind] and k[kind]['p99_ms'] > 0:
        lat = f"  p99 skein/kafka={s[kind]['p99_ms'] / k[kind]['p99_ms']:.2f}"
    print(f"RATIO {kind}: throughput skein/kafka={thr:.2f}{lat}")
PY
