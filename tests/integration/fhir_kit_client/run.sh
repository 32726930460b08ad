#!/usr/bin/env bash
# ctest driver: installs fhir-kit-client (pinned, package-lock.json) into WORK_DIR, starts the real
# `fhirgw serve` on port 0 with a temp data dir, runs scenario.mjs against it, stops the server.
#   run.sh FHIRGW_BINARY DEMO_CASE WORK_DIR      exit 77 (skipped) when node/npm are missing
set -euo pipefail
fhirgw="$1" demo="$2" work="$3"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v node >/dev/null && command -v npm >/dev/null || { echo "node/npm missing: skipped"; exit 77; }

mkdir -p "$work"
cp "$here/package.json" "$here/package-lock.json" "$here/scenario.mjs" "$work/"
if [[ ! -d "$work/node_modules/fhir-kit-client" ]]; then
  if ! (cd "$work" && npm ci --loglevel=error --no-audit --no-fund >/dev/null); then
    echo "npm ci failed (no access to the npm registry?): skipped"
    exit 77
  fi
fi

data="$(mktemp -d)"
"$fhirgw" serve --listen 127.0.0.1:0 --data "$data" > "$data/stdout" 2> "$data/stderr" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
port=""
for _ in $(seq 100); do
  # The server may not have created its stdout file yet: under `set -e` a failing sed would end the script.
  port="$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$data/stdout" 2>/dev/null || true)"
  [[ -n "$port" ]] && break
  sleep 0.1
done
[[ -n "$port" ]] || { echo "fhirgw serve did not start"; cat "$data/stderr"; exit 1; }
node "$work/scenario.mjs" "http://127.0.0.1:$port" "$demo"
