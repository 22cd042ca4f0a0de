#!/usr/bin/env python3
"""Latency of one request at a time: GET <prefix><random line of FILE>, COUNT times, over one
keep-alive connection. For endpoints too slow to measure under wrk's 64 connections.
Prints one RESULT line for bench/run.sh. Standard library only.
"""
import argparse
import http.client
import random
import statistics
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=28480)
    ap.add_argument("--key", required=True, help="API key")
    ap.add_argument("--prefix", required=True, help="path before the line, e.g. /v1.0/leads")
    ap.add_argument("--file", required=True)
    ap.add_argument("--count", type=int, default=20)
    a = ap.parse_args()

    lines = [l.strip() for l in open(a.file) if l.strip()]
    rng = random.Random(1)
    conn = http.client.HTTPConnection(a.host, a.port, timeout=120)
    times = []
    for _ in range(a.count):
        t = time.perf_counter()
        conn.request("GET", a.prefix + rng.choice(lines), headers={"Authorization": "token " + a.key})
        resp = conn.getresponse()
        body = resp.read()
        times.append((time.perf_counter() - t) * 1000)
        if resp.status != 200:
            sys.exit(f"serial: HTTP {resp.status}: {body[:300]!r}")
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"RESULT serial count={len(times)} median_ms={statistics.median(times):.2f} p99_ms={p99:.2f} max_ms={times[-1]:.2f}")


if __name__ == "__main__":
    main()
