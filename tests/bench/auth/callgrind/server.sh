#!/bin/sh
# FHIRGW_SERVER_BINARY wrapper: runs the real server ($CG_REAL) under callgrind, one output file per process
# in $CG_DIR. See run.sh.
exec valgrind --tool=callgrind --callgrind-out-file="${CG_DIR:?}/server.%p" "${CG_REAL:?}" "$@"
