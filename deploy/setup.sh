#!/usr/bin/env bash
# Installs the Debian 12 packages the build, tests and benchmarks need -- only those that are missing.
# Idempotent and non-interactive; runs `apt-get update` at most once.
set -euo pipefail

packages=(
  build-essential g++ cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-url1.81-dev   # NOT libboost-all-dev: that is 1.74 and conflicts
  rapidjson-dev libspdlog-dev libssl-dev libsqlite3-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  openssl ca-certificates wrk clang clang-format   # clang-format: tests/format (style pinned to 14)
  curl python3   # the server benchmark's seeding (tests/bench/server)
  valgrind       # instructions per request (tests/bench/auth/callgrind)
)
# Node.js may come from elsewhere (e.g. NodeSource, which bundles npm); only install Debian's if absent.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != "installed" ]]; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all build dependencies are installed"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
