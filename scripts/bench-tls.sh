#!/usr/bin/env bash
# What a Kafka listener's TLS costs the broker, apart from the rest of it: broker CPU seconds per GiB
# sent as fetch responses or received as produce requests, over loopback (io.skein.bench.TlsPathBenchmark).
#
#   scripts/bench-tls.sh fetch|produce openssl|jdk heap|direct WRAP_BYTES [GIB] [SLICE_KIB] [PARTITIONS]
#
# openssl: BoringSSL's engine, as Kafka listeners get where Netty has its native library; jdk: the JDK's
# (ssl.provider=SunJSSE). heap|direct: the buffers fetched log slices are read into. WRAP_BYTES:
# SslHandler.setWrapDataSize, 0 for Netty's 16 KiB. Figures: docs/benchmarks.md, Security.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f broker/target/test-classes/io/skein/bench/TlsPathBenchmark.class ] || [ ! -f broker/target/skein-broker.jar ]; then
  mvn -q -B -ntp -DskipTests package
fi
exec java -Xmx1g -Dskein.test.log.level=warn -cp "broker/target/test-classes:broker/target/skein-broker.jar:broker/target/lib/*" \
  io.skein.bench.TlsPathBenchmark "$@"
