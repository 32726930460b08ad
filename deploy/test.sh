#!/usr/bin/env bash
# One command for a newcomer and for CI: install what is missing, fetch the pinned FHIR packages, build,
# run every test with ctest. `--sanitize` builds build-asan/ with ASan+UBSan and runs the suite there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sanitize=0
for arg in "$@"; do
  case "$arg" in
    --sanitize) sanitize=1 ;;
    -h|--help)  echo "usage: deploy/test.sh [--sanitize]"; exit 0 ;;
    *)          echo "test: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

"$root/deploy/setup.sh"
"$root/deploy/fetch-fhir-packages.sh"

jobs="${FHIRGW_JOBS:-$(nproc)}"
if ((sanitize)); then
  build="$root/build-asan"
  FHIRGW_BUILD_DIR="$build" "$root/deploy/build.sh" -DFHIRGW_SANITIZE=ON -DFHIRGW_BENCH=OFF
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
  timeout=1800
else
  build="$root/build"
  "$root/deploy/build.sh"
  timeout=600
fi

cd "$build"
ctest --output-on-failure -j "$jobs" --timeout "$timeout"
