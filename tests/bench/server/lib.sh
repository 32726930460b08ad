# Shared by the server benchmarks (run.sh, cpu-per-request.sh, write-threads-ab.sh, search-audit-ab.sh).
# bench_workspace sets $work (a temp dir) and $pids (processes to kill); both are cleaned up at exit.

bench_workspace() {
  work="$(mktemp -d)"
  pids=()
  trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
}

copy_seed() {  # copy_seed SEED_DIR: a copy of the seeded database in $work/data
  [[ -f "$1/fhirgw.sqlite" ]] || { echo "no $1: run tests/bench/server/run.sh first" >&2; exit 2; }
  cp -rL "$1" "$work/data"  # -L: a seed directory that is a symlink is copied, not linked (and written to)
  rm -f "$work/data/fhirgw.port"
  # Write the 3.7 GB copy out now: otherwise the kernel writes it back during the first workloads, and every
  # fdatasync of the server (audit and data commits) queues behind it (seen as p99 of ~1 s for reads).
  sync
}

# Search: a random patient and one of the ten codes per request (each pair has OBSERVATIONS / PATIENTS / 10
# matches; _count=10). Each wrk thread has its own seed (42 + its number), so the two threads do not replay
# the same queries (until 2026-11-28 18:30 UTC both seeded 42).
search_script() {  # search_script PATIENTS -> path of the wrk Lua script
  cat > "$work/search.lua" <<LUA
local codes = {"2857-1", "1742-6", "1920-8", "2160-0", "718-7", "6690-2", "777-3", "2345-7", "2951-2", "2823-3"}
local threads = 0
setup = function(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
end
init = function(args)
  math.randomseed(42 + thread_number)
end
request = function()
  local path = string.format("/fhir/Observation?patient=bench-p%d&code=http://loinc.org%%7C%s&_count=10",
                             math.random(0, $1 - 1), codes[math.random(1, #codes)])
  return wrk.format("GET", path)
end
LUA
  echo "$work/search.lua"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime of process $1, in clock ticks

start() {  # start CMD... ; sets $port. Waits up to 5 min: the first start migrates the copied database.
  "$@" > "$work/out" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 3000); do
    port="$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/out")"
    [[ -n "$port" ]] && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
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

observation_json() {  # the Observation of the create workload
  echo '{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"2857-1"}]},"subject":{"reference":"Patient/bench-p1"},"valueQuantity":{"value":5.2,"unit":"ng/mL"}}'
}
