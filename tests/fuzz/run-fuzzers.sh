#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz/ and runs each for N seconds,
# starting from the official R4 examples as seed corpus.
# usage: tests/fuzz/run-fuzzers.sh [SECONDS=60] [TARGET...]      (default: every fuzz_* target)
# Crashes land in build-fuzz/fuzz-artifacts/<target>/; the grown corpus in build-fuzz/fuzz-corpus/<target>/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${FHIRGW_FUZZ_BUILD_DIR:-$root/build-fuzz}"
packages="${FHIRGW_PACKAGE_DIR:-$root/.fhir-packages}"
seconds="${1:-60}"
shift || true

[[ -d "$packages/hl7.fhir.r4.examples-4.0.1/package" ]] || "$root/deploy/fetch-fhir-packages.sh"
if [[ ! -f "$build/build.ninja" ]]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DFHIRGW_FUZZ=ON -DFHIRGW_SANITIZE=ON -DFHIRGW_BENCH=OFF -DFHIRGW_PACKAGE_DIR="$packages"
fi

targets=("$@")
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(cd "$root/tests/fuzz" && ls fuzz_*.cpp | sed 's/\.cpp$//')
fi
built=()
for target in "${targets[@]}"; do
  if cmake --build "$build" --target "$target"; then built+=("$target"); else echo "!! $target does not build: skipped"; fi
done
((${#built[@]} > 0)) || exit 1

# Seeds: the official examples up to 64 KiB (larger ones slow every mutation down without adding shapes);
# for the internal-record target, the demo case: each record alone and the whole file.
seeds="$build/fuzz-seeds"
if [[ ! -d "$seeds" ]]; then
  mkdir -p "$seeds"
  find "$packages/hl7.fhir.r4.examples-4.0.1/package" -name '*.json' -size -64k -exec cp -t "$seeds" {} +
fi
record_seeds="$build/fuzz-seeds-records"
if [[ ! -d "$record_seeds" ]]; then
  mkdir -p "$record_seeds"
  cp "$root/deploy/demo/case.ndjson" "$record_seeds/case.ndjson"
  split -l 1 -d -a 4 "$root/deploy/demo/case.ndjson" "$record_seeds/record-"
fi

status=0
((${#built[@]} == ${#targets[@]})) || status=1
for target in "${built[@]}"; do
  corpus="$build/fuzz-corpus/$target"
  artifacts="$build/fuzz-artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  echo "== $target for ${seconds}s"
  target_seeds="$seeds"
  [[ "$target" == fuzz_records* ]] && target_seeds="$record_seeds"
  if ! "$build/bin/$target" "$corpus" "$target_seeds" -dict="$root/tests/fuzz/fhir_json.dict" \
      -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" 2> "$build/fuzz-$target.log"; then
    echo "!! $target found a problem: see $build/fuzz-$target.log and $artifacts/"
    status=1
  fi
  grep -E "^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|^#[0-9]+.*DONE" \
    "$build/fuzz-$target.log" || true
done
exit "$status"
