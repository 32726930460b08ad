#!/usr/bin/env bash
# Benchmarks of `fhirgw serve` with wrk (Debian package) on loopback, and in the same run the fixed-body
# Beast server (the ceiling of this stack). Prints a Markdown table (req/s, p50, p99).
#   tests/bench/server/run.sh [BUILD_DIR]     (default: build)   DURATION=10s CONNECTIONS=32
# Not a test: numbers depend on the machine and on what else runs on it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
build="${1:-$root/build}"
fhirgw="$build/bin/fhirgw"
duration="${DURATION:-10s}"
conns="${CONNECTIONS:-32}"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
[[ -x "$fhirgw" ]] || { echo "no $fhirgw; build first" >&2; exit 2; }

# The ceiling server is built here with the same flags class (-O2), so no CMake target is needed.
ceiling="$build/bench/fixed_body_server"
if [[ ! -x "$ceiling" || "$root/tests/bench/server/fixed_body_server.cpp" -nt "$ceiling" ]]; then
  mkdir -p "$build/bench"
  c++ -std=c++20 -O2 -DNDEBUG -o "$ceiling" "$root/tests/bench/server/fixed_body_server.cpp" -pthread
fi

start() {  # start CMD... ; sets $port
  "$@" > "$work/out" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 100); do
    port="$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/out")"
    [[ -n "$port" ]] && return 0
    sleep 0.1
  done
  echo "server did not start: $*" >&2
  exit 1
}

post_script() {  # post_script FILE URL_PATH -> lua script path
  local lua="$work/$(basename "$1").lua"
  cat > "$lua" <<LUA
local f = io.open("$1", "rb"); local body = f:read("*a"); f:close()
wrk.method = "POST"; wrk.body = body
wrk.headers["Content-Type"] = "application/fhir+json"
wrk.headers["Prefer"] = "return=minimal"
LUA
  echo "$lua"
}

row() {  # row NAME URL [wrk args...]
  local name="$1" url="$2"
  shift 2
  local out
  out="$(wrk -t2 -c"$conns" -d"$duration" --latency "$@" "$url")"
  local rps p50 p99 errors
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
  errors="$(awk '/Non-2xx/ {print $5}' <<<"$out")"
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "${errors:-0}"
}

# fhirgw with data: one patient, 2,000 observations in 20 transactions of 100 (two codes).
cat > "$work/config.json" <<JSON
{"threads": 2, "log": {"access_log": false}}
JSON
start "$fhirgw" serve --config "$work/config.json" --listen 127.0.0.1:0 --data "$work/data"
gw="http://127.0.0.1:$port"
curl -sf -X PUT -H 'Content-Type: application/fhir+json' "$gw/fhir/Patient/bench-p1" \
  -d '{"resourceType":"Patient","id":"bench-p1","identifier":[{"system":"urn:mrn","value":"B1"}],"name":[{"family":"Bench"}]}' >/dev/null

tx_bundle() {  # tx_bundle N CODE -> transaction Bundle with N Observations
  python3 - "$1" "$2" <<'PY'
import json, sys
n, code = int(sys.argv[1]), sys.argv[2]
entries = [{"resource": {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "subject": {"reference": "Patient/bench-p1"}, "effectiveDateTime": "2024-01-%02dT10:00:00Z" % (i % 28 + 1),
            "valueQuantity": {"value": i % 100, "unit": "ng/mL", "system": "http://unitsofmeasure.org", "code": "ng/mL"}},
            "request": {"method": "POST", "url": "Observation"}} for i in range(n)]
print(json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": entries}))
PY
}
tx_bundle 100 2857-1 > "$work/tx-a.json"
tx_bundle 100 1742-6 > "$work/tx-b.json"
for i in $(seq 10); do
  curl -sf -X POST -H 'Content-Type: application/fhir+json' -H 'Prefer: return=minimal' --data-binary @"$work/tx-a.json" "$gw/fhir" >/dev/null
  curl -sf -X POST -H 'Content-Type: application/fhir+json' -H 'Prefer: return=minimal' --data-binary @"$work/tx-b.json" "$gw/fhir" >/dev/null
done
echo '{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2857-1"}]},"subject":{"reference":"Patient/bench-p1"},"valueQuantity":{"value":5.2,"unit":"ng/mL"}}' > "$work/obs.json"

echo "| workload ($conns connections, $duration) | req/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
row "fhirgw read by id (GET /fhir/Patient/id)" "$gw/fhir/Patient/bench-p1"
row "fhirgw search Observation?patient=..&code=.. (_count=10)" "$gw/fhir/Observation?patient=bench-p1&code=http://loinc.org%7C1742-6&_count=10"
row "fhirgw create Observation (POST)" "$gw/fhir/Observation" -s "$(post_script "$work/obs.json")"
row "fhirgw transaction of 100 Observations (POST /fhir)" "$gw/fhir" -s "$(post_script "$work/tx-a.json")"
start "$ceiling" 0 2
row "fixed-body Beast server (ceiling)" "http://127.0.0.1:$port/fhir/Patient/bench-p1"
