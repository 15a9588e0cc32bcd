#!/usr/bin/env bash
# Installs the reference tools the benchmarks compare against when they are missing: what the
# tests use (tcpdump, tshark, clickhouse-server; scripts/test-setup.sh), then wrk and nginx (the
# sensor's HTTP rate next to nginx; the bench starts its own nginx, never a service).
# Debian packages only; nothing is downloaded from anywhere else.
set -euo pipefail
bash "$(dirname "$0")/test-setup.sh"
. "$(dirname "$0")/apt-need.sh"
need=()
have wrk || need+=(wrk)
have nginx || need+=(nginx-light)
install_missing bench-setup "${need[@]+"${need[@]}"}"
