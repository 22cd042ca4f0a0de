#!/usr/bin/env python3
"""The crash-and-fault script: openhouse under write load, while things go wrong.

Scenarios (each on a fresh database, the server as a real process on 127.0.0.1):
  kill9-sqlite, kill9-postgres   kill -9 the server under write load, restart it, repeat
  fulldisk-sqlite                the database on a small tmpfs that fills up; then space is freed
                                 (needs root to mount a tmpfs; skipped otherwise)
  lockheld-sqlite                another program holds the database locked past the server's
                                 10 s wait, then lets go
  pgrestart-postgres             PostgreSQL restarts under write load (needs pg_ctlcluster)

For each: every create the server acknowledged (200 with a leadId) is read back afterwards, from
the running server and after a restart; refusals must be 503 with Retry-After; any other answer
(a 500 above all) fails the run. Prints a Markdown table for bench/FAULTS.md.

  scripts/faults.py [--bin target/debug/openhouse] [--rounds 5] [--only NAME,...]
"""

import argparse
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

PG = os.environ.get("PGHOST", "127.0.0.1")
PG_PORT = os.environ.get("PGPORT", "5432")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Server:
    def __init__(self, binary, db, workdir):
        self.binary, self.db, self.workdir = binary, db, workdir
        self.proc = None
        self.port = None

    def start(self):
        self.port = free_port()
        log = open(os.path.join(self.workdir, "server.log"), "ab")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--database-url", self.db,
             "--rate-limit", "100000000", "--rate-limit-unvendored", "100000000"],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        for _ in range(600):
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited: see {self.workdir}/server.log")
            try:
                status, _, _ = request(self.port, "GET", "/healthz", None, None, timeout=1)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit("server did not start")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def request(port, method, path, key, body, timeout=30):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    if key:
        req.add_header("Authorization", f"token {key}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


class Load:
    """Writers creating leads until stopped; what was acknowledged, and every answer's status."""

    def __init__(self, writers=4):
        self.writers = writers
        self.acked = []
        self.statuses = {}
        self.bad = []
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.threads = []
        self.n = 0

    def run(self, server, key):
        self.stop_flag.clear()
        self.threads = [threading.Thread(target=self._writer, args=(server, key), daemon=True)
                        for _ in range(self.writers)]
        for t in self.threads:
            t.start()

    def stop(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join()

    def _writer(self, server, key):
        while not self.stop_flag.is_set():
            with self.lock:
                self.n += 1
                i = self.n
            body = {"firstName": f"F{i}", "lastName": "Fault", "emails": [f"f{i}@example.com"],
                    "tags": ["Faults"], "content": "n" * 400}
            try:
                status, headers, raw = request(server.port, "POST", "/v1.0/leads", key, body)
            except (OSError, ConnectionError, urllib.error.URLError):
                # the server died mid-request or is not up: not acknowledged
                with self.lock:
                    self.statuses["no answer"] = self.statuses.get("no answer", 0) + 1
                time.sleep(0.05)
                continue
            with self.lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1
                if status == 200:
                    self.acked.append(json.loads(raw)["leadId"])
                elif status == 503:
                    if "Retry-After" not in headers and "retry-after" not in headers:
                        self.bad.append("503 without Retry-After")
                    b = json.loads(raw)
                    if "code" not in b or "message" not in b:
                        self.bad.append(f"503 body {raw[:200]!r}")
                else:
                    self.bad.append(f"{status} {raw[:200]!r}")
            if status == 503:
                time.sleep(0.05)


def verify(server, key, acked):
    """How many acknowledged leads are missing."""
    missing = 0
    for lead_id in acked:
        for _ in range(50):
            try:
                status, _, _ = request(server.port, "GET", f"/v1.0/leads/{lead_id}", key, None)
            except OSError:
                time.sleep(0.2)
                continue
            if status == 503:
                time.sleep(0.2)
                continue
            break
        if status != 200:
            missing += 1
    return missing


def verify_and_restart(server, key, acked):
    """Missing acknowledged leads, read from the running server and again after a restart."""
    missing = verify(server, key, acked)
    server.stop()
    server.start()
    missing += verify(server, key, acked)
    server.stop()
    return missing


def team(binary, db):
    out = subprocess.run([binary, "team", "create", "--name", "Faults", "--admin-email",
                          "faults@example.com", "--json", "--database-url", db],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["apiKey"]


def pg_database(name):
    subprocess.run(["psql", "-h", PG, "-p", PG_PORT, "-U", "postgres", "-qtAc",
                    f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True)
    subprocess.run(["psql", "-h", PG, "-p", PG_PORT, "-U", "postgres", "-qtAc",
                    f"CREATE DATABASE {name}"], check=True)
    return f"postgres://postgres@{PG}:{PG_PORT}/{name}"


def result(name, load, missing, note=""):
    return {"scenario": name, "acked": len(load.acked), "lost": missing,
            "statuses": dict(sorted((str(k), v) for k, v in load.statuses.items())),
            "bad": load.bad[:5], "note": note}


def kill9(binary, db, rounds, name, work):
    key = team(binary, db)
    server = Server(binary, db, work)
    load = Load()
    for _ in range(rounds):
        server.start()
        load.run(server, key)
        time.sleep(random.uniform(1.0, 3.0))
        server.kill9()
        load.stop()
    server.start()
    missing = verify(server, key, load.acked)
    server.stop()
    return result(name, load, missing, f"{rounds} kill -9 rounds")


def fulldisk(binary, rounds, work):
    if os.geteuid() != 0:
        return {"scenario": "fulldisk-sqlite", "skipped": "needs root to mount a tmpfs"}
    mnt = os.path.join(work, "tmpfs")
    os.makedirs(mnt)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mnt], check=True)
    try:
        db = os.path.join(mnt, "faults.db")
        key = team(binary, db)
        server = Server(binary, db, work)
        server.start()
        load = Load()
        notes = []
        for r in range(rounds):
            # other files take the disk until it is full
            filler = os.path.join(mnt, f"filler{r}")
            with open(filler, "wb") as f:
                try:
                    while True:
                        f.write(b"\0" * 65536)
                        f.flush()
                except OSError:
                    pass
            start = dict(load.statuses)
            load.run(server, key)
            time.sleep(3)
            before = dict(load.statuses)
            # space is freed while the server runs: it must take writes again, no restart
            os.remove(filler)
            time.sleep(3)
            load.stop()
            ok_after = load.statuses.get(200, 0) - before.get(200, 0)
            refused = before.get(503, 0) - start.get(503, 0)
            notes.append(f"round {r + 1}: {refused} refused while full, "
                         f"{ok_after} accepted after space was freed")
        missing = verify_and_restart(server, key, load.acked)
        return result("fulldisk-sqlite", load, missing, "; ".join(notes))
    finally:
        subprocess.run(["umount", "-l", mnt])


def lockheld(binary, work):
    db = os.path.join(work, "lock.db")
    key = team(binary, db)
    server = Server(binary, db, work)
    server.start()
    load = Load()
    load.run(server, key)
    time.sleep(1)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    time.sleep(13)  # past the server's 10 s busy wait
    holder.execute("ROLLBACK")
    holder.close()
    time.sleep(3)
    load.stop()
    missing = verify_and_restart(server, key, load.acked)
    return result("lockheld-sqlite", load, missing, "held 13 s, past the 10 s busy wait")


def pgrestart(binary, rounds, work):
    clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout.split()
    if not clusters:
        return {"scenario": "pgrestart-postgres", "skipped": "no pg_ctlcluster cluster"}
    version = clusters[0]
    db = pg_database("openhouse_faults_restart")
    key = team(binary, db)
    server = Server(binary, db, work)
    server.start()
    load = Load()
    for _ in range(rounds):
        load.run(server, key)
        time.sleep(2)
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart",
                        "-m", "fast"], check=True)
        time.sleep(3)
        load.stop()
    missing = verify_and_restart(server, key, load.acked)
    return result("pgrestart-postgres", load, missing, f"{rounds} restarts (fast)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/debug/openhouse")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    only = set(filter(None, a.only.split(",")))
    results = []
    with tempfile.TemporaryDirectory() as work:
        def want(n):
            return not only or n in only
        if want("kill9-sqlite"):
            results.append(kill9(binary, os.path.join(work, "k.db"), a.rounds, "kill9-sqlite", work))
        if want("kill9-postgres"):
            results.append(kill9(binary, pg_database("openhouse_faults_kill"), a.rounds,
                                 "kill9-postgres", work))
        if want("fulldisk-sqlite"):
            results.append(fulldisk(binary, min(a.rounds, 3), work))
        if want("lockheld-sqlite"):
            results.append(lockheld(binary, work))
        if want("pgrestart-postgres"):
            results.append(pgrestart(binary, min(a.rounds, 3), work))
    failed = False
    print("| scenario | acknowledged | lost | answers | notes |")
    print("|---|---|---|---|---|")
    for r in results:
        if "skipped" in r:
            print(f"| {r['scenario']} | | | | skipped: {r['skipped']} |")
            continue
        answers = ", ".join(f"{k}: {v}" for k, v in r["statuses"].items())
        print(f"| {r['scenario']} | {r['acked']} | {r['lost']} | {answers} | {r['note']} |")
        if r["lost"] or r["bad"]:
            failed = True
            print(f"  FAILED: lost {r['lost']}, bad answers {r['bad']}", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
