#!/usr/bin/env bash
# Configures (once) and builds everything with Ninja into build/ (or $FHIRGW_BUILD_DIR).
# Extra arguments are passed to cmake at configure time, e.g. -DFHIRGW_SANITIZE=ON.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${FHIRGW_BUILD_DIR:-$root/build}"
jobs="${FHIRGW_JOBS:-$(nproc)}"
# ccache keyed on paths relative to the checkout, so a fresh clone (as in CI) reuses earlier compilations.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"

if [[ ! -f "$build/build.ninja" || $# -gt 0 ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" "$@"
fi
cmake --build "$build" -j "$jobs"
