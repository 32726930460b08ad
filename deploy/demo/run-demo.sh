#!/usr/bin/env bash
# The demo case flowing through the gateway: records -> FHIR Bundle -> validation -> records again.
# Usage: deploy/demo/run-demo.sh [path/to/fhirgw]   (default: build/bin/fhirgw)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
fhirgw="${1:-$root/build/bin/fhirgw}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "== internal records -> FHIR transaction Bundle"
"$fhirgw" map to-fhir "$here/case.ndjson" > "$out/bundle.json"
echo "$(wc -l < "$here/case.ndjson") records -> $(grep -o '"fullUrl"' "$out/bundle.json" | wc -l) resources"

echo "== validate the Bundle (R4 core + mCODE profiles when the package is unpacked)"
pkg=()
[ -d "$root/.fhir-packages/hl7.fhir.us.mcode-4.0.0" ] && pkg=(--package "$root/.fhir-packages/hl7.fhir.us.mcode-4.0.0")
"$fhirgw" validate "${pkg[@]}" "$out/bundle.json" | tail -1

echo "== FHIR -> internal records"
"$fhirgw" map from-fhir "$out/bundle.json" > "$out/back.ndjson"
echo "$(wc -l < "$out/back.ndjson") records back"

echo "== a bad line is rejected with its line number; the good lines still map"
printf '%s\n{"type":"surgery","id":"X 1","source":"S","patient":"MRN-0001","procedure":"RFA","body_sites":["S9"],"status":"not_done"}\n' \
  "$(head -1 "$here/case.ndjson")" | "$fhirgw" map to-fhir - > /dev/null 2> "$out/outcome.json" || echo "exit code $? (1 = some records rejected)"
grep '"diagnostics"' "$out/outcome.json"
