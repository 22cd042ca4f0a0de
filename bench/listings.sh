#!/usr/bin/env bash
# Listings: how long `openhouse listings import` takes for --listings listings (JSON lines, one
# team; 1% of them the admin's), then GET /v1.0/listing under wrk at 64 connections with a filter:
# one random MLS number a request (mlsListingIds=…), and the admin's own listings
# (agentListings=true, first page of 25 of 1,000). Before the import, --leads leads with an
# inquiry (a city, a price cap, a bed minimum, half of them a property type) are created; after
# it, the server's listing alerts are timed from its start until no alert job is left (and
# counted). One line per backend.
#
#   bench/listings.sh [--backend sqlite|postgres|both] [--listings 100000] [--leads 1000]
#                     [--duration 10s]
#
# Environment: PG_URL (server part, default postgres://postgres@127.0.0.1:5432), PORT,
# CARGO_TARGET_DIR, SKIP_BUILD=1 (use the binaries already built).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BACKEND=both
LISTINGS=100000
LEADS=1000
DURATION=10s
PORT=${PORT:-28493}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
while [[ $# -gt 0 ]]; do
  case $1 in
    --backend) BACKEND=$2; shift 2 ;;
    --listings) LISTINGS=$2; shift 2 ;;
    --leads) LEADS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    -h|--help) sed -n 2,14p "$0"; exit 0 ;;
    *) echo "listings.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in wrk python3 curl; do
  command -v $tool >/dev/null || { echo "listings.sh: $tool is missing (wrk: apt-get install -y wrk)" >&2; exit 1; }
done

cd "$ROOT"
[[ ${SKIP_BUILD:-} == 1 ]] || cargo build --release --locked -p openhouse-server
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}/release
WORK=$(mktemp -d)
SERVER_PID=
cleanup() { [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# the listings: deterministic, ~700 bytes each, 1% listed by the admin
generate() {
  python3 - "$LISTINGS" "$1" "$WORK/listings.jsonl" "$WORK/mls.txt" <<'EOF'
import json, random, sys
n, admin, out, mls_out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
rng = random.Random(1)
cities = ["Austin", "Dallas", "Houston", "San Antonio", "El Paso", "Plano", "Frisco", "Round Rock"]
types = ["Single Family Home", "Condo", "Townhouse", "Multi-Family", "Vacant Land"]
streets = ["Oak", "Elm", "Maple", "Cedar", "Pine", "Harbor", "Lake", "Hill", "Park", "Main"]
with open(out, "w") as f, open(mls_out, "w") as m:
    for i in range(n):
        mls = f"TX{i:08d}"
        status = "Sold" if i % 7 == 0 else ("Pending" if i % 11 == 0 else "Active")
        item = {
            "mlsListingId": mls,
            "listingStreetName": f"{rng.randint(1, 9999)} {rng.choice(streets)} St",
            "listingCity": rng.choice(cities), "listingState": "TX",
            "listingZipcode": [f"7{rng.randint(5000, 9999)}"],
            "price": str(rng.randint(150, 3000) * 1000),
            "beds": rng.randint(1, 6), "baths": rng.choice([1, 1.5, 2, 2.5, 3, 4]),
            "sqft": rng.randint(600, 6000), "builtYear": rng.randint(1950, 2025),
            "listingStatus": status, "purchaseType": "For Sale",
            "propertyTypes": [rng.choice(types)],
            "pictureList": [f"https://img.example.com/{mls}/{k}.jpg" for k in range(3)],
            "detailsDescribe": "Bright, updated home close to parks and schools. " * 3,
            "publishedFeeds": ["AllOnMarket"] + (["LuxVT"] if i % 13 == 0 else []),
        }
        if i % 100 == 0:
            item["agentId"] = admin
        f.write(json.dumps(item) + "\n")
        if i % 10 == 0:
            m.write(mls + "\n")
EOF
}

run_one() {
  local backend=$1 url
  if [[ $backend == sqlite ]]; then
    url="$WORK/listings.db"
  else
    psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS openhouse_bench_listings" >/dev/null
    psql "$PG_URL/postgres" -qc "CREATE DATABASE openhouse_bench_listings" >/dev/null
    url="$PG_URL/openhouse_bench_listings"
  fi
  local team key team_id user_id
  team=$("$TARGET/openhouse" team create --name Bench --admin-email bench@example.com --json --database-url "$url")
  team_id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["teamId"])' <<<"$team")
  user_id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["userId"])' <<<"$team")
  key=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["apiKey"])' <<<"$team")
  generate "$user_id"
  # the leads, through the API of a server that then stops (the import runs without one)
  start_server "$url"
  make_leads "$key"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
  local start end import_s
  start=$(date +%s.%N)
  "$TARGET/openhouse" listings import "$WORK/listings.jsonl" --team-id "$team_id" --database-url "$url" >"$WORK/import.out"
  end=$(date +%s.%N)
  import_s=$(python3 -c "print(f'{$end - $start:.1f}')")

  start=$(date +%s.%N)
  start_server "$url"
  # the alerts of the import's jobs: until none is pending
  local pending alerts alerts_s
  for _ in $(seq 1 6000); do
    pending=$(sql "$backend" "$url" "SELECT count(*) FROM jobs WHERE kind = 'listing_alerts' AND state = 0")
    [[ $pending == 0 ]] && break
    sleep 0.1
  done
  end=$(date +%s.%N)
  alerts_s=$(python3 -c "print(f'{$end - $start:.1f}')")
  alerts=$(sql "$backend" "$url" "SELECT count(*) FROM lead_activities WHERE kind = 'Alert'")
  echo "&showCondition=false" >"$WORK/mine.txt"
  local by_mls mine
  by_mls=$(wrk_run "$key" "/v1.0/listing?limit=25&mlsListingIds=" "$WORK/mls.txt")
  mine=$(wrk_run "$key" "/v1.0/listing?agentListings=true&limit=25" "$WORK/mine.txt")
  echo "| $backend | $LISTINGS | ${import_s} s ($(python3 -c "print(round($LISTINGS / $import_s))") listings/s) | $LEADS leads: $alerts alerts in ${alerts_s} s | $by_mls | $mine |"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=
}

start_server() {
  "$TARGET/openhouse" serve --database-url "$1" --listen "127.0.0.1:$PORT" \
    --rate-limit 100000000 --rate-limit-unvendored 100000000 \
    >> "$WORK/server.out" 2>> "$WORK/server.err" &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break
    sleep 0.2
  done
}

# sql BACKEND URL QUERY: the one value the query answers
sql() {
  if [[ $1 == sqlite ]]; then
    python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$2" "$3"
  else
    psql "$2" -qtAc "$3"
  fi
}

# make_leads KEY: --leads leads with an inquiry, deterministic
make_leads() {
  python3 - "$LEADS" "$PORT" "$1" <<'EOF'
import json, random, sys, urllib.request
n, port, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = random.Random(2)
cities = ["Austin", "Dallas", "Houston", "San Antonio", "El Paso", "Plano", "Frisco", "Round Rock"]
types = ["Single Family Home", "Condo", "Townhouse", "Multi-Family", "Vacant Land"]
for i in range(n):
    inquiry = {"locations": [{"city": rng.choice(cities), "stateCode": "TX"}],
               "priceMax": rng.randint(3, 30) * 50000, "bedroomsMin": rng.randint(1, 4)}
    if i % 2 == 0:
        inquiry["propertyType"] = [rng.choice(types)]
    body = json.dumps({"firstName": f"Lead{i}", "inquiry": inquiry}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1.0/leads", data=body, method="POST",
        headers={"Authorization": f"token {key}", "Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
EOF
}

# wrk_run KEY PREFIX FILE: a warm-up, then the measured run; "N req/s, p99 M ms".
wrk_run() {
  local args=(-t2 -c64 --timeout 10s -H "Authorization: token $1"
    -s "$ROOT/bench/wrk/random.lua" "http://127.0.0.1:$PORT" -- GET "$2" "$3")
  timeout 60 wrk -d3s "${args[@]}" >/dev/null
  local out line
  out=$(timeout 120 wrk -d"$DURATION" --latency "${args[@]}")
  line=$(grep '^RESULT' <<<"$out")
  local rps p99 bad
  rps=$(sed -n 's/.* rps=\([^ ]*\).*/\1/p' <<<"$line")
  p99=$(sed -n 's/.* p99_ms=\([^ ]*\).*/\1/p' <<<"$line")
  bad=$(sed -n 's/.* non2xx=\([^ ]*\).*/\1/p' <<<"$line")
  echo "$rps req/s, p99 $p99 ms, non-2xx $bad"
}

echo "| backend | listings | import | alerts (from the server's start) | GET by MLS number (64 conn) | GET agentListings (64 conn) |"
echo "|---|---|---|---|---|---|"
case $BACKEND in
  sqlite|postgres) run_one "$BACKEND" ;;
  both) run_one sqlite; run_one postgres ;;
  *) echo "listings.sh: --backend is sqlite, postgres or both" >&2; exit 2 ;;
esac
