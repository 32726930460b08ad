#!/usr/bin/env bash
# Search p99 with different audit settings and/or binaries, on one copy of the seeded 1M database (run
# tests/bench/server/run.sh once first), alternating them, ROUNDS rounds (2); each run: a fresh server, 3 s of
# reads by id (as run.sh's first row), then DUR (10 s) of the search workload of run.sh.
#   CONFIGS='{"enabled":true} {"enabled":false}' tests/bench/server/search-audit-ab.sh [BUILD_DIR]
#   BINARIES="/tmp/old-fhirgw build/bin/fhirgw" CONFIGS='{"enabled":true}' ROUNDS=3 tests/bench/server/search-audit-ab.sh
#   EXTRA='"storage": {"reader_cache_mib": 64}' ...: more keys of the server's config (no whitespace split)
# Prints req/s, p50/p90/p99, and per search request the server's CPU time and its read system calls
# (syscr of /proc/PID/io: preads of the database and WAL files; socket reads go through recvmsg, not
# counted) and the read snapshots the server began during the run (each after a commit drops a reader's page
# cache; /metrics, "?" for a binary without that counter), then the CPU ticks per thread name. The per-request figures do not depend on the machine's
# load as the latencies do. Not a test.
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
reads() { awk '/^syscr/ {print $2}' "/proc/$1/io"; }
snapshots() {  # fhirgw_store_read_snapshots_total of the server on $port (empty for a binary without it)
  { curl -sf "http://127.0.0.1:$port/metrics" || true; } | awk '$1 == "fhirgw_store_read_snapshots_total" {print $2}'
}
for round in $(seq "${ROUNDS:-2}"); do
  for bin in ${BINARIES:-$build/bin/fhirgw}; do
    for audit in ${CONFIGS:-'{"enabled":true}' '{"enabled":false}'}; do
      echo "{\"threads\": ${THREADS:-4}, ${EXTRA:+$EXTRA, }\"log\": {\"access_log\": false}, \"audit\": $audit}" > "$work/c.json"
      start "$bin" serve --config "$work/c.json" --listen 127.0.0.1:0 --data "$work/data"
      pid="${pids[-1]}"
      wrk -t2 -c32 -d3s "http://127.0.0.1:$port/fhir/Patient/bench-p1" > /dev/null
      ticks_before="$(cpu_ticks "$pid")"
      reads_before="$(reads "$pid")"
      snapshots_before="$(snapshots)"
      out="$(wrk -t2 -c32 -d"${DUR:-10s}" --latency -s "$search_lua" "http://127.0.0.1:$port/fhir")"
      ticks="$(($(cpu_ticks "$pid") - ticks_before))"
      syscr="$(($(reads "$pid") - reads_before))"
      snapshots_after="$(snapshots)"
      awk -v round="$round" -v bin="$bin" -v audit="$audit" -v ticks="$ticks" -v syscr="$syscr" \
        -v snapshots="$([[ -n "$snapshots_before" && -n "$snapshots_after" ]] && echo $((snapshots_after - snapshots_before)) || echo "?")" \
        -v load="$(cut -d' ' -f1 /proc/loadavg)" '
        /requests in/ {n = $1} /Requests\/sec/ {r = $2} $1 == "50%" {p50 = $2} $1 == "90%" {p90 = $2} $1 == "99%" {p99 = $2}
        END {printf "round %d %s audit %s: %.0f req/s, p50 %s, p90 %s, p99 %s, server CPU %.0f us/search, %.1f reads/search, %s read snapshots begun, load %s\n",
             round, bin, audit, r, p50, p90, p99, ticks * 10000 / n, syscr / n, snapshots, load}' <<<"$out"
      echo "  CPU ticks since start by thread: $(thread_ticks "$pid")"
      kill -TERM "$pid"
      wait "$pid" 2>/dev/null || true
    done
  done
done
