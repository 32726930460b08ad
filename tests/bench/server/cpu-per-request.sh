#!/usr/bin/env bash
# Server CPU per request of one or more fhirgw binaries, alternating them round by round, each on a fresh
# data directory. CPU time (utime + stime of the server process from /proc/PID/stat) per request is much
# less sensitive to other load on the machine than req/s, so this is the A/B measure for a change:
#   tests/bench/server/cpu-per-request.sh [-r ROUNDS] [-d DURATION] [-w read,create,transaction] BIN...
#   e.g. cp build/bin/fhirgw /tmp/fhirgw-main   (before the change), then after building:
#        tests/bench/server/cpu-per-request.sh /tmp/fhirgw-main build/bin/fhirgw
# Defaults: 3 rounds, 5s per workload, wrk -t2 -c32, 4 server threads, durable defaults (synchronous=full,
# lenient validation, audit on), access log off. CONFIG='{"...": ...}' replaces the server config.
# Prints a Markdown table: binary, round, workload, req/s, server CPU per request (and per resource for the
# 100-Observation transactions), and the load average before and after.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
rounds=3 duration=5s workloads=read,create,transaction
while getopts "r:d:w:" opt; do
  case "$opt" in
    r) rounds="$OPTARG" ;;
    d) duration="$OPTARG" ;;
    w) workloads="$OPTARG" ;;
    *) sed -n '2,12p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
(($#)) || { sed -n '2,12p' "$0" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
for bin in "$@"; do [[ -x "$bin" ]] || { echo "not an executable: $bin" >&2; exit 2; }; done

# shellcheck source=tests/bench/server/lib.sh
source "$root/tests/bench/server/lib.sh"
bench_workspace

tick_us=$((1000000 / $(getconf CLK_TCK)))

echo "${CONFIG:-{\"threads\": 4, \"log\": {\"access_log\": false}}}" > "$work/config.json"
tx_bundle 100 2857-1 > "$work/tx.json"
observation_json > "$work/obs.json"
create_lua="$(post_script "$work/obs.json")"
tx_lua="$(post_script "$work/tx.json")"

echo "Load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| binary | round | workload | req/s | server CPU per request | per resource |"
echo "|---|---:|---|---:|---:|---:|"
for round in $(seq "$rounds"); do
  for bin in "$@"; do
    rm -rf "$work/data"
    start "$bin" serve --config "$work/config.json" --listen 127.0.0.1:0 --data "$work/data"
    pid="${pids[-1]}"
    gw="http://127.0.0.1:$port"
    curl -sf -X PUT -H 'Content-Type: application/fhir+json' --data '{"resourceType":"Patient","id":"bench-p1"}' \
      "$gw/fhir/Patient/bench-p1" > /dev/null
    for workload in ${workloads//,/ }; do
      case "$workload" in
        read) args=("$gw/fhir/Patient/bench-p1") per=1 ;;
        create) args=(-s "$create_lua" "$gw/fhir/Observation") per=1 ;;
        transaction) args=(-s "$tx_lua" "$gw/fhir") per=100 ;;
        *) echo "unknown workload: $workload" >&2; exit 2 ;;
      esac
      before="$(cpu_ticks "$pid")"
      out="$(wrk -t2 -c32 -d"$duration" --timeout 30s "${args[@]}")"
      after="$(cpu_ticks "$pid")"
      requests="$(awk '/requests in/ {print $1}' <<<"$out")"
      rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
      if grep -q -E 'Non-2xx|Socket errors' <<<"$out"; then
        echo "errors in $workload of $bin:" >&2
        grep -E 'Non-2xx|Socket errors' <<<"$out" >&2
        exit 1
      fi
      awk -v b="$bin" -v r="$round" -v w="$workload" -v rps="$rps" -v n="$requests" -v t=$((after - before)) \
        -v us="$tick_us" -v per="$per" 'BEGIN {
          cpu = t * us / n
          printf "| %s | %d | %s | %s | %.1f us | %s |\n", b, r, w, rps, cpu, (per > 1 ? sprintf("%.1f us", cpu / per) : "")
        }'
    done
    kill -TERM "$pid"
    wait "$pid" || true
  done
done
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
