#!/usr/bin/env bash
# Search p99 with different audit settings, on one copy of the seeded 1M database (run tests/bench/server/run.sh
# once first), alternating the configs, 2 rounds; each run: a fresh server, 3 s of reads by id (as run.sh's first
# row), then 10 s of the search workload of run.sh. Prints req/s, p50/p90/p99 and the CPU ticks per thread name.
#   CONFIGS='{"enabled":true} {"enabled":false}' tests/bench/server/search-audit-ab.sh [BUILD_DIR]
# Not a test.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
build="${1:-$root/build}"
seed="$build/bench/seed-${OBSERVATIONS:-1000000}-${PATIENTS:-1000}"
[[ -f "$seed/fhirgw.sqlite" ]] || { echo "no $seed: run tests/bench/server/run.sh first" >&2; exit 2; }
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
# shellcheck source=tests/bench/server/lib.sh
source "$root/tests/bench/server/lib.sh"

cp -r "$seed" "$work/data"
rm -f "$work/data/fhirgw.port"
sync
cat > "$work/search.lua" <<LUA
local codes = {"2857-1", "1742-6", "1920-8", "2160-0", "718-7", "6690-2", "777-3", "2345-7", "2951-2", "2823-3"}
local threads = 0
setup = function(thread) thread:set("thread_number", threads); threads = threads + 1 end
init = function(args) math.randomseed(42 + thread_number) end
request = function()
  local path = string.format("/fhir/Observation?patient=bench-p%d&code=http://loinc.org%%7C%s&_count=10",
                             math.random(0, ${PATIENTS:-1000} - 1), codes[math.random(1, #codes)])
  return wrk.format("GET", path)
end
LUA
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
    out="$(wrk -t2 -c32 -d"${DUR:-10s}" --latency -s "$work/search.lua" "http://127.0.0.1:$port/fhir")"
    awk -v round="$round" -v audit="$audit" -v load="$(cut -d' ' -f1 /proc/loadavg)" '
      /Requests\/sec/ {r = $2} $1 == "50%" {p50 = $2} $1 == "90%" {p90 = $2} $1 == "99%" {p99 = $2}
      END {printf "round %d audit %s: %.0f req/s, p50 %s, p90 %s, p99 %s, load %s\n", round, audit, r, p50, p90, p99, load}' <<<"$out"
    echo "  CPU ticks since start by thread: $(thread_ticks "$pid")"
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
  done
done
