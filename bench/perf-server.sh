#!/usr/bin/env bash
# Where the real HTTPS server's CPU goes, by function: Linux `perf` samples a Bulwark server
# (pinned to core 0) while wrk (core 1, one thread, 64 connections) replays a signed KMS request
# (Encrypt by default), then bench/perf-report.mjs prints the share of the samples by thread (the
# event loop, the audit writer, the WAL checkpointer, V8's helpers), the request path's own
# functions inclusive of what they call, and the busiest single symbols.
#
# Unlike bench/callgrind-pipeline.sh this measures the whole server, TLS and the kernel's share
# included, at full speed; like any sampling profile it moves with the VM (compare shares, not
# absolute rates). JavaScript frames are named from node's --perf-basic-prof map: V8 frees
# optimised code and reuses its addresses, and the map lists every code object ever made, so an
# address can appear under several names; the report keeps the latest entry of each address
# range (the code living there when the samples were taken), or the samples land on functions
# that were compiled once at start-up and freed.
#
# usage: npx tsc -p tsconfig.json && bash bench/perf-server.sh [operation=Encrypt] [seconds=8] [frequency-hz=2999]
#        PERF_SERVER_PORT=4660, PERF_REPORT_TOP=30 (lines per list)
# needs: perf, wrk, openssl, taskset (apt-get install linux-perf wrk openssl util-linux)
set -euo pipefail
cd "$(dirname "$0")/.."
OP=${1:-Encrypt}
DUR=${2:-8}
HZ=${3:-2999}
PORT=${PERF_SERVER_PORT:-4660}
WORK=$(mktemp -d)
SPID=""
trap 'kill $SPID 2>/dev/null || true; rm -rf "$WORK"; [ -z "$SPID" ] || rm -f "/tmp/perf-$SPID.map"' EXIT
export AWS_ACCESS_KEY_ID=AKIABENCHADMIN000001 AWS_SECRET_ACCESS_KEY=benchAdminSecret/0123456789abcdefghijklmnop
export BULWARK_ADMIN_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID BULWARK_ADMIN_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
export BULWARK_ROOT_KEY=$(openssl rand -base64 32) BULWARK_LOG_LEVEL=warn
! (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null || { echo "port $PORT is in use (set PERF_SERVER_PORT)" >&2; exit 1; }

taskset -c 0 node --perf-basic-prof --no-compact-code-space dist/src/cli/main.js serve --data-dir "$WORK/data" --listen 127.0.0.1:$PORT >"$WORK/server.log" 2>&1 &
SPID=$!
for _ in $(seq 1 1200); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
NODE_TLS_REJECT_UNAUTHORIZED=0 AWS_CA_BUNDLE= node bench/kms-requests.mjs "https://127.0.0.1:$PORT" "$WORK" >/dev/null 2>&1
[ -f "$WORK/$OP.lua" ] || { echo "no signed request for $OP (Encrypt, Decrypt, GenerateDataKey)" >&2; exit 1; }
# Warm-up on new connections each time (see bench/kms.sh), not sampled.
for _ in 1 2 3 4 5; do taskset -c 1 wrk -t1 -c64 -d1s -s "$WORK/$OP.lua" "https://127.0.0.1:$PORT/" >/dev/null || true; done

perf record -F "$HZ" -g -p "$SPID" -o "$WORK/perf.data" -- sleep "$DUR" >/dev/null 2>&1 &
PERF=$!
taskset -c 1 wrk -t1 -c64 -d"${DUR}s" --latency -s "$WORK/$OP.lua" "https://127.0.0.1:$PORT/" >"$WORK/wrk.txt"
wait $PERF
echo "$OP, 64 connections, ${DUR} s: $(awk '/^Requests\/sec/ {r=$2} $1 == "99%" {p=$2} END {printf "%s req/s, p99 %s", r, p}' "$WORK/wrk.txt")"
kill "$SPID"
wait "$SPID" 2>/dev/null || true
node bench/perf-report.mjs map "/tmp/perf-$SPID.map"
perf script -i "$WORK/perf.data" -F tid,ip,sym 2>/dev/null | node bench/perf-report.mjs report "$SPID" "${PERF_REPORT_TOP:-30}"
