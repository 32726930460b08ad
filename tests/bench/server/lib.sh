# Shared by the server benchmarks (run.sh, cpu-per-request.sh). Expects $work (a temp dir) and the array
# $pids (processes to kill at exit) in the caller.

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
