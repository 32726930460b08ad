#!/bin/sh
# Server instructions per request, counted by callgrind only while each keep-alive phase's clock runs.
#   tests/bench/auth/callgrind/run.sh OUT_DIR SERVER_BINARY [bench options...]
# e.g. run.sh /tmp/cg build/bin/fhirgw --seconds 4 --rounds 1 --connections 8 --workloads read
# then per-request.sh OUT_DIR. Needs valgrind (deploy/setup.sh installs it).
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?OUT_DIR}; real=${2:?SERVER_BINARY}; shift 2
mkdir -p "$out" && rm -f "$out"/server.* "$out"/phases.txt
bench=${FHIRGW_AUTH_TLS_BENCH:-$here/../../../../build/bin/fhirgw_auth_tls_bench}
CG_DIR=$(cd "$out" && pwd) CG_REAL=$(realpath "$real") FHIRGW_SERVER_BINARY="$here/server.sh" \
  FHIRGW_BENCH_PHASE_HOOK="$here/phase-hook.sh" "$bench" "$@"
