#!/usr/bin/env bash
# Instructions per request of the in-process pipeline (bench/pipeline.mjs), every thread, counted by
# valgrind's callgrind: a count that does not move with the other load on a shared VM, so two builds
# can be compared where their req/s and CPU time cannot. Only the measured round is counted:
# start-up (whose RSA key generation alone varies by billions of instructions between runs) and
# the warm-up run uninstrumented, and the pipeline waits at both ends of the round for
# `callgrind_control` to switch counting on and off (BENCH_HANDSHAKE_FILE). Prints the total and the
# share of each kind of code (SHA-256, AES-GCM, SQLite, V8's garbage collector and compilers,
# builtins, JIT code, strings, malloc), then the largest single functions.
#
# valgrind reports no SHA extensions to the program, so OpenSSL hashes with AVX2 here, several times
# the instructions it takes with SHA-NI on the real CPU: read the SHA-256 line as bytes hashed, not as
# time. A run takes minutes (valgrind runs node some 50 times slower).
#
# The warm-up is long (20,000 requests by default, BENCH_WARMUP): under valgrind V8's optimising
# compiler finishes its work late, and what it still compiles in the measured round is counted.
#
# usage: npx tsc -p tsconfig.json && bash bench/callgrind-pipeline.sh [case=Encrypt] [requests=3000] [top=25]
# needs: valgrind (apt-get install valgrind)
set -euo pipefail
cd "$(dirname "$0")/.."
CASE=${1:-Encrypt}
N=${2:-3000}
TOP=${3:-25}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
HS="$WORK/handshake"

# Waits until the pipeline asks for $1 (the handshake file holds it), or fails if it exited.
await() {
  while [ "$(cat "$HS" 2>/dev/null)" != "$1" ]; do
    kill -0 "$PID" 2>/dev/null || { cat "$WORK/log" >&2; echo "pipeline exited before '$1'" >&2; exit 1; }
    sleep 0.2
  done
}

BENCH_CASES=$CASE BENCH_WARMUP=${BENCH_WARMUP:-20000} BENCH_HANDSHAKE_FILE=$HS valgrind --tool=callgrind --instr-atstart=no \
  --callgrind-out-file="$WORK/cg.out" --smc-check=all-non-file \
  node bench/pipeline.mjs "$N" 1 64 >"$WORK/log" 2>&1 &
PID=$!
await measure
callgrind_control -i on "$PID" >/dev/null 2>&1
rm "$HS"
await measured
callgrind_control -i off "$PID" >/dev/null 2>&1
callgrind_control -d "$PID" >/dev/null 2>&1
rm "$HS"
wait "$PID"
callgrind_annotate --threshold=100 "$WORK/cg.out.1" >"$WORK/functions"
node bench/callgrind-report.mjs "$WORK/functions" "$N" "$TOP" "$CASE"
