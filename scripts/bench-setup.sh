#!/usr/bin/env bash
# Installs the reference tools the benchmarks compare against when they are missing: tcpdump and
# tshark (capture reading), clickhouse-server (store appends), wrk and nginx (the sensor's HTTP
# rate next to nginx). Debian packages only; nothing is downloaded from anywhere else.
set -euo pipefail
have() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]
}
need=()
have tshark || need+=(tshark)
have tcpdump || need+=(tcpdump)
have wrk || need+=(wrk)
have nginx || need+=(nginx-light)
if ! have clickhouse-server && ! have clickhouse && [ -z "${PORTENT_CLICKHOUSE_URL:-}" ]; then
  need+=(clickhouse-server)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "bench-setup: missing ${need[*]}; install them (apt-get install ${need[*]}) or run as root" >&2
    exit 1
  fi
  echo "bench-setup: installing ${need[*]} (Debian packages)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # nginx's package would start a service where an init system runs; the bench starts its own.
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
