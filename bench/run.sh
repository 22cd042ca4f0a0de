#!/usr/bin/env bash
# The openhouse load benchmark, end to end: build, seed, serve, load with wrk, summarize.
# See bench/README.md for what is measured and the targets.
#
#   bench/run.sh [--leads N] [--pg-leads N] [--backend sqlite|postgres|both]
#                [--duration 10s] [--work DIR] [--reuse-seed]
#
# Environment: LEADS, PG_LEADS, BACKEND, DURATION, OPENHOUSE_BENCH_DIR, PG_URL, PORT,
# CEILING_PORT, CARGO_TARGET_DIR (the flags win).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LEADS=${LEADS:-1000000}
PG_LEADS=${PG_LEADS:-100000}
BACKEND=${BACKEND:-both}
DURATION=${DURATION:-10s}
WORK=${OPENHOUSE_BENCH_DIR:-/tmp/openhouse-bench}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PG_DB=openhouse_bench
PORT=${PORT:-28480}
CEILING_PORT=${CEILING_PORT:-28481}
REUSE_SEED=0
CONNECTIONS=64
THREADS=2
WARMUP=3s
RATE=1000000000

while [[ $# -gt 0 ]]; do
  case $1 in
    --leads) LEADS=$2; shift 2 ;;
    --pg-leads) PG_LEADS=$2; shift 2 ;;
    --backend) BACKEND=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --reuse-seed) REUSE_SEED=1; shift ;;
    -h|--help) sed -n 2,10p "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case $BACKEND in sqlite|postgres|both) ;; *) echo "run.sh: --backend is sqlite, postgres or both" >&2; exit 2 ;; esac

for tool in wrk python3 curl cargo; do
  command -v $tool >/dev/null || { echo "run.sh: $tool is missing (wrk: apt-get install -y wrk)" >&2; exit 1; }
done
[[ $BACKEND == sqlite ]] || command -v psql >/dev/null || { echo "run.sh: psql is missing" >&2; exit 1; }

mkdir -p "$WORK"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
LOG=$WORK/run-$STAMP
mkdir -p "$LOG"
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

# --- processes this script starts, always stopped on exit ---------------------------------
PIDS=()
stop() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() { for pid in "${PIDS[@]}"; do stop "$pid"; done; PIDS=(); }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts a server in the background, waits until it answers on the port; sets SERVER_PID.
start() {
  local name=$1 port=$2; shift 2
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
    echo "run.sh: something already listens on port $port: pick another with PORT / CEILING_PORT" >&2; exit 1
  fi
  "$@" >"$LOG/$name.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 6000); do   # up to 10 minutes: a new migration may build indexes over the seed
    curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$LOG/$name.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "run.sh: $name did not start on port $port" >&2; exit 1
}
finish() {
  stop "$SERVER_PID"
  local rest=() pid
  for pid in "${PIDS[@]}"; do [[ $pid == "$SERVER_PID" ]] || rest+=("$pid"); done
  PIDS=("${rest[@]}")
}

# --- measurements -----------------------------------------------------------------------------
declare -A R   # results by name
field() { sed -n "s/.*[ ]$2=\([^ ]*\).*/\1/p" <<<"$1" | head -1; }

# load NAME PORT KEY METHOD PREFIX FILE: a warm-up, then one measured wrk run; records rps and p99.
load() {
  local name=$1 port=$2 key=$3 method=$4 prefix=$5 file=$6 out line
  local args=(-t"$THREADS" -c"$CONNECTIONS" --timeout 10s -H "Authorization: token $key"
    -s "$ROOT/bench/wrk/random.lua" "http://127.0.0.1:$port" -- "$method" "$prefix" "$file")
  timeout 60 wrk -d"$WARMUP" "${args[@]}" >"$LOG/$name.warmup.txt"
  out=$(timeout 120 wrk -d"$DURATION" --latency "${args[@]}")
  echo "$out" >"$LOG/$name.wrk.txt"
  line=$(grep '^RESULT' <<<"$out")
  R[$name.n]=$(field "$line" requests)
  R[$name.rps]=$(field "$line" rps)
  R[$name.p50]=$(field "$line" p50_ms)
  R[$name.p99]=$(field "$line" p99_ms)
  R[$name.bad]=$(( $(field "$line" non2xx) + $(field "$line" errors) ))
  log "$name: ${R[$name.rps]} req/s, p50 ${R[$name.p50]} ms, p99 ${R[$name.p99]} ms, non-2xx/errors ${R[$name.bad]}" \
    "(load average $(cut -d' ' -f1-3 /proc/loadavg))"
}

# rss NAME PID: VmRSS and VmHWM of the server, in MB.
rss() {
  R[$1.rss]=$(awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$2/status")
  R[$1.hwm]=$(awk '/^VmHWM/ {printf "%.1f", $2/1024}' "/proc/$2/status")
  log "server memory $1: VmRSS ${R[$1.rss]} MB, VmHWM ${R[$1.hwm]} MB"
}

key_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["apiKey"])' "$1/credentials.json"; }

# seed DIR URL N [FLAGS…]: seeds unless --reuse-seed finds a finished seed there.
seed() {
  local dir=$1 url=$2 n=$3; shift 3
  if [[ $REUSE_SEED == 1 && -f $dir/seed.json ]]; then
    log "reusing the seed in $dir"
    return 0
  fi
  rm -rf "$dir"; mkdir -p "$dir"
  log "seeding $n leads into $url"
  "$BIN/openhouse-bench" seed --database-url "$url" --leads "$n" --out "$dir" "$@"
}

serve() { # serve NAME URL: a server, measured once ready (its search index built)
  local t0=$SECONDS
  start "$1" "$PORT" "$BIN/openhouse" serve --database-url "$2" --listen "127.0.0.1:$PORT" \
    --rate-limit "$RATE" --rate-limit-unvendored "$RATE"
  for _ in $(seq 6000); do
    if curl -sf -o /dev/null "http://127.0.0.1:$PORT/readyz"; then
      log "$1 ready after $((SECONDS - t0)) s"
      return 0
    fi
    sleep 0.1
  done
  echo "run.sh: $1 did not become ready" >&2; exit 1
}

# ceiling FILE: the fixed-body server loaded like GET by id, once a run (before the first reads).
ceiling() {
  [[ -z ${R[ceiling.rps]:-} ]] || return 0
  start ceiling "$CEILING_PORT" "$BIN/openhouse-bench" ceiling --listen "127.0.0.1:$CEILING_PORT"
  load ceiling "$CEILING_PORT" none GET /v1.0/leads/ "$1"
  finish
}

# reads P DIR KEY: the read phases against the server just started (SERVER_PID), in order: GET
# by id, the hot set, search one at a time, scroll, search under wrk, memory; results named
# with the prefix P ("" for SQLite, pg_ for PostgreSQL).
reads() {
  local p=$1 dir=$2 key=$3 pid=$SERVER_PID serial scroll
  load "${p}get" "$PORT" "$key" GET /v1.0/leads/ "$dir/ids.txt"
  awk 'NR % 20 == 1' "$dir/ids.txt" >"$dir/hot-ids.txt"   # few enough for the server's lead cache
  load "${p}get_hot" "$PORT" "$key" GET /v1.0/leads/ "$dir/hot-ids.txt"
  rss "${p}get" "$pid"
  serial=$(timeout 600 python3 "$ROOT/bench/serial.py" --port "$PORT" --key "$key" --prefix /v1.0/leads \
    --file "$dir/searches.txt" --count 20)
  echo "$serial" >"$LOG/${p}search-serial.txt"
  R[${p}serial.p50]=$(field "$serial" median_ms)
  R[${p}serial.max]=$(field "$serial" max_ms)
  log "search, one at a time: median ${R[${p}serial.p50]} ms, max ${R[${p}serial.max]} ms"
  scroll=$(timeout 600 python3 "$ROOT/bench/scroll.py" --port "$PORT" --key "$key" --pages 400 --reps 50)
  echo "$scroll" >"$LOG/${p}scroll.txt"
  R[${p}scroll.pages]=$(field "$(grep scroll_walk <<<"$scroll")" pages)
  R[${p}scroll.p1]=$(field "$(grep 'page1 ' <<<"$scroll")" median_ms)
  R[${p}scroll.pn]=$(field "$(grep -v 'page1 ' <<<"$scroll" | grep 'RESULT page')" median_ms)
  R[${p}scroll.ratio]=$(field "$(grep -v 'page1 ' <<<"$scroll" | grep 'RESULT page')" ratio)
  log "scroll: page 1 ${R[${p}scroll.p1]} ms, page ${R[${p}scroll.pages]} ${R[${p}scroll.pn]} ms (x${R[${p}scroll.ratio]})"
  load "${p}search" "$PORT" "$key" GET /v1.0/leads "$dir/searches.txt"
  rss "${p}reads" "$pid"
  sleep 5   # let searches still running for closed connections finish before the writes
}

# --- build --------------------------------------------------------------------------------------
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
log "building release binaries in $CARGO_TARGET_DIR"
(cd "$ROOT" && cargo build --release --quiet -p openhouse-server -p openhouse-bench)
BIN=$CARGO_TARGET_DIR/release

# --- SQLite: ceiling, reads, scroll, writes, memory -----------------------------------------------
if [[ $BACKEND != postgres ]]; then
  dir=$WORK/sqlite-$LEADS
  seed "$dir" "$dir/openhouse.db" "$LEADS"
  key=$(key_of "$dir")

  ceiling "$dir/ids.txt"

  cat "$dir/openhouse.db" >/dev/null   # start from a warm OS page cache, as a long-running server has
  serve sqlite "$dir/openhouse.db"
  pid=$SERVER_PID
  reads "" "$dir" "$key"
  load post_sqlite "$PORT" "$key" POST /v1.0/leads "$dir/bodies.jsonl"
  rss writes "$pid"
  finish
fi

# --- PostgreSQL: ceiling, reads, scroll, writes, memory (a bulk-imported seed) ---------------
if [[ $BACKEND != sqlite ]]; then
  dir=$WORK/postgres-$PG_LEADS
  url=$PG_URL/$PG_DB
  seeded=""   # whether the database still holds this folder's seed (another run may have replaced it)
  if [[ -f $dir/seed.json && $(psql "$PG_URL/postgres" -Atqc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'") == 1 ]]; then
    team=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["teamId"])' "$dir/credentials.json")
    seeded=$(psql "$url" -Atqc "SELECT 1 FROM teams WHERE id = $team")
  fi
  if [[ ! ($REUSE_SEED == 1 && $seeded == 1) ]]; then
    rm -f "$dir/seed.json"
    psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB" -c "CREATE DATABASE $PG_DB" >/dev/null
  fi
  seed "$dir" "$url" "$PG_LEADS" --bulk
  key=$(key_of "$dir")
  ceiling "$dir/ids.txt"

  serve postgres "$url"
  reads pg_ "$dir" "$key"
  load post_postgres "$PORT" "$key" POST /v1.0/leads "$dir/bodies.jsonl"
  rss pg_writes "$SERVER_PID"
  finish
fi

# --- summary ------------------------------------------------------------------------------------
# verdict MEASURED OP TARGET: "met", or how far off the target is.
verdict() {
  awk -v m="$1" -v op="$2" -v t="$3" 'BEGIN {
    if (m == "" || t == "") { print "-"; exit }
    if (m ~ /^>/) { print "MISSED: none answered in the run"; exit }
    if ((op == ">=" && m >= t) || (op == "<=" && m <= t)) { print "met"; exit }
    d = (op == ">=") ? t - m : m - t
    printf (d >= 100 ? "MISSED by %.0f (%.0f%%)\n" : "MISSED by %.2f (%.0f%%)\n"), d, 100 * d / t }'
}
# p99 NAME: the run's p99, or more than the whole run when no request finished in it.
p99() { if [[ ${R[$1.n]} == 0 ]]; then echo ">${DURATION%s}000"; else echo "${R[$1.p99]}"; fi; }
row() { printf '| %-38s | %14s | %-18s | %-22s |\n' "$1" "$2" "$3" "$4"; }
# read_rows P SUFFIX SHARE GET_P99 SEARCH_P99: one backend's read rows against its targets
# (GET by id at SHARE x the ceiling with a p99 of GET_P99 ms, search with a p99 of SEARCH_P99 ms).
read_rows() {
  local p=$1 b=$2 want
  want=$(awk -v c="${R[ceiling.rps]}" -v s="$3" 'BEGIN {printf "%.1f", s * c}')
  row "GET /leads/{id} req/s$b" "${R[${p}get.rps]}" ">= $want (${3}x)" "$(verdict "${R[${p}get.rps]}" ">=" "$want")"
  row "GET /leads/{id} p99 ms$b" "$(p99 "${p}get")" "<= $4" "$(verdict "$(p99 "${p}get")" "<=" "$4")"
  row "GET /leads/{id} hot set req/s$b" "${R[${p}get_hot.rps]}" "-" "-"
  row "GET /leads/{id} hot set p99 ms$b" "$(p99 "${p}get_hot")" "-" "-"
  row "search anyTags+stage req/s$b" "${R[${p}search.rps]}" "-" "-"
  row "search anyTags+stage p99 ms$b" "$(p99 "${p}search")" "<= $5" "$(verdict "$(p99 "${p}search")" "<=" "$5")"
  row "search, one at a time, median ms$b" "${R[${p}serial.p50]}" "-" "-"
  row "search, one at a time, max ms$b" "${R[${p}serial.max]}" "-" "-"
  row "scroll page 1 median ms$b" "${R[${p}scroll.p1]}" "-" "-"
  row "scroll page ${R[${p}scroll.pages]} median ms$b" "${R[${p}scroll.pn]}" "<= 1.5x page 1" "$(verdict "${R[${p}scroll.ratio]}" "<=" 1.5)"
  row "RSS after reads: VmHWM MB$b" "${R[${p}reads.hwm]}" "<= 150" "$(verdict "${R[${p}reads.hwm]}" "<=" 150)"
  row "RSS after reads: VmRSS MB$b" "${R[${p}reads.rss]}" "<= 150" "$(verdict "${R[${p}reads.rss]}" "<=" 150)"
}
{
  echo "openhouse benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
  echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(rustc --version)"
  [[ $BACKEND == postgres ]] || echo "SQLite seed: $LEADS leads"
  [[ $BACKEND == sqlite ]] || echo "PostgreSQL seed: $PG_LEADS leads"
  echo "logs: $LOG"
  echo
  row measure measured target verdict
  row "--------------------------------------" "--------------" "------------------" "----------------------"
  row "ceiling (axum, 1.5 KB) req/s" "${R[ceiling.rps]}" "-" "-"
  if [[ $BACKEND != postgres ]]; then
    read_rows "" "" 0.35 10 25
    row "POST /leads req/s (SQLite)" "${R[post_sqlite.rps]}" ">= 5000" "$(verdict "${R[post_sqlite.rps]}" ">=" 5000)"
    row "POST /leads p99 ms (SQLite)" "$(p99 post_sqlite)" "-" "-"
    row "RSS after writes: VmHWM MB" "${R[writes.hwm]}" "-" "-"
  fi
  if [[ $BACKEND != sqlite ]]; then
    read_rows pg_ " (PG)" 0.2 15 50
    row "POST /leads req/s (PostgreSQL)" "${R[post_postgres.rps]}" ">= 3000" "$(verdict "${R[post_postgres.rps]}" ">=" 3000)"
    row "POST /leads p99 ms (PostgreSQL)" "$(p99 post_postgres)" "-" "-"
    row "RSS after writes: VmHWM MB (PG)" "${R[pg_writes.hwm]}" "-" "-"
  fi
  for k in "${!R[@]}"; do
    if [[ $k == *.bad && ${R[$k]} != 0 ]]; then echo "WARNING: ${k%.bad} had ${R[$k]} non-2xx responses or socket errors"; fi
  done
} | tee "$LOG/summary.txt"
