#!/usr/bin/env python3
"""Scroll latency of GET /v1.0/leads: page 1 against a deep page reached through scrollId.

Walks _metadata.scrollId from page 1 to page N (limit 25), keeping the scrollId that fetches
page N, then times page 1 and page N alternately, R times each, over one keep-alive connection.
Prints RESULT lines for bench/run.sh. Standard library only.
"""
import argparse
import http.client
import json
import statistics
import sys
import time
import urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=28480)
    ap.add_argument("--key", required=True, help="API key")
    ap.add_argument("--pages", type=int, default=400)
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--limit", type=int, default=25)
    a = ap.parse_args()

    conn = http.client.HTTPConnection(a.host, a.port, timeout=60)
    headers = {"Authorization": "token " + a.key}

    def get(query):
        t = time.perf_counter()
        conn.request("GET", "/v1.0/leads?" + urllib.parse.urlencode(query), headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        ms = (time.perf_counter() - t) * 1000
        if resp.status != 200:
            sys.exit(f"scroll: HTTP {resp.status}: {body[:300]!r}")
        return ms, json.loads(body)

    first = {"limit": a.limit}
    seen, scroll, deep = set(), None, None
    walk_start = time.perf_counter()
    page = 0
    while page < a.pages:
        query = first if scroll is None else {"scrollId": scroll, "limit": a.limit}
        _, doc = get(query)
        page += 1
        ids = [lead["leadId"] for lead in doc["leads"]]
        if seen.intersection(ids):
            sys.exit(f"scroll: page {page} repeats a lead")
        seen.update(ids)
        deep = query
        scroll = doc["_metadata"].get("scrollId")
        if not scroll:
            break
    walk = time.perf_counter() - walk_start

    p1, pn = [], []
    for _ in range(a.reps):
        p1.append(get(first)[0])
        pn.append(get(deep)[0])

    def stats(xs):
        xs = sorted(xs)
        return statistics.median(xs), xs[max(0, int(len(xs) * 0.95) - 1)]

    (m1, q1), (mn, qn) = stats(p1), stats(pn)
    print(f"RESULT scroll_walk pages={page} leads={len(seen)} seconds={walk:.2f} ms_per_page={walk * 1000 / page:.2f}")
    print(f"RESULT page1 median_ms={m1:.2f} p95_ms={q1:.2f}")
    print(f"RESULT page{page} median_ms={mn:.2f} p95_ms={qn:.2f} ratio={mn / m1:.2f}")


if __name__ == "__main__":
    main()
