#!/usr/bin/env bash
# What deletes beside a steady load cost the load: Encrypt replayed by wrk at c64 over HTTPS
# (bench/kms-requests.mjs's signed request) while bench/delete-churn.mjs makes one create-then-
# delete pair every <period-ms> through the SDKs (mode grant, alias, accesskey, put, or none).
# Several trees (checkouts, each built) are measured in turn, round after round, each server on
# core 0 and wrk and the churn on core 1; per round and tree: req/s, latency percentiles, the
# server's CPU per request (all threads), and how many pairs were made.
# usage: bash bench/delete-churn.sh [rounds=6] [period-ms=500] [mode=grant] [tree...=.]
#        DELETE_CHURN_PORT=4650 (trees on consecutive ports)
# needs: npx tsc -p tsconfig.json in every tree; wrk, openssl and taskset
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-6}
PERIOD=${2:-500}
MODE=${3:-grant}
shift $(($# < 3 ? $# : 3))
TREES=("$@")
[ ${#TREES[@]} -gt 0 ] || TREES=(.)
PORT=${DELETE_CHURN_PORT:-4650}
DUR=6
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
export AWS_ACCESS_KEY_ID=AKIABENCHADMIN000001
export AWS_SECRET_ACCESS_KEY=benchAdminSecret/0123456789abcdefghijklmnop
export BULWARK_ADMIN_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID BULWARK_ADMIN_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
export BULWARK_ROOT_KEY=$(openssl rand -base64 32) BULWARK_LOG_LEVEL=warn AWS_REGION=us-east-1
export NODE_TLS_REJECT_UNAUTHORIZED=0 NODE_NO_WARNINGS=1

wait_port() { for _ in $(seq 1 1200); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not up" >&2; return 1; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

PIDS=()
for i in "${!TREES[@]}"; do
  P=$((PORT + i)) D="$WORK/$i"
  mkdir -p "$D"
  (cd "${TREES[$i]}" && exec taskset -c 0 node dist/src/cli/main.js serve --data-dir "$D/data" --listen 127.0.0.1:$P) >"$D/server.log" 2>&1 &
  PIDS+=($!)
  wait_port $P
  node bench/kms-requests.mjs "https://127.0.0.1:$P" "$D" >/dev/null
  cat >>"$D/Encrypt.lua" <<'LUA'
done = function(s, l, r)
  io.write(string.format("RESULT %.0f %.2f %.2f %.2f %.2f %d\n", s.requests / (s.duration / 1e6), l:percentile(50) / 1000,
    l:percentile(99) / 1000, l:percentile(99.9) / 1000, l.max / 1000, s.requests))
end
LUA
  for _ in 1 2 3 4 5; do taskset -c 1 wrk -t1 -c64 -d1s -s "$D/Encrypt.lua" "https://127.0.0.1:$P/" >/dev/null || true; done
done

printf "%-5s %-24s %8s %8s %8s %8s %8s %7s %6s\n" round tree "req/s" "p50 ms" "p99 ms" "p99.9" "max ms" "cpu µs" pairs
for r in $(seq 1 "$ROUNDS"); do
  for i in "${!TREES[@]}"; do
    P=$((PORT + i)) D="$WORK/$i" CP=""
    if [ "$MODE" != none ]; then
      taskset -c 1 node bench/delete-churn.mjs "https://127.0.0.1:$P" "$PERIOD" "$MODE" $((DUR + 1)) >"$D/pairs" &
      CP=$!
      sleep 0.8 # the SDK's start
    fi
    t0=$(ticks "${PIDS[$i]}")
    read -r _ rps p50 p99 p999 max reqs < <(taskset -c 1 wrk -t1 -c64 -d${DUR}s -s "$D/Encrypt.lua" "https://127.0.0.1:$P/" | grep '^RESULT') ||
      { echo "wrk reported nothing for ${TREES[$i]}; its server said:" >&2; tail -n 20 "$D/server.log" >&2; exit 1; }
    t1=$(ticks "${PIDS[$i]}")
    pairs=-
    if [ -n "$CP" ]; then wait "$CP"; pairs=$(cat "$D/pairs"); fi
    printf "%-5s %-24s %8s %8s %8s %8s %8s %7s %6s\n" "$r" "$(printf %s "${TREES[$i]}" | tail -c 24)" "$rps" "$p50" "$p99" "$p999" "$max" \
      "$(awk -v a="$t0" -v b="$t1" -v n="$reqs" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.0f", (b - a) * 1e6 / hz / n}')" "$pairs"
  done
done
