#!/usr/bin/env bash
# Where an Encrypt's server CPU goes, thread by thread: Bulwark and a bare node:https server
# answering the same bytes, each pinned to core 0, wrk (one thread, 64 connections) on core 1.
# For every thread of the server process: user and system CPU µs per request, write syscalls and
# bytes written per request, voluntary/involuntary context switches per request (from
# /proc/PID/task/*/{stat,io,status}); and how busy core 0 was during the run (/proc/stat), which
# shows how much of the core the server left idle.
# usage: npx tsc -p tsconfig.json && bash bench/kms-threads.sh [duration-seconds=8] [rounds=1]
#        KMS_THREADS_PORT=4650 (Bulwark; the bare server +1)
# needs: wrk, openssl, taskset
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-8}
ROUNDS=${2:-1}
PORT=${KMS_THREADS_PORT:-4650}
WORK=$(mktemp -d)
SPID="" BPID=""
trap 'kill $SPID $BPID 2>/dev/null || true; rm -rf "$WORK"' EXIT
export AWS_ACCESS_KEY_ID=AKIABENCHADMIN000001 AWS_SECRET_ACCESS_KEY=benchAdminSecret/0123456789abcdefghijklmnop
export BULWARK_ADMIN_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID BULWARK_ADMIN_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
export BULWARK_ROOT_KEY=$(openssl rand -base64 32) BULWARK_LOG_LEVEL=warn
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 1 -subj /CN=localhost 2>/dev/null
wait_port() { for _ in $(seq 1 1200); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not up" >&2; return 1; }
for P in $PORT $((PORT + 1)); do
  ! (exec 3<>/dev/tcp/127.0.0.1/$P) 2>/dev/null || { echo "port $P is in use (set KMS_THREADS_PORT)" >&2; exit 1; }
done

mkdir -p "$WORK/this"
taskset -c 0 node dist/src/cli/main.js serve --data-dir "$WORK/this/data" --listen 127.0.0.1:$PORT >"$WORK/this/server.log" 2>&1 &
SPID=$!
wait_port $PORT
NODE_TLS_REJECT_UNAUTHORIZED=0 AWS_CA_BUNDLE= node bench/kms-requests.mjs "https://127.0.0.1:$PORT" "$WORK/this" >/dev/null
taskset -c 0 node bench/bare-server.mjs $((PORT + 1)) "$WORK/this/Encrypt.response.json" "$WORK/cert.pem" "$WORK/key.pem" >/dev/null &
BPID=$!
wait_port $((PORT + 1))

# One line per thread: tid user-ticks system-ticks wchar syscw voluntary-switches involuntary-switches.
snap() {
  for t in /proc/$1/task/*; do
    echo "$(basename "$t") $(awk '{print $14, $15}' "$t/stat") $(awk '/^wchar|^syscw/ {printf "%s ", $2}' "$t/io")$(awk '/voluntary_ctxt_switches/ {printf "%s ", $2}' "$t/status")"
  done | sort
}
# Busy and idle ticks of core 0 so far.
core0() { awk '/^cpu0 / {print $2 + $3 + $4 + $7 + $8, $5 + $6}' /proc/stat; }

run() { # port pid label
  for _ in 1 2 3; do taskset -c 1 wrk -t1 -c64 -d1s -s "$WORK/this/Encrypt.lua" "https://127.0.0.1:$1/" >/dev/null; done
  snap "$2" >"$WORK/a"
  local c0 out reqs
  c0=$(core0)
  out=$(taskset -c 1 wrk -t1 -c64 -d"${DUR}s" --latency -s "$WORK/this/Encrypt.lua" "https://127.0.0.1:$1/")
  snap "$2" >"$WORK/b"
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  echo "$3: $(echo "$out" | awk '/Requests\/sec/ {print $2}') req/s, p99 $(echo "$out" | awk '$1 == "99%" {print $2}'), core 0 busy $(echo "$c0 $(core0)" | awk '{printf "%.1f %%", ($3 - $1) * 100 / (($3 - $1) + ($4 - $2))}')"
  join "$WORK/a" "$WORK/b" | awk -v n="$reqs" -v hz="$(getconf CLK_TCK)" -v main="$2" '
    { u = ($8 - $2) * 1e6 / hz / n; s = ($9 - $3) * 1e6 / hz / n; tu += u; ts += s
      if (u + s >= 0.5) printf "  %-7s %-6s user %6.1f µs  sys %5.1f µs  writes %4.2f (%5.0f B)  switches %4.2f/%4.2f per request\n",
        $1, ($1 == main ? "main" : ""), u, s, ($11 - $5) / n, ($10 - $4) / n, ($12 - $6) / n, ($13 - $7) / n }
    END { printf "  all threads    user %6.1f µs  sys %5.1f µs  total %.1f µs per request\n", tu, ts, tu + ts }'
}
for _ in $(seq 1 "$ROUNDS"); do
  run $PORT $SPID bulwark
  run $((PORT + 1)) $BPID bare
done
