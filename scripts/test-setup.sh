#!/usr/bin/env bash
# Installs what the tests need and compare against when it is missing: tshark and tcpdump (the
# reference tools), and clickhouse-server (the store's conformance suite runs against a real
# server, started by the tests on loopback; see src/store/clickhouse-server.ts).
# Debian packages only; nothing is downloaded from anywhere else.
set -euo pipefail
. "$(dirname "$0")/apt-need.sh"
need=()
have tshark || need+=(tshark)
have tcpdump || need+=(tcpdump)
if ! have clickhouse-server && ! have clickhouse && [ -z "${PORTENT_CLICKHOUSE_URL:-}" ]; then
  need+=(clickhouse-server)
fi
install_missing test-setup "${need[@]+"${need[@]}"}"
