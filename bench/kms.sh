#!/usr/bin/env bash
# KMS request throughput and latency through Bulwark vs a bare node:https server answering the
# same bytes, each Bulwark measurement followed at once by its bare twin: validly signed Encrypt (256-byte plaintext, two-pair encryption context), Decrypt
# and GenerateDataKey replayed by wrk at several concurrencies over HTTPS. Server pinned to
# core 0, wrk to core 1; one wrk thread. Prints one line per (server, operation, concurrency).
# usage: bash bench/kms.sh [duration-seconds=10] ["concurrencies"="1 16 64"]
# needs: npm run build; wrk, openssl, taskset (apt-get install wrk openssl util-linux)
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
CONNS=${2:-"1 16 64"}
OPS="Encrypt Decrypt GenerateDataKey"
PORT=4620
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
export AWS_ACCESS_KEY_ID=AKIABENCHADMIN000001
export AWS_SECRET_ACCESS_KEY=benchAdminSecret/0123456789abcdefghijklmnop
export BULWARK_ADMIN_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID BULWARK_ADMIN_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
export BULWARK_ROOT_KEY=$(openssl rand -base64 32) BULWARK_LOG_LEVEL=warn
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 1 -subj /CN=localhost 2>/dev/null

wait_port() { for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not up" >&2; return 1; }

# One wrk run; prints "req/s p50 p99 non2xx".
measure() { # url lua connections
  local out
  out=$(taskset -c 1 wrk -t1 -c"$3" -d"${DUR}s" --latency -s "$2" "$1")
  local rps p50 p99 non2xx
  rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  echo "$rps $p50 $p99 ${non2xx:-0}"
}

report() { # server op conns "rps p50 p99 non2xx"
  read -r rps p50 p99 non2xx <<<"$4"
  printf '%-8s %-16s c=%-3s %10s req/s  p50 %8s  p99 %8s  non-2xx %s\n' "$1" "$2" "$3" "$rps" "$p50" "$p99" "$non2xx"
}

taskset -c 0 node dist/src/cli/main.js serve --data-dir "$WORK/data" --listen 127.0.0.1:$PORT >"$WORK/server.log" 2>&1 &
SPID=$!
wait_port $PORT
NODE_TLS_REJECT_UNAUTHORIZED=0 AWS_CA_BUNDLE= node bench/kms-requests.mjs "https://127.0.0.1:$PORT" "$WORK" >&2
# One bare server per operation, also on core 0 (idle while the other is measured). Each
# Bulwark measurement is followed at once by its bare twin, so load from elsewhere on the
# machine hits both alike.
BPORT=$((PORT + 10))
for OP in $OPS; do
  taskset -c 0 node bench/bare-server.mjs $BPORT "$WORK/$OP.response.json" "$WORK/cert.pem" "$WORK/key.pem" >/dev/null &
  wait_port $BPORT
  eval "BARE_$OP=$BPORT"
  BPORT=$((BPORT + 1))
done
for OP in $OPS; do
  for C in $CONNS; do
    report bulwark "$OP" "$C" "$(measure "https://127.0.0.1:$PORT/" "$WORK/$OP.lua" "$C")"
    P=$(eval "echo \$BARE_$OP")
    report bare "$OP" "$C" "$(measure "https://127.0.0.1:$P/" "$WORK/$OP.lua" "$C")"
  done
done
