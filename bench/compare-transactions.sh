#!/usr/bin/env bash
# Transactions, Apache Kafka vs Skein (issue 15's benchmark): compare.sh with Kafka's
# ProducerPerformance committing a transaction every TXN_MS (default 100) ms, and a read_committed
# ConsumerPerformance reading the records back. acks=all, as transactions require; the warm-up is
# transactional too. Same arguments and knobs as compare.sh:
#
#   ./compare-transactions.sh SKEIN_BOOTSTRAP [PARTITIONS=6] [REPLICATION=1] [NUM_RECORDS=2000000] [MIN_ISR=-]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[[ $# -ge 1 ]] || { sed -n '2,7p' "$0"; exit 2; }
export ACKS_LIST=all WARMUP_ACKS=all
export PRODUCER_PROPS="--transactional-id bench-txn-$$ --transaction-duration-ms ${TXN_MS:-100} ${PRODUCER_PROPS:-}"
export CONSUMER_PROPS="isolation.level=read_committed ${CONSUMER_PROPS:-}"
echo "# transactions: a commit every ${TXN_MS:-100} ms, read_committed consumer"
exec "$HERE/compare.sh" "$@"
