#!/usr/bin/env bash
# Proxy throughput and added latency of an ELBv2 listener: wrk against the upstream directly,
# then through an HTTP and an HTTPS listener forwarding to it. Bulwark and the upstream share
# core 0 (the serving side); wrk (the load driver) runs on core 1.
# usage: bash bench/proxy.sh [duration-seconds] ["connections …"]
# needs: npx tsc -p tsconfig.json; wrk, openssl, taskset
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
CONNS=${2:-"1 16 64"}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
export AWS_ACCESS_KEY_ID=AKIABENCHADMIN000001
export AWS_SECRET_ACCESS_KEY=benchAdminSecret/0123456789abcdefghijklmnop
export BULWARK_ADMIN_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID BULWARK_ADMIN_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
export BULWARK_ROOT_KEY=$(openssl rand -base64 32) BULWARK_LOG_LEVEL=warn
# Bench traffic is one client IP with many connections: keep Shield's per-IP limit out of the way.
export BULWARK_DATAPLANE_MAX_CONNECTIONS_PER_IP=10000
API=4640; UP=4650; LHTTP=4660; LHTTPS=4661

wait_port() { for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not up" >&2; return 1; }
run() { # label url conns
  local out rps p50 p99
  out=$(taskset -c 1 wrk -t1 -c"$3" -d"${DUR}s" --latency "$2")
  rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  printf "%-16s c=%-3s %10s req/s   p50 %-8s p99 %s\n" "$1" "$3" "$rps" "$p50" "$p99"
}

taskset -c 0 node bench/proxy-upstream.mjs $UP >/dev/null &
taskset -c 0 node dist/src/cli/main.js serve --data-dir "$WORK/data" --listen 127.0.0.1:$API >"$WORK/server.log" 2>&1 &
wait_port $UP; wait_port $API
NODE_TLS_REJECT_UNAUTHORIZED=0 node bench/proxy-setup.mjs "https://127.0.0.1:$API" $UP $LHTTP $LHTTPS
for C in $CONNS; do
  run "direct" "http://127.0.0.1:$UP/" "$C"
  run "listener-http" "http://127.0.0.1:$LHTTP/" "$C"
  run "listener-https" "https://127.0.0.1:$LHTTPS/" "$C"
done
