#!/usr/bin/env bash
# Authenticated requests/s through Bulwark vs a bare node:http(s) server answering the same
# bytes. Server pinned to core 0, wrk (the load driver) to core 1.
# usage: bash bench/gateway.sh [duration-seconds] [connections]
# needs: npm run build; wrk and openssl (apt-get install wrk openssl)
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
CONN=${2:-64}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
export AWS_ACCESS_KEY_ID=AKIABENCHADMIN000001
export AWS_SECRET_ACCESS_KEY=benchAdminSecret/0123456789abcdefghijklmnop
export BULWARK_ADMIN_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID BULWARK_ADMIN_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
export BULWARK_ROOT_KEY=$(openssl rand -base64 32) BULWARK_LOG_LEVEL=warn
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 1 -subj /CN=localhost 2>/dev/null

rate() { grep -E '^Requests/sec' | awk '{print $2}'; }
lat() { grep -E '^\s+Latency' | awk '{print $2}'; }

run_wrk() { # url lua
  taskset -c 1 wrk -t1 -c"$CONN" -d"${DUR}s" --latency -s "$2" "$1"
}

wait_port() { for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not up" >&2; return 1; }

for MODE in https http; do
  PORT=4610; [ "$MODE" = http ] && PORT=4611
  FLAGS=""; [ "$MODE" = http ] && FLAGS="--plain-http"
  rm -rf "$WORK/data"
  # Create the organization first so DescribeOrganization answers 200.
  taskset -c 0 node dist/src/cli/main.js serve --data-dir "$WORK/data" --listen 127.0.0.1:$PORT $FLAGS >"$WORK/server-$MODE.log" 2>&1 &
  SPID=$!
  wait_port $PORT
  NODE_TLS_REJECT_UNAUTHORIZED=0 AWS_CA_BUNDLE= node bench/org-setup.mjs "$MODE://127.0.0.1:$PORT"
  for OP in GetCallerIdentity DescribeOrganization; do
    NODE_TLS_REJECT_UNAUTHORIZED=0 node bench/signed-request.mjs "$MODE://127.0.0.1:$PORT" $OP "$WORK/$OP-$MODE" >/dev/null
    OUT=$(run_wrk "$MODE://127.0.0.1:$PORT/" "$WORK/$OP-$MODE.lua")
    NON2XX=$(echo "$OUT" | grep -E 'Non-2xx' || true)
    echo "bulwark $MODE $OP: $(echo "$OUT" | rate) req/s, mean latency $(echo "$OUT" | lat) $NON2XX"
  done
  kill -TERM $SPID; wait $SPID 2>/dev/null || true
  for OP in GetCallerIdentity DescribeOrganization; do
    BARGS=""; [ "$MODE" = https ] && BARGS="$WORK/cert.pem $WORK/key.pem"
    taskset -c 0 node bench/bare-server.mjs $((PORT+10)) "$WORK/$OP-$MODE.response.json" $BARGS >/dev/null &
    BPID=$!
    wait_port $((PORT+10))
    OUT=$(run_wrk "$MODE://127.0.0.1:$((PORT+10))/" "$WORK/$OP-$MODE.lua")
    echo "bare    $MODE $OP: $(echo "$OUT" | rate) req/s, mean latency $(echo "$OUT" | lat)"
    kill $BPID; wait $BPID 2>/dev/null || true
  done
done
