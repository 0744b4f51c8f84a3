#!/usr/bin/env bash
# KMS request throughput, latency and server CPU per request through Bulwark vs a bare
# node:https server answering the same bytes: validly signed Encrypt (256-byte plaintext,
# two-pair encryption context), Decrypt and GenerateDataKey replayed by wrk at several
# concurrencies over HTTPS. Servers pinned to core 0, wrk to core 1; one wrk thread. Each Bulwark
# measurement is followed at once by its bare twin on the same core (the other servers idle
# meanwhile), so load from elsewhere on the machine hits both alike.
#   cpu µs  the server's CPU time (all threads, user + system) per request: what one core can
#           serve, unaffected by whatever else slows the load driver down;
#   ratio   req/s / bare req/s;  cpu x  cpu µs / bare cpu µs.
# With KMS_BENCH_BASELINE=<another checkout, built> a "baseline" Bulwark from that tree is measured
# too, between this tree's and the bare server (before/after in one run).
# With rounds > 1 every (operation, concurrency) is measured that many times, the servers
# interleaved, and each server's fastest round is shown: on a shared machine a stall of a few
# seconds elsewhere otherwise decides a whole row.
# usage: bash bench/kms.sh [duration-seconds=10] ["concurrencies"="1 16 64"] [rounds=1]
#        KMS_BENCH_PORT=4620 (this tree; baseline +1, bare servers +10…+13)
#        KMS_BENCH_OPS="Encrypt Decrypt GenerateDataKey" (also: UpdateKeyDescription, a write)
# needs: npx tsc -p tsconfig.json; wrk, openssl, taskset (apt-get install wrk openssl util-linux)
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
CONNS=${2:-"1 16 64"}
ROUNDS=${3:-1}
OPS=${KMS_BENCH_OPS:-"Encrypt Decrypt GenerateDataKey"}
PORT=${KMS_BENCH_PORT:-4620}
BASELINE=${KMS_BENCH_BASELINE:-}
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -n "${KMS_BENCH_KEEP:-}" ] || rm -rf "$WORK"' EXIT
export AWS_ACCESS_KEY_ID=AKIABENCHADMIN000001
export AWS_SECRET_ACCESS_KEY=benchAdminSecret/0123456789abcdefghijklmnop
export BULWARK_ADMIN_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID BULWARK_ADMIN_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
export BULWARK_ROOT_KEY=$(openssl rand -base64 32) BULWARK_LOG_LEVEL=warn
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 1 -subj /CN=localhost 2>/dev/null

wait_port() { for _ in $(seq 1 1200); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not up" >&2; return 1; }
port_free() { ! (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null || { echo "port $1 is in use (set KMS_BENCH_PORT)" >&2; return 1; }; }
for P in $PORT $((PORT + 1)) $((PORT + 10)) $((PORT + 11)) $((PORT + 12)) $((PORT + 13)); do port_free $P; done

# CPU time (user + system, every thread, clock ticks) a process has used so far.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# One wrk run against pid's server; prints "req/s p50 p99 non2xx cpu-µs-per-request".
measure() { # url lua connections pid
  local t0 out
  t0=$(ticks "$4")
  out=$(taskset -c 1 wrk -t1 -c"$3" -d"${DUR}s" --timeout 10s --latency -s "$2" "$1")
  echo "$out" | awk -v a="$t0" -v b="$(ticks "$4")" -v hz="$(getconf CLK_TCK)" '
    /^Requests\/sec/ {r=$2} $1 == "50%" {p50=$2} $1 == "99%" {p99=$2} /Non-2xx/ {n=$NF} /requests in/ {reqs=$1}
    END {printf "%s %s %s %s %.0f", r, p50, p99, (n == "" ? 0 : n), (reqs > 0 ? (b - a) * 1e6 / hz / reqs : 0)}'
}

# The faster of two measure() results (by req/s); the first when the second is empty.
faster() { awk -v a="$1" -v b="$2" 'BEGIN {split(a, x, " "); split(b, y, " "); print (b != "" && y[1] + 0 > x[1] + 0) ? b : a}'; }

# Five runs, each on new connections: the first connections to close make V8 deoptimise and
# recompile the request path, which should not land in the measured run.
warm() { for _ in 1 2 3 4 5; do taskset -c 1 wrk -t1 -c64 -d1s -s "$2" "$1" >/dev/null || true; done; }

# A Bulwark server from a tree, with its key and signed requests in its own directory.
start_bulwark() { # tree port dir → pid in $STARTED
  mkdir -p "$3"
  (cd "$1" && exec taskset -c 0 node dist/src/cli/main.js serve --data-dir "$3/data" --listen 127.0.0.1:$2) >"$3/server.log" 2>&1 &
  STARTED=$!
  wait_port "$2"
  NODE_TLS_REJECT_UNAUTHORIZED=0 AWS_CA_BUNDLE= node bench/kms-requests.mjs "https://127.0.0.1:$2" "$3" >&2
}

start_bulwark . $PORT "$WORK/this"
SPID=$STARTED
if [ -n "$BASELINE" ]; then
  start_bulwark "$BASELINE" $((PORT + 1)) "$WORK/baseline"
  BASE_PID=$STARTED
fi
# One bare server per operation (this tree's real response bytes), also on core 0.
BPORT=$((PORT + 10))
for OP in $OPS; do
  taskset -c 0 node bench/bare-server.mjs $BPORT "$WORK/this/$OP.response.json" "$WORK/cert.pem" "$WORK/key.pem" >/dev/null &
  eval "BARE_PID_$OP=$!"
  wait_port $BPORT
  eval "BARE_$OP=$BPORT"
  BPORT=$((BPORT + 1))
done

row() { # server op c "rps p50 p99 non2xx cpu" bare-rps bare-cpu
  local rps p50 p99 n cpu note=""
  read -r rps p50 p99 n cpu <<<"$4"
  [ "$n" != 0 ] && note="  ($n non-2xx)"
  printf "%-9s %-16s %4s %10s %9s %9s %7s %6s %6s%s\n" "$1" "$2" "$3" "$rps" "$p50" "$p99" "$cpu" \
    "$(awk -v a="$rps" -v b="$5" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')" \
    "$(awk -v a="$cpu" -v b="$6" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')" "$note"
}

printf "%-9s %-16s %4s %10s %9s %9s %7s %6s %6s\n" server operation c "req/s" p50 p99 "cpu µs" ratio "cpu x"
for OP in $OPS; do
  P=$(eval "echo \$BARE_$OP")
  BP=$(eval "echo \$BARE_PID_$OP")
  # Warm-up (JIT, caches), not measured.
  warm "https://127.0.0.1:$PORT/" "$WORK/this/$OP.lua"
  [ -n "$BASELINE" ] && warm "https://127.0.0.1:$((PORT + 1))/" "$WORK/baseline/$OP.lua"
  warm "https://127.0.0.1:$P/" "$WORK/this/$OP.lua"
  for C in $CONNS; do
    THIS="" BASE="" BARE=""
    for _ in $(seq 1 "$ROUNDS"); do
      THIS=$(faster "$(measure "https://127.0.0.1:$PORT/" "$WORK/this/$OP.lua" "$C" $SPID)" "$THIS")
      [ -n "$BASELINE" ] && BASE=$(faster "$(measure "https://127.0.0.1:$((PORT + 1))/" "$WORK/baseline/$OP.lua" "$C" $BASE_PID)" "$BASE")
      BARE=$(faster "$(measure "https://127.0.0.1:$P/" "$WORK/this/$OP.lua" "$C" "$BP")" "$BARE")
    done
    read -r R_RPS _ _ _ R_CPU <<<"$BARE"
    row bulwark "$OP" "$C" "$THIS" "$R_RPS" "$R_CPU"
    [ -n "$BASELINE" ] && row baseline "$OP" "$C" "$BASE" "$R_RPS" "$R_CPU"
    row bare "$OP" "$C" "$BARE" "$R_RPS" "$R_CPU"
  done
done
