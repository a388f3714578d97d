#!/usr/bin/env bash
# Installs the servers and tools sundflow's tests and `make run` start as
# real processes, from Debian's packages, when they are missing:
#   clickhouse-server, clickhouse-client  (the projection store)
#   prometheus                           (promtool, for the alert rule tests)
#   chromium                             (the dashboard's browser test)
# Usage: deploy/local/deps.sh [server|all]   (server: ClickHouse only)
set -euo pipefail
want=${1:-all}

pkgs=()
command -v clickhouse-server >/dev/null 2>&1 || pkgs+=(clickhouse-server)
command -v clickhouse-client >/dev/null 2>&1 || pkgs+=(clickhouse-client)
if [ "$want" = all ]; then
  command -v promtool >/dev/null 2>&1 || pkgs+=(prometheus)
  command -v chromium >/dev/null 2>&1 || pkgs+=(chromium)
fi

if [ ${#pkgs[@]} -eq 0 ]; then
  extra=""; [ "$want" = all ] && extra=", promtool, chromium"
  echo "deps: all present (clickhouse-server, clickhouse-client$extra)"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "deps: need root to install ${pkgs[*]}; run as root or install them yourself" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "deps: no apt-get here; install ${pkgs[*]} with your package manager" >&2
  exit 1
fi
echo "deps: installing ${pkgs[*]} from Debian's packages"
$sudo apt-get update -qq
# The Debian package starts no service by itself in a container; we run
# clickhouse-server as our own process from a generated config anyway.
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
echo "deps: installed ${pkgs[*]}"
