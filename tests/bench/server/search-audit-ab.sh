#!/usr/bin/env bash
# Search p99 with different audit settings, on one copy of the seeded 1M database (run tests/bench/server/run.sh
# once first), alternating the configs, 2 rounds; each run: a fresh server, 3 s of reads by id (as run.sh's first
# row), then 10 s of the search workload of run.sh. Prints req/s, p50/p90/p99 and the CPU ticks per thread name.
#   CONFIGS='{"enabled":true} {"enabled":false}' tests/bench/server/search-audit-ab.sh [BUILD_DIR]
# Not a test.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
build="${1:-$root/build}"
# shellcheck source=tests/bench/server/lib.sh
source "$root/tests/bench/server/lib.sh"
bench_workspace
copy_seed "$build/bench/seed-${OBSERVATIONS:-1000000}-${PATIENTS:-1000}"
search_lua="$(search_script "${PATIENTS:-1000}")"
thread_ticks() {  # CPU ticks (utime + stime) per thread name of process $1
  for t in /proc/"$1"/task/*; do echo "$(cat "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"; done |
    awk '{a[$1] += $2} END {for (k in a) printf "%s=%d ", k, a[k]; print ""}'
}
for round in 1 2; do
  for audit in ${CONFIGS:-'{"enabled":true}' '{"enabled":false}'}; do
    echo "{\"threads\": ${THREADS:-4}, \"log\": {\"access_log\": false}, \"audit\": $audit}" > "$work/c.json"
    start "$build/bin/fhirgw" serve --config "$work/c.json" --listen 127.0.0.1:0 --data "$work/data"
    pid="${pids[-1]}"
    wrk -t2 -c32 -d3s "http://127.0.0.1:$port/fhir/Patient/bench-p1" > /dev/null
    out="$(wrk -t2 -c32 -d"${DUR:-10s}" --latency -s "$search_lua" "http://127.0.0.1:$port/fhir")"
    awk -v round="$round" -v audit="$audit" -v load="$(cut -d' ' -f1 /proc/loadavg)" '
      /Requests\/sec/ {r = $2} $1 == "50%" {p50 = $2} $1 == "90%" {p90 = $2} $1 == "99%" {p99 = $2}
      END {printf "round %d audit %s: %.0f req/s, p50 %s, p90 %s, p99 %s, load %s\n", round, audit, r, p50, p90, p99, load}' <<<"$out"
    echo "  CPU ticks since start by thread: $(thread_ticks "$pid")"
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
  done
done
