#!/usr/bin/env bash
# Runs the core benchmarks and the Medplum peer on the same files, then prints one table with the goals.
# usage: tests/bench/run-core-bench.sh [--quick]     (--quick: fewer repetitions, for a fast look)
# env:   FHIRGW_BUILD_DIR (default build/), FHIRGW_PACKAGE_DIR (default .fhir-packages/)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${FHIRGW_BUILD_DIR:-$root/build}"
packages="${FHIRGW_PACKAGE_DIR:-$root/.fhir-packages}"
examples="$packages/hl7.fhir.r4.examples-4.0.1/package"
min_time=2 peer_seconds=20
[[ "${1:-}" == "--quick" ]] && { min_time=0.1; peer_seconds=1; }

[[ -d "$examples" ]] || "$root/deploy/fetch-fhir-packages.sh"
[[ -f "$build/build.ninja" ]] || cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" --target fhirgw_core_bench

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "== C++ core (Google Benchmark, one iteration = one pass over the corpus)"
"$build/bin/fhirgw_core_bench" --benchmark_min_time="$min_time" \
  --benchmark_out="$out/core.json" --benchmark_out_format=json

echo "== Medplum peer (Node $(node --version))"
peer="$root/tests/bench/peer"
[[ -d "$peer/node_modules/@medplum/core" ]] || (cd "$peer" && npm ci --ignore-scripts --no-audit --no-fund)
node "$peer/validate-bench.mjs" --dir "$examples" --min-seconds "$peer_seconds" --json > "$out/peer.json"

node "$root/tests/bench/report.mjs" "$out/core.json" "$out/peer.json"
