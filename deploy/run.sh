#!/usr/bin/env bash
# One command for a newcomer: install what is missing, fetch the pinned FHIR packages, build, run the main job.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/deploy/setup.sh"
"$root/deploy/fetch-fhir-packages.sh"
"$root/deploy/build.sh"

fhirgw="$root/build/bin/fhirgw"
examples="$root/.fhir-packages/hl7.fhir.r4.examples-4.0.1/package"

# The CLI demo: validate official examples, then map the demo internal records to FHIR.
cli_demo() {
  set -x
  "$fhirgw" validate "$examples/Patient-example.json" "$examples/Observation-example.json" \
    "$examples/Bundle-bundle-transaction.json"
  "$fhirgw" map "$root/deploy/demo/internal-records.ndjson"
}

# The main job. Switch to `serve` once the server exists.
main_job=cli_demo   # cli_demo | serve
if [[ "$main_job" == serve ]]; then exec "$fhirgw" serve "$@"; else cli_demo; fi
