#!/usr/bin/env bash
# Installs what the tests need and compare against when it is missing: tshark and tcpdump (the
# reference tools), and clickhouse-server (the store's conformance suite runs against a real
# server, started by the tests on loopback; see src/store/clickhouse-server.ts).
# Debian packages only; nothing is downloaded from anywhere else.
set -euo pipefail
have() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]
}
need=()
have tshark || need+=(tshark)
have tcpdump || need+=(tcpdump)
if ! have clickhouse-server && ! have clickhouse && [ -z "${PORTENT_CLICKHOUSE_URL:-}" ]; then
  need+=(clickhouse-server)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "test-setup: missing ${need[*]}; install them (apt-get install ${need[*]}) or run as root" >&2
    exit 1
  fi
  echo "test-setup: installing ${need[*]} (Debian packages)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
