#!/usr/bin/env bash
# The openhouse test suite, as README.md gives it and CI runs it:
#   1. makes sure PostgreSQL and Redis are up and creates a fresh test database; installs
#      Debian's chromium and chromium-driver when missing (the sign-in pages' browser test);
#   2. runs every unit, store and HTTP test, on SQLite and again on PostgreSQL;
#   3. starts the built server and runs schemathesis against its documents, every operation,
#      failing on any 5xx or any response that violates the document: the contract wire mode's,
#      the published mode's (`X-Openhouse-Wire: published`), and Lofty's published document
#      itself cut to the operations openhouse serves (scripts/published_subset.py), where 5xx
#      and 2xx answers off the document fail; then checks that the published mode's document
#      has no shape difference from Lofty's (scripts/wire_shapes.py);
#   4. checks the served document against the Lofty contract for the operations implemented.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

pg_host=${PGHOST:-127.0.0.1}
pg_port=${PGPORT:-5432}
if ! pg_isready -h "$pg_host" -p "$pg_port" -q 2>/dev/null; then
  echo "== starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do pg_isready -h "$pg_host" -p "$pg_port" -q && break; sleep 1; done
fi
pg_isready -h "$pg_host" -p "$pg_port" -q || { echo "PostgreSQL is not reachable at $pg_host:$pg_port"; exit 1; }

# Redis, for the test of two servers sharing rate limits and revocations
redis_port=${REDIS_PORT:-6379}
if ! redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1; then
  echo "== starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$redis_port" --save "" \
    --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 1; done
fi
redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 || { echo "Redis is not reachable at 127.0.0.1:$redis_port"; exit 1; }
export OPENHOUSE_TEST_REDIS_URL="redis://127.0.0.1:$redis_port"

# headless Chromium and chromedriver, for the sign-in and consent pages' browser test
if [ ! -x /usr/bin/chromedriver ] || [ ! -x /usr/bin/chromium ]; then
  echo "== installing chromium and chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi
export OPENHOUSE_TEST_BROWSER=required
# a test that finds no PostgreSQL or Redis fails instead of skipping
export OPENHOUSE_TEST_SERVICES=required
# screenshots of each page the browser test saw
export OPENHOUSE_TEST_ARTIFACTS="$root/target/test-artifacts"
test_db=openhouse_test_$$
psql -h "$pg_host" -p "$pg_port" -U postgres -qtAc "DROP DATABASE IF EXISTS $test_db" >/dev/null
psql -h "$pg_host" -p "$pg_port" -U postgres -qtAc "CREATE DATABASE $test_db" >/dev/null
export OPENHOUSE_TEST_POSTGRES_URL="postgres://postgres@$pg_host:$pg_port/$test_db"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  psql -h "$pg_host" -p "$pg_port" -U postgres -qtAc "DROP DATABASE IF EXISTS $test_db WITH (FORCE)" >/dev/null 2>&1 || true
  # the databases of tests that need one of their own (servers as processes, restarts)
  for db in $(psql -h "$pg_host" -p "$pg_port" -U postgres -qtAc \
    "SELECT datname FROM pg_database WHERE datname LIKE 'openhouse\\_t\\_%'" 2>/dev/null); do
    psql -h "$pg_host" -p "$pg_port" -U postgres -qtAc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
  rm -rf "${work:-/nonexistent}"
}
trap cleanup EXIT

echo "== cargo test (SQLite and PostgreSQL)"
cargo test --workspace --locked

echo "== schemathesis against the running server"
venv="$root/target/schemathesis-venv"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==4.32.5"
fi
work=$(mktemp -d)
bin="$root/target/debug/openhouse"
"$bin" team create --name "Schemathesis" --admin-email st@example.com --json --database-url "$work/st.db" > "$work/team.json"
key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["apiKey"])' "$work/team.json")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --listen "127.0.0.1:$port" --database-url "$work/st.db" \
  --rate-limit 100000000 --rate-limit-unvendored 100000000 > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
# schemathesis runs under a raised recursion limit: under CPython 3.11 Hypothesis's parse of a
# strategy's source near the default limit (1000) fails with "AST constructor recursion depth
# mismatch" (a CPython bug), which schemathesis reports as a Runtime Error of its own. One
# worker: with two threads, Hypothesis's cache of lambda sources races and fails a test case with
# "Inconsistent results" (another Runtime Error of its own, reproduced on POST /v1.0/leads and
# POST /v1.0/leads/{leadId}/activity with seed 1); one worker passes the same run.
all_checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance
# st_run SCHEMA CHECKS [more schemathesis arguments]
st_run() {
  local schema=$1 checks=$2
  shift 2
  "$venv/bin/python" -c 'import sys; sys.setrecursionlimit(50000); sys.argv[0] = "schemathesis"; from schemathesis.cli import schemathesis; schemathesis()' \
    run "$schema" \
    --header "Authorization: token $key" \
    --checks "$checks" \
    --phases examples,coverage,fuzzing,stateful \
    --max-examples 60 --workers 1 --seed 1 --suppress-health-check all \
    --no-color "$@" 2>&1 | tee "$work/schemathesis.log"
  return "${PIPESTATUS[0]}"
}
# A failed check (a 5xx, a response off the document) always fails the run. A run whose only
# trouble is schemathesis's own "Runtime Error" (seen once: CPython's "AST constructor recursion
# depth mismatch" while Hypothesis built examples) is run once more before it counts.
st_check() {
  if ! st_run "$@"; then
    if grep -qE '^ *Failures:|= FAILURES =' "$work/schemathesis.log" || ! grep -q 'Runtime Error' "$work/schemathesis.log"; then
      exit 1
    fi
    echo "== schemathesis stopped on an error of its own, not a failed check: running it again"
    st_run "$@"
  fi
}
echo "== schemathesis: the contract wire mode"
st_check "http://127.0.0.1:$port/openapi.json" "$all_checks"
echo "== schemathesis: the published wire mode"
st_check "http://127.0.0.1:$port/openapi/published.json" "$all_checks" --header "X-Openhouse-Wire: published"
echo "== schemathesis: Lofty's published document, the operations openhouse serves, in the published mode"
published="$root/../shared/reference/lofty-openapi-published.json"
if [ -f "$published" ]; then
  curl -sf "http://127.0.0.1:$port/openapi/published.json" > "$work/served-published.json"
  python3 scripts/published_subset.py "$work/served-published.json" "$published" > "$work/published-subset.json"
  # its error answers are declared strings and it lacks statuses openhouse rightly gives (see
  # published_subset.py): 5xx and 2xx answers off it are what counts
  st_check "$work/published-subset.json" not_a_server_error,response_schema_conformance \
    --url "http://127.0.0.1:$port" --header "X-Openhouse-Wire: published"
  echo "== the published wire mode's document against Lofty's: no shape differences"
  python3 scripts/wire_shapes.py "$work/served-published.json" "$published"
else
  echo "(../shared/reference/lofty-openapi-published.json not found: skipped)"
fi

echo "== the served document against the Lofty contract"
shared="$root/../shared/tools/spec-coverage"
if [ -x "$shared" ]; then
  curl -sf "http://127.0.0.1:$port/openapi.json" > "$work/served.json"
  "$shared" "$work/served.json"
else
  echo "(../shared/tools/spec-coverage not found: skipped)"
fi
echo "== all tests passed"
