#!/usr/bin/env bash
# One command for a newcomer: install what is missing, fetch the pinned FHIR packages, build, run the main job.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/deploy/setup.sh"
"$root/deploy/fetch-fhir-packages.sh"
"$root/deploy/build.sh"

fhirgw="$root/build/bin/fhirgw"
examples="$root/.fhir-packages/hl7.fhir.r4.examples-4.0.1/package"

# The CLI demo: map the demo case (internal oncology records) to a FHIR transaction Bundle, validate
# that Bundle and a few official examples.
cli_demo() {
  local bundle="$root/build/demo-case-bundle.json"
  set -x
  "$fhirgw" map to-fhir "$root/deploy/demo/case.ndjson" > "$bundle"
  "$fhirgw" validate "$bundle" "$examples/Patient-example.json" "$examples/Bundle-bundle-transaction.json"
}

# The main job: the gateway on its embedded defaults (http://127.0.0.1:8080/fhir, data in ./data/);
# extra arguments go to `fhirgw serve` (e.g. --listen 127.0.0.1:0). `cli_demo` runs the CLI demo instead.
main_job=serve   # serve | cli_demo
cd "$root"
if [[ "$main_job" == serve ]]; then exec "$fhirgw" serve "$@"; else cli_demo; fi
