#!/usr/bin/env bash
# What lead routing costs a create: a release server, --rules routing rules added through the
# API (all but the last match no lead), then --rounds rounds of plain and routed creates and a
# last plain phase; the median routed rate against the median plain one. One line per backend.
#
#   bench/routing.sh [--backend sqlite|postgres|both] [--rules 50] [--leads 5000] [--concurrency 32] [--rounds 3]
#
# Environment: PG_URL (server part, default postgres://postgres@127.0.0.1:5432), PORT,
# CARGO_TARGET_DIR, SKIP_BUILD=1 (use the binaries already built), ASSIGNED=1 (the plain phases
# give assignedUserId: what routing costs beyond the assignment it makes).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BACKEND=both
RULES=50
LEADS=5000
CONC=32
ROUNDS=3
PORT=${PORT:-28491}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
while [[ $# -gt 0 ]]; do
  case $1 in
    --backend) BACKEND=$2; shift 2 ;;
    --rules) RULES=$2; shift 2 ;;
    --leads) LEADS=$2; shift 2 ;;
    --concurrency) CONC=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
    *) echo "routing.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

cd "$ROOT"
[[ ${SKIP_BUILD:-} == 1 ]] || cargo build --release --locked -p openhouse-server -p openhouse-bench
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}/release
WORK=$(mktemp -d)
SERVER_PID=
cleanup() { [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

run_one() {
  local backend=$1 url
  if [[ $backend == sqlite ]]; then
    url="$WORK/routing.db"
  else
    psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS openhouse_bench_routing" >/dev/null
    psql "$PG_URL/postgres" -qc "CREATE DATABASE openhouse_bench_routing" >/dev/null
    url="$PG_URL/openhouse_bench_routing"
  fi
  "$TARGET/openhouse" serve --database-url "$url" --listen "127.0.0.1:$PORT" \
    --rate-limit 100000000 --rate-limit-unvendored 100000000 \
    > "$WORK/server.out" 2> "$WORK/server.err" &
  SERVER_PID=$!
  local key=
  for _ in $(seq 1 300); do
    key=$(sed -n 's/^ *API key: *//p' "$WORK/server.out")
    [[ -n $key ]] && curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break
    sleep 0.2
  done
  [[ -n $key ]] || { echo "no API key from the server" >&2; cat "$WORK/server.err" >&2; exit 1; }
  echo "== $backend"
  "$TARGET/openhouse-bench" routing --url "http://127.0.0.1:$PORT" --api-key "$key" ${ASSIGNED:+--assigned} \
    --rules "$RULES" --leads "$LEADS" --concurrency "$CONC" --rounds "$ROUNDS" \
    | sed "s/^| /| $backend | /"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
}

case $BACKEND in
  sqlite|postgres) run_one "$BACKEND" ;;
  both) run_one sqlite; run_one postgres ;;
  *) echo "routing.sh: --backend is sqlite, postgres or both" >&2; exit 2 ;;
esac
