#!/usr/bin/env bash
# Benchmarks of `fhirgw serve` with wrk (Debian package) on loopback, and in the same run the fixed-body
# Beast server (the ceiling of this stack). Prints a Markdown table (req/s, p50, p99, non-2xx) and the
# load average before and after. Exits 1, naming the workloads and their statuses, if any workload
# had a non-2xx answer or a socket error.
#   tests/bench/server/run.sh [BUILD_DIR]     (default: build)
#   DURATION=10s CONNECTIONS=32 OBSERVATIONS=1000000 PATIENTS=1000 THREADS=4 [WRITE_THREADS=N: the server's default]
# The search runs on OBSERVATIONS stored Observations (PATIENTS patients x 10 LOINC codes), seeded
# through the server's own transaction endpoint (tests/bench/server/seed.py; validation off and
# synchronous=normal while seeding only) and kept in BUILD_DIR/bench/seed-N-P for the next run
# (delete it to reseed). Every workload then runs against the durable default configuration
# (synchronous=full, lenient validation) on that database.
# Not a test: numbers depend on the machine and on what else runs on it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
build="${1:-$root/build}"
fhirgw="$build/bin/fhirgw"
duration="${DURATION:-10s}"
conns="${CONNECTIONS:-32}"
# shellcheck source=tests/bench/server/lib.sh
source "$root/tests/bench/server/lib.sh"
bench_workspace

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
[[ -x "$fhirgw" ]] || { echo "no $fhirgw; build first" >&2; exit 2; }

# The ceiling server is built here with the same flags class (-O2), so no CMake target is needed.
ceiling="$build/bench/fixed_body_server"
if [[ ! -x "$ceiling" || "$root/tests/bench/server/fixed_body_server.cpp" -nt "$ceiling" ]]; then
  mkdir -p "$build/bench"
  c++ -std=c++20 -O2 -DNDEBUG -o "$ceiling" "$root/tests/bench/server/fixed_body_server.cpp" -pthread
fi

failed=()
statuses() {  # statuses -> "status count" lines: fhirgw's requests by status so far (/metrics)
  [[ -n "${gw:-}" ]] || return 0
  { curl -sf "$gw/metrics" || true; } | sed -n 's/^fhirgw_http_requests_total{.*status="\([0-9]*\)"} \([0-9]*\)$/\1 \2/p' |
    awk '{n[$1] += $2} END {for (s in n) print s, n[s]}'
}

settle() {  # waits (at most 30 s) until fhirgw's CPU time stops growing: the previous workload's background work
  # (audit writer, WAL checkpoint of its writes) would otherwise run during, and be charged to, the next one
  [[ -n "${gw:-}" ]] || return 0
  local previous=-1 now
  for _ in $(seq 60); do
    now="$(awk '{print $14 + $15}' "/proc/$gw_pid/stat")"
    ((now - previous <= 1)) && return 0
    previous="$now"
    sleep 0.5
  done
}

row() {  # row NAME URL [wrk args...]; a workload with errors is listed in $failed
  local name="$1" url="$2"
  shift 2
  settle
  local out before after
  before="$(statuses)"
  # --timeout 30s: a slow answer counts in the latency (wrk drops requests past its timeout, 2 s by default,
  # from the percentiles and reports them as socket errors only).
  out="$(wrk -t2 -c"$conns" -d"$duration" --timeout 30s --latency "$@" "$url")"
  after="$(statuses)"
  local rps p50 p99 errors socket_errors
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
  errors="$(awk '/Non-2xx/ {print $5}' <<<"$out")"
  socket_errors="$(grep 'Socket errors' <<<"$out" || true)"
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "${errors:-0}"
  if [[ -n "$errors" || -n "$socket_errors" ]]; then
    # Which statuses (from the server's counters, so wrk runs without a per-response Lua callback).
    local by_status
    by_status="$(join -a2 -e0 -o 2.1,1.2,2.2 <(sort <<<"$before") <(sort <<<"$after") |
      awk '$1 !~ /^2/ && $3 > $2 {printf "%s%s x%d", sep, $1, $3 - $2; sep = ", "}')"
    failed+=("$name: ${errors:-0} non-2xx${by_status:+ ($by_status)}${socket_errors:+; $socket_errors}")
  fi
}

observations="${OBSERVATIONS:-1000000}"
patients="${PATIENTS:-1000}"
threads="${THREADS:-4}"
seed_dir="$build/bench/seed-$observations-$patients"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

# 1. Seed (or reuse) the database: a server with validation off and synchronous=normal, fed
#    transaction Bundles of 5,000 entries, then stopped with SIGTERM (graceful: WAL checkpointed).
if [[ ! -f "$seed_dir/fhirgw.sqlite" ]]; then
  rm -rf "$seed_dir.tmp"
  cat > "$work/seed.json" <<JSON
{"threads": 2, "log": {"access_log": false}, "storage": {"synchronous": "normal"}, "fhir": {"validation": "off"}}
JSON
  start "${SEED_FHIRGW:-$fhirgw}" serve --config "$work/seed.json" --listen 127.0.0.1:0 --data "$seed_dir.tmp"
  seed_pid="${pids[-1]}"
  seed_report="$(python3 "$root/tests/bench/server/seed.py" "http://127.0.0.1:$port" "$observations" "$patients" 2>&1)"
  kill -TERM "$seed_pid"
  wait "$seed_pid" || true
  mv "$seed_dir.tmp" "$seed_dir"
  echo "Seeding: $seed_report (validation off, synchronous=normal)"
fi
copy_seed "$seed_dir"

# 2. The server under test: durable defaults (synchronous=full, lenient validation).
write_threads_key=""
[[ -n "${WRITE_THREADS:-}" ]] && write_threads_key="\"write_threads\": $WRITE_THREADS, "
cat > "$work/config.json" <<JSON
{"threads": $threads, $write_threads_key"log": {"access_log": false}}
JSON
start "$fhirgw" serve --config "$work/config.json" --listen 127.0.0.1:0 --data "$work/data"
gw="http://127.0.0.1:$port"
gw_pid="${pids[-1]}"
stored="$(curl -sf "$gw/fhir/Observation?_summary=count" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')"

tx_bundle 100 2857-1 > "$work/tx-a.json"
observation_json > "$work/obs.json"

search_lua="$(search_script "$patients")"

echo "Load average before: $load_before; $stored Observations stored; fhirgw threads: $threads"
echo
echo "| workload ($conns connections, $duration) | req/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
row "fhirgw read by id (GET /fhir/Patient/id)" "$gw/fhir/Patient/bench-p1"
row "fhirgw search Observation?patient=..&code=.. (random patient and code, _count=10)" "$gw" -s "$search_lua"
row "fhirgw create Observation (POST)" "$gw/fhir/Observation" -s "$(post_script "$work/obs.json")"
row "fhirgw transaction of 100 Observations (POST /fhir)" "$gw/fhir" -s "$(post_script "$work/tx-a.json")"
start "$ceiling" 0 2
gw=""  # no fhirgw counters for the ceiling
row "fixed-body Beast server (ceiling)" "http://127.0.0.1:$port/fhir/Patient/bench-p1"
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if ((${#failed[@]})); then
  echo "FAILED: workloads with errors (their figures do not count):" >&2
  printf '  %s\n' "${failed[@]}" >&2
  exit 1
fi
