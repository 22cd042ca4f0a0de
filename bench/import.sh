#!/usr/bin/env bash
# Bulk lead import: how long `openhouse import leads` takes for --rows leads from a CSV file
# (one team, fresh database: names, 1-2 emails, a phone, 1-3 tags of 50, one of 8 stages and 10
# sources, like the main bench's seed), then a server is started on the result and
# GET /v1.0/leads with a tag filter and a stage filter must count exactly what the file holds
# (so the search index is current). Then `openhouse export leads` of the same team is timed.
# One line per backend.
#
#   bench/import.sh [--backend sqlite|postgres|both] [--rows 1000000] [--batch 5000]
#
# Environment: PG_URL (server part, default postgres://postgres@127.0.0.1:5432), PORT,
# CARGO_TARGET_DIR, BENCH_TMP (where the file and the SQLite database go, default $TMPDIR or
# /tmp), SKIP_BUILD=1 (use the binary already built), PROFILE=1 (record the SQLite
# import with perf, when installed, and print its top symbols).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BACKEND=both
ROWS=1000000
BATCH=5000
PORT=${PORT:-28494}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
while [[ $# -gt 0 ]]; do
  case $1 in
    --backend) BACKEND=$2; shift 2 ;;
    --rows) ROWS=$2; shift 2 ;;
    --batch) BATCH=$2; shift 2 ;;
    -h|--help) sed -n 2,14p "$0"; exit 0 ;;
    *) echo "import.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in python3 curl; do
  command -v $tool >/dev/null || { echo "import.sh: $tool is missing" >&2; exit 1; }
done

cd "$ROOT"
[[ ${SKIP_BUILD:-} == 1 ]] || cargo build --release --locked -p openhouse-server --bin openhouse
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/openhouse
WORK=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/import.XXXXXX")
SERVER_PID=
PG_DB=
cleanup() {
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null
  wait 2>/dev/null || true
  [[ -n $PG_DB ]] && psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

# the file, and what a tag filter and a stage filter must find in it
python3 - "$ROWS" "$WORK/leads.csv" "$WORK/expect" <<'EOF'
import csv, random, sys
n, out, expect = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = random.Random(7)
first = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "Wei", "Priya",
         "Carlos", "Sofia", "Luis", "Hannah", "Kevin", "Amanda"]
last = ["Smith", "Johnson", "Garcia", "Chen", "Patel", "Kim", "Nguyen", "Lopez", "Brown", "Lee"]
domains = ["gmail.com", "yahoo.com", "outlook.com", "example.com"]
tags = ["buyer", "seller", "investor", "renter", "first-time-buyer", "luxury", "condo", "townhouse",
        "single-family", "multi-family", "land", "relocation", "downsizing", "upsizing",
        "pre-approved", "cash-buyer", "fha", "va-loan", "hot", "warm", "cold", "nurture",
        "open-house", "zillow", "realtor-com", "facebook-ad", "google-ad", "referral",
        "past-client", "sphere", "expired", "fsbo", "probate", "divorce", "vacation-home",
        "55-plus", "new-construction", "short-sale", "foreclosure", "waterfront", "golf",
        "school-district", "pool", "acreage", "horse-property", "commercial", "1031-exchange",
        "spanish-speaking", "vip", "do-not-rush"]
stages = ["New", "Attempted", "Contacted", "Nurture", "Appointment Set", "Active",
          "Under Contract", "Closed"]
sources = ["Zillow", "Realtor.com", "Facebook", "Google", "Open House", "Referral", "Website",
           "Sign Call", "Past Client", "Sphere"]
vip = closed = 0
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["firstName", "lastName", "emails", "phones", "tags", "stage", "source"])
    for i in range(n):
        fn, ln = rng.choice(first), rng.choice(last)
        emails = [f"{fn.lower()}.{ln.lower()}{i}@{rng.choice(domains)}"]
        if rng.random() < 0.3:
            emails.append(f"{fn.lower()}{i}.alt@{rng.choice(domains)}")
        t = rng.sample(tags, rng.randint(1, 3))
        s = rng.choice(stages)
        vip += "vip" in t
        closed += s == "Closed"
        phone = f"({rng.randint(201, 989)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
        w.writerow([fn, ln, "|".join(emails), phone, "|".join(t), s, rng.choice(sources)])
with open(expect, "w") as f:
    f.write(f"{vip} {closed}\n")
EOF
read -r EXPECT_VIP EXPECT_CLOSED < "$WORK/expect"
SIZE=$(du -m "$WORK/leads.csv" | cut -f1)
echo "import.sh: $ROWS rows, ${SIZE} MB of CSV; batch $BATCH; $(nproc) cores"

now() { date +%s.%N; }

run() {
  local backend=$1 url=$2
  local team key t0 t1 t2 t3 t4 total_vip total_closed
  read -r team key < <("$BIN" team create --name Bench --admin-email bench@example.com --json \
    --database-url "$url" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["teamId"], d["apiKey"])')
  t0=$(now)
  if [[ ${PROFILE:-} == 1 && $backend == sqlite ]] && command -v perf >/dev/null; then
    perf record -g -o "$WORK/perf.data" -- "$BIN" import leads "$WORK/leads.csv" --team-id "$team" \
      --batch "$BATCH" --database-url "$url" > "$WORK/report.json"
    perf report -i "$WORK/perf.data" --no-children --percent-limit 1.5 --stdio 2>/dev/null \
      | grep -E '^ +[0-9.]+%' | head -25
  else
    "$BIN" import leads "$WORK/leads.csv" --team-id "$team" --batch "$BATCH" \
      --database-url "$url" > "$WORK/report.json"
  fi
  t1=$(now)
  "$BIN" serve --listen "127.0.0.1:$PORT" --database-url "$url" --rate-limit 1000000 \
    --rate-limit-unvendored 1000000 > "$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
    sleep 0.1
  done
  t2=$(now)
  total_vip=$(curl -sf "http://127.0.0.1:$PORT/v1.0/leads?anyTags=vip&limit=1" -H "Authorization: token $key" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["_metadata"]["total"])')
  total_closed=$(curl -sf "http://127.0.0.1:$PORT/v1.0/leads?stage=Closed&anyTags=vip&limit=1" \
    -H "Authorization: token $key" | python3 -c 'import json,sys; print(json.load(sys.stdin)["_metadata"]["total"])')
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
  t3=$(now)
  "$BIN" export leads --team-id "$team" --database-url "$url" --out "$WORK/export.csv" 2>/dev/null
  t4=$(now)
  local ok=ok
  [[ $total_vip == "$EXPECT_VIP" ]] || ok="MISMATCH (vip: $total_vip, file: $EXPECT_VIP)"
  [[ $(($(wc -l < "$WORK/export.csv") - 1)) == "$ROWS" ]] || ok="$ok; export has $(wc -l < "$WORK/export.csv") lines"
  python3 - "$backend" "$ROWS" "$t0" "$t1" "$t2" "$t3" "$t4" "$WORK/report.json" "$ok" "$total_closed" "$url" <<'EOF'
import json, os, sys
b, n, t0, t1, t2, t3, t4, rep, ok, closed, url = sys.argv[1:]
n = int(n); t0, t1, t2, t3, t4 = map(float, (t0, t1, t2, t3, t4))
r = json.load(open(rep))
size = ""
if b == "sqlite":
    size = f", database {os.path.getsize(url) / 2**20:,.0f} MB"
print(f"{b}: import {t1 - t0:.1f} s ({n / (t1 - t0):,.0f} rows/s; {r}), server ready "
      f"(search index built) {t2 - t1:.1f} s, vip leads {ok} (vip and Closed: {closed}), "
      f"export {t4 - t3:.1f} s ({n / (t4 - t3):,.0f} rows/s){size}")
EOF
}

if [[ $BACKEND == sqlite || $BACKEND == both ]]; then
  run sqlite "$WORK/import.db"
  rm -f "$WORK"/import.db*   # room for the next backend's copy
fi
if [[ $BACKEND == postgres || $BACKEND == both ]]; then
  PG_DB=openhouse_bench_import_$$
  psql "$PG_URL/postgres" -qc "CREATE DATABASE $PG_DB" >/dev/null
  run postgres "$PG_URL/$PG_DB"
fi
