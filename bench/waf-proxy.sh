#!/usr/bin/env bash
# The WAF through a real load-balancer listener: replay of the shared corpus (detection on CRS
# v3.3.4 PL1 attacks, false positives on benign.jsonl) and wrk throughput/latency against the
# upstream directly, a listener without a web ACL and listeners with managed rule groups.
# Bulwark and the upstream share core 0 (the serving side); the replayer and wrk run on core 1.
# usage: bash bench/waf-proxy.sh [duration-seconds] ["connections …"] [replay|throughput|all]
#   WAF_BENCH_OUT=dir keeps the replayer's JSON summaries and miss lists (default: a temp dir, removed).
# needs: npx tsc -p tsconfig.json; wrk, openssl, taskset; the corpus in ../shared/waf-corpus
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-20}
CONNS=${2:-"32 1"}
WHAT=${3:-all}
SHARED=$(cd .. && pwd)/shared
CORPUS=$SHARED/waf-corpus
[ -f "$CORPUS/replay.mjs" ] || { echo "corpus not found at $CORPUS" >&2; exit 2; }
WORK=$(mktemp -d)
OUT=${WAF_BENCH_OUT:-$WORK/out}
mkdir -p "$OUT"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
export AWS_ACCESS_KEY_ID=AKIABENCHADMIN000001
export AWS_SECRET_ACCESS_KEY=benchAdminSecret/0123456789abcdefghijklmnop
export BULWARK_ADMIN_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID BULWARK_ADMIN_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
export BULWARK_ROOT_KEY=$(openssl rand -base64 32) BULWARK_LOG_LEVEL=warn
# Shield standard limits that would act on the benchmark for non-WAF reasons: all traffic is one
# client IP (default 256 connections per IP), and wrk keeps its connections for the whole run
# (default: Connection: close after 10,000 requests, i.e. a reconnect every second at 10k req/s).
# The other limits (16 KiB header block, 100 MiB body, timeouts, 64 B/s body rate) do not touch
# the corpus: its largest header block is ~3 KiB, its largest body 64 KB, sent at once.
export BULWARK_DATAPLANE_MAX_CONNECTIONS_PER_IP=10000
export BULWARK_DATAPLANE_MAX_REQUESTS_PER_CONNECTION=100000000
API=4670; UP=4680; NONE=4690; CORE3=4691; FULL=4692

load() { cut -d' ' -f1-3 /proc/loadavg; }
wait_port() { for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 not up" >&2; return 1; }
replay() { # label port out-name corpus filter
  taskset -c 1 node "$CORPUS/replay.mjs" --url "http://127.0.0.1:$2" --corpus "$CORPUS/$4" --filter "$5" \
    --label "$1" --json "$OUT/$3.json" --misses "$OUT/$3.misses.jsonl" | sed -n '2,5p'
  echo "  load average: $(load)"
}
tput() { # label port conns [duration]
  taskset -c 1 node bench/waf-tput.mjs --replay "$CORPUS/replay.mjs" --server-pid "$SRV" --upstream-pid "$UPS" --json "$OUT/tput-$1-c$3.json" -- \
    --url "http://127.0.0.1:$2" --connections "$3" --duration "${4:-$DUR}" --label "$(printf '%-14s c=%-3s' "$1" "$3")"
}

echo "date: $(date -u +%FT%TZ); $(nproc) cores; node $(node --version); load average before start: $(load)"
taskset -c 0 node bench/proxy-upstream.mjs $UP >/dev/null &
UPS=$!
taskset -c 0 node dist/src/cli/main.js serve --data-dir "$WORK/data" --listen 127.0.0.1:$API >"$WORK/server.log" 2>&1 &
SRV=$!
wait_port $UP; wait_port $API
NODE_TLS_REJECT_UNAUTHORIZED=0 node --no-warnings bench/waf-proxy-setup.mjs "https://127.0.0.1:$API" $UP $NONE $CORE3 $FULL | tee "$OUT/setup.json"

if [ "$WHAT" != throughput ]; then
  echo "== replay (listener $FULL, web ACL 'full'; direct upstream as a control)"
  PL1='r.crs_pl===1'
  replay "direct v3 PL1" $UP direct-v3-pl1 crs-regression.jsonl "$PL1"
  replay "full v3 PL1" $FULL full-v3-pl1 crs-regression.jsonl "$PL1"
  replay "full v4 PL1" $FULL full-v4-pl1 crs-regression-v4.jsonl "$PL1 && !r.needs_reflecting_backend"
  replay "full benign" $FULL full-benign benign.jsonl 'true'
  replay "full benign-no-hard" $FULL full-benign-nohard benign.jsonl "!r.category.startsWith('hard-')"
  replay "core3 v3 PL1" $CORE3 core3-v3-pl1 crs-regression.jsonl "$PL1"
  replay "core3 benign" $CORE3 core3-benign benign.jsonl 'true'
  echo "== listener vs in-process (bench/waf-accuracy.mjs's evaluation, same groups): lines whose verdict differs"
  for N in full-v3-pl1 full-v4-pl1 full-benign; do node bench/waf-proxy-diff.mjs "$OUT" "$N"; done
fi

if [ "$WHAT" != replay ]; then
  echo "== throughput (wrk, 1 thread, ${DUR}s per run; builtin benign GET and SQLi GET)"
  # JIT warm-up of every path (not reported): the first seconds of a fresh process run slower.
  for P in $UP $NONE $CORE3 $FULL; do tput warmup $P 32 5 >/dev/null; done
  for C in $CONNS; do
    tput direct $UP "$C"
    tput listener $NONE "$C"
    tput "listener+core3" $CORE3 "$C"
    tput "listener+full" $FULL "$C"
  done
fi
echo "load average at the end: $(load)"
# Warnings and errors the server logged (pino JSON lines; the start-up banner is left out).
grep '^{' "$WORK/server.log" | head -20 || true
