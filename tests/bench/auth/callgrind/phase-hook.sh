#!/bin/sh
# FHIRGW_BENCH_PHASE_HOOK for callgrind: zeroes the server's counters when a phase's clock starts and dumps
# them (named after the phase) when it stops; with CG_CLIENT=1 the same for the bench process itself (run the
# bench under callgrind then). Appends "PHASE SERVER_PID BENCH_PID REQUESTS" to $CG_DIR/phases.txt.
# Arguments (from the bench): begin|end PHASE SERVER_PID BENCH_PID [REQUESTS]
case "$1" in
  begin)
    callgrind_control -z "$3" >/dev/null 2>&1
    [ -n "$CG_CLIENT" ] && callgrind_control -z "$4" >/dev/null 2>&1 ;;
  end)
    callgrind_control --dump="$2" "$3" >/dev/null 2>&1
    [ -n "$CG_CLIENT" ] && callgrind_control --dump="$2" "$4" >/dev/null 2>&1
    echo "$2 $3 $4 $5" >> "${CG_DIR:?}/phases.txt" ;;
esac
exit 0
