#!/usr/bin/env bash
# The bench's one security knob, SECURITY=plaintext (default) or SECURITY=sasl_ssl: SASL_SSL with
# SCRAM-SHA-512, one set of certificates and the same users for Apache Kafka, Skein and the clients.
#
#   SECURITY=sasl_ssl ./security.sh    # make run/sasl_ssl/ if missing and print what is in it
#
# run-kafka.sh, run-skein.sh, bench.sh and compare.sh source this file. For sasl_ssl it makes, once:
#   run/sasl_ssl/certs/   a CA and a node certificate for 127.0.0.1 and localhost (`skein certs`),
#                         node.p12 (the one keystore both brokers serve) and truststore.p12 (the CA)
#   run/sasl_ssl/client.properties   security.protocol=SASL_SSL, SCRAM-SHA-512 as user "bench"
# Brokers log in to each other as user "broker". Both users are added when storage is formatted
# (`--add-scram`, the same flag for Kafka's StorageTool and `skein storage format`). The broker
# settings (security_server_props) are Kafka's keys, which Skein takes as they are, so both brokers
# read the very same lines. Delete run/sasl_ssl to start over with new certificates.

HERE="${HERE:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
SECURITY="${SECURITY:-plaintext}"
SECURITY_DIR="$HERE/run/sasl_ssl"
SECURITY_STORE_PASSWORD=bench-store-secret
SECURITY_MECHANISM=SCRAM-SHA-512
SECURITY_CLIENT_USER=bench SECURITY_CLIENT_PASSWORD=bench-secret
SECURITY_BROKER_USER=broker SECURITY_BROKER_PASSWORD=broker-secret

case "$SECURITY" in
  plaintext|sasl_ssl) ;;
  *) echo "SECURITY=$SECURITY: plaintext or sasl_ssl" >&2; exit 2 ;;
esac

scram_login() { # user password
  echo "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$1\" password=\"$2\";"
}

# Makes the certificates and the client's properties once (they are kept for later runs).
security_init() {
  [[ "$SECURITY" == sasl_ssl && ! -f "$SECURITY_DIR/client.properties" ]] || return 0
  rm -rf "$SECURITY_DIR"; mkdir -p "$SECURITY_DIR"
  "$HERE/../scripts/skein" certs "$SECURITY_DIR/certs" --node node --password "$SECURITY_STORE_PASSWORD" \
    > "$SECURITY_DIR/certs.log" || { cat "$SECURITY_DIR/certs.log" >&2; exit 1; }
  cat > "$SECURITY_DIR/client.properties.tmp" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=$SECURITY_MECHANISM
sasl.jaas.config=$(scram_login "$SECURITY_CLIENT_USER" "$SECURITY_CLIENT_PASSWORD")
ssl.truststore.type=PKCS12
ssl.truststore.location=$SECURITY_DIR/certs/truststore.p12
ssl.truststore.password=$SECURITY_STORE_PASSWORD
EOF
  mv "$SECURITY_DIR/client.properties.tmp" "$SECURITY_DIR/client.properties"
}

# The name (and protocol) of the brokers' client and inter-broker listener.
security_listener() { [[ "$SECURITY" == sasl_ssl ]] && echo SASL_SSL || echo PLAINTEXT; }

# The clients' properties file, for --command-config; nothing for plaintext.
security_client_config() { [[ "$SECURITY" == sasl_ssl ]] && echo "$SECURITY_DIR/client.properties"; return 0; }

# Storage format arguments that add the SCRAM users (the same flag for Kafka and Skein), one a line:
# read them with `mapfile -t args < <(security_format_args)`.
security_format_args() {
  [[ "$SECURITY" == sasl_ssl ]] || return 0
  printf '%s\n' --add-scram "$SECURITY_MECHANISM=[name=$SECURITY_CLIENT_USER,password=$SECURITY_CLIENT_PASSWORD]" \
    --add-scram "$SECURITY_MECHANISM=[name=$SECURITY_BROKER_USER,password=$SECURITY_BROKER_PASSWORD]"
}

# The lines both brokers' server.properties end with: the bench's two settings (no group join delay,
# no topics made by a produce), the security settings, and EXTRA_BROKER_PROPS.
bench_broker_props() {
  printf '%s\n' group.initial.rebalance.delay.ms=0 auto.create.topics.enable=false
  security_server_props
  [[ -z "${EXTRA_BROKER_PROPS:-}" ]] || printf '%s\n' "$EXTRA_BROKER_PROPS"
}

# server.properties lines for the SASL_SSL listener (the controller listener stays PLAINTEXT).
security_server_props() {
  [[ "$SECURITY" == sasl_ssl ]] || return 0
  cat <<EOF
sasl.enabled.mechanisms=$SECURITY_MECHANISM
sasl.mechanism.inter.broker.protocol=$SECURITY_MECHANISM
listener.name.sasl_ssl.$(tr 'A-Z' 'a-z' <<< "$SECURITY_MECHANISM").sasl.jaas.config=$(scram_login "$SECURITY_BROKER_USER" "$SECURITY_BROKER_PASSWORD")
ssl.keystore.type=PKCS12
ssl.keystore.location=$SECURITY_DIR/certs/node.p12
ssl.keystore.password=$SECURITY_STORE_PASSWORD
ssl.key.password=$SECURITY_STORE_PASSWORD
ssl.truststore.type=PKCS12
ssl.truststore.location=$SECURITY_DIR/certs/truststore.p12
ssl.truststore.password=$SECURITY_STORE_PASSWORD
EOF
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then # run, not sourced
  set -euo pipefail
  [[ "$SECURITY" == sasl_ssl ]] || { echo "SECURITY=$SECURITY: nothing to make (try SECURITY=sasl_ssl)"; exit 0; }
  security_init
  echo "# client properties ($(security_client_config)):"; cat "$(security_client_config)"
  echo "# broker properties (Kafka and Skein alike):"; security_server_props
  echo "# storage format arguments:"; security_format_args
fi
