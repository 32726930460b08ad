#!/usr/bin/env bash
# The transaction workload alone (100-Observation Bundles, wrk, 32 connections) on one copy of the seeded
# 1M database (run tests/bench/server/run.sh once first), alternating server write pool sizes and/or
# binaries, 3 rounds:
#   WTS="0 16 32" DUR=8s tests/bench/server/write-threads-ab.sh [BUILD_DIR]
#   BINARIES="/tmp/old-fhirgw build/bin/fhirgw" WTS=16 DUR=20s tests/bench/server/write-threads-ab.sh
# Prints resources/s, p50/p99, the server's CPU and bytes written (WAL + checkpoints, /proc/PID/io) per
# resource for each run. Not a test.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
build="${1:-$root/build}"
# shellcheck source=tests/bench/server/lib.sh
source "$root/tests/bench/server/lib.sh"
bench_workspace
copy_seed "$build/bench/seed-${OBSERVATIONS:-1000000}-${PATIENTS:-1000}"
tx_bundle 100 2857-1 > "$work/tx-a.json"
lua="$(post_script "$work/tx-a.json")"
written() { awk '/^write_bytes/ {print $2}' "/proc/$1/io"; }
for round in 1 2 3; do
  for bin in ${BINARIES:-$build/bin/fhirgw}; do
    for wt in ${WTS:-0 16}; do
      echo "{\"threads\": ${THREADS:-4}, \"write_threads\": $wt, \"log\": {\"access_log\": false}}" > "$work/c.json"
      start "$bin" serve --config "$work/c.json" --listen 127.0.0.1:0 --data "$work/data"
      pid="${pids[-1]}"
      before="$(cpu_ticks "$pid")"
      bytes_before="$(written "$pid")"
      out="$(wrk -t2 -c"${CONNECTIONS:-32}" -d"${DUR:-8s}" --timeout 30s --latency -s "$lua" "http://127.0.0.1:$port/fhir")"
      after="$(cpu_ticks "$pid")"
      bytes="$(($(written "$pid") - bytes_before))"
      kill -TERM "$pid"
      wait "$pid" 2>/dev/null || true
      awk -v round="$round" -v bin="$bin" -v wt="$wt" -v ticks="$((after - before))" -v bytes="$bytes" \
        -v load="$(cut -d' ' -f1 /proc/loadavg)" '
        /requests in/ {n = $1} /Requests\/sec/ {rps = $2} $1 == "50%" {p50 = $2} $1 == "99%" {p99 = $2}
        END {printf "round %d %s write_threads %d: %.0f resources/s, p50 %s, p99 %s, server CPU %.1f us/resource, %.1f KB written/resource, load %s\n",
             round, bin, wt, rps * 100, p50, p99, ticks * 10000 / (n * 100), bytes / (n * 100) / 1024, load}' <<<"$out"
    done
  done
done
