#!/usr/bin/env bash
# Authenticated requests/s through Bulwark vs a bare node:http(s) server answering the same
# bytes. Server pinned to core 0, wrk (the load driver) to core 1. Each Bulwark measurement is
# followed at once by its bare twin on the same core (Bulwark idles meanwhile), so load from
# elsewhere on the machine hits both alike; "ratio" is Bulwark / bare req/s, "cpu x" Bulwark /
# bare server CPU per request.
# usage: bash bench/gateway.sh [duration-seconds] [connections] [rounds]
#        GATEWAY_BENCH_PORT=4610 (HTTPS; HTTP +1, the bare servers +10 and +11)
#        BULWARK_HTTP_ENGINE=node measures Bulwark on node:http instead of its own HTTP/1.1 engine
# needs: npx tsc -p tsconfig.json; wrk, openssl and taskset
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
CONN=${2:-64}
ROUNDS=${3:-1}
BASE_PORT=${GATEWAY_BENCH_PORT:-4610}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
export AWS_ACCESS_KEY_ID=AKIABENCHADMIN000001
export AWS_SECRET_ACCESS_KEY=benchAdminSecret/0123456789abcdefghijklmnop
export BULWARK_ADMIN_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID BULWARK_ADMIN_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
export BULWARK_ROOT_KEY=$(openssl rand -base64 32) BULWARK_LOG_LEVEL=warn
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 1 -subj /CN=localhost 2>/dev/null

# wrk --latency output → "req/s p50 p99 non2xx socket-errors?" (nothing when wrk printed no rate)
summary() {
  awk '/^Requests\/sec/ {r=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {n=$NF} /Socket errors/ {e=1} END {if (r != "") printf "%s %s %s %s %s", r, p50, p99, (n==""?0:n), e+0}'
}

run_wrk() { # url lua
  taskset -c 1 wrk -t1 -c"$CONN" -d"${DUR}s" --timeout 10s --latency -s "$2" "$1"
}

# CPU time (user + system, every thread, clock ticks) a process has used so far.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# The same for the main thread alone (its task id is the process id).
main_ticks() { awk '{print $14 + $15}' "/proc/$1/task/$1/stat"; }

# Server CPU µs per request over a wrk run: pid ticks-before ticks-after wrk-output
cpu_per_req() {
  local reqs hz
  reqs=$(awk '/requests in/ {print $1}' "$4")
  hz=$(getconf CLK_TCK)
  awk -v a="$2" -v b="$3" -v n="${reqs:-0}" -v hz="$hz" 'BEGIN {printf "%.0f", (n > 0 ? (b - a) * 1e6 / hz / n : 0)}'
}

wait_port() { for _ in $(seq 1 600); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not up" >&2; return 1; }

# cpu µs = the server's CPU time (all threads, user + system) per request: what one core can serve,
# unaffected by whatever else slows the load driver down; "main" = the main thread's share of it (the
# rest is the audit writer, the WAL checkpointer and V8's helper threads).
printf "%-6s %-21s %11s %8s %8s %6s %6s %11s %8s %8s %6s %6s %6s\n" scheme operation "bulwark r/s" p50 p99 "cpu µs" "main" "bare r/s" p50 p99 "cpu µs" ratio "cpu x"
for ROUND in $(seq 1 "$ROUNDS"); do
  for MODE in https http; do
    PORT=$BASE_PORT; [ "$MODE" = http ] && PORT=$((BASE_PORT + 1))
    FLAGS=""; [ "$MODE" = http ] && FLAGS="--plain-http"
    rm -rf "$WORK/data"
    taskset -c 0 node dist/src/cli/main.js serve --data-dir "$WORK/data" --listen 127.0.0.1:$PORT $FLAGS >"$WORK/server-$MODE.log" 2>&1 &
    SPID=$!
    wait_port $PORT
    # Create the organization first so DescribeOrganization answers 200.
    NODE_TLS_REJECT_UNAUTHORIZED=0 AWS_CA_BUNDLE= node bench/org-setup.mjs "$MODE://127.0.0.1:$PORT" 2>/dev/null
    for OP in GetCallerIdentity DescribeOrganization; do
      NODE_TLS_REJECT_UNAUTHORIZED=0 node bench/signed-request.mjs "$MODE://127.0.0.1:$PORT" $OP "$WORK/$OP-$MODE" >/dev/null 2>&1
      # Warm-up (JIT, caches), not measured: five runs, each on new connections, because the
      # first connections to close make V8 deoptimise and recompile the request path.
      for _ in 1 2 3 4 5; do taskset -c 1 wrk -t1 -c"$CONN" -d1s -s "$WORK/$OP-$MODE.lua" "$MODE://127.0.0.1:$PORT/" >/dev/null || true; done
      T0=$(ticks $SPID)
      M0=$(main_ticks $SPID)
      run_wrk "$MODE://127.0.0.1:$PORT/" "$WORK/$OP-$MODE.lua" >"$WORK/wrk.out" 2>&1 || true
      B_CPU=$(cpu_per_req $SPID "$T0" "$(ticks $SPID)" "$WORK/wrk.out")
      B_MAIN=$(cpu_per_req $SPID "$M0" "$(main_ticks $SPID)" "$WORK/wrk.out")
      read -r B_RPS B_P50 B_P99 B_N B_E <<<"$(summary <"$WORK/wrk.out")"
      if [ -z "$B_RPS" ]; then echo "wrk against Bulwark failed:" >&2; tail -5 "$WORK/wrk.out" >&2; tail -5 "$WORK/server-$MODE.log" >&2; fi
      cp "$WORK/wrk.out" "$WORK/wrk.bulwark"
      BARGS=""; [ "$MODE" = https ] && BARGS="$WORK/cert.pem $WORK/key.pem"
      taskset -c 0 node bench/bare-server.mjs $((PORT+10)) "$WORK/$OP-$MODE.response.json" $BARGS >/dev/null &
      BPID=$!
      wait_port $((PORT+10))
      taskset -c 1 wrk -t1 -c"$CONN" -d2s -s "$WORK/$OP-$MODE.lua" "$MODE://127.0.0.1:$((PORT+10))/" >/dev/null || true
      T0=$(ticks $BPID)
      run_wrk "$MODE://127.0.0.1:$((PORT+10))/" "$WORK/$OP-$MODE.lua" >"$WORK/wrk.out" 2>&1 || true
      R_CPU=$(cpu_per_req $BPID "$T0" "$(ticks $BPID)" "$WORK/wrk.out")
      read -r R_RPS R_P50 R_P99 R_N R_E <<<"$(summary <"$WORK/wrk.out")"
      kill $BPID; wait $BPID 2>/dev/null || true
      RATIO=$(awk -v a="$B_RPS" -v b="$R_RPS" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
      NOTE=""; [ "$B_N" != 0 ] && NOTE="  ($B_N non-2xx from Bulwark)"
      [ "${B_E:-0}" != 0 ] && NOTE="$NOTE  (Bulwark: $(grep 'Socket errors' "$WORK/wrk.bulwark" | sed 's/^ *//'))"
      [ "${R_E:-0}" != 0 ] && NOTE="$NOTE  (bare: $(grep 'Socket errors' "$WORK/wrk.out" | sed 's/^ *//'))"
      CPUX=$(awk -v a="$B_CPU" -v b="$R_CPU" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
      printf "%-6s %-21s %11s %8s %8s %6s %6s %11s %8s %8s %6s %6s %6s%s\n" "$MODE" "$OP" "$B_RPS" "$B_P50" "$B_P99" "$B_CPU" "$B_MAIN" "$R_RPS" "$R_P50" "$R_P99" "$R_CPU" "$RATIO" "$CPUX" "$NOTE"
    done
    kill -TERM $SPID; wait $SPID 2>/dev/null || true
  done
done
