#!/usr/bin/env python3
"""Memory of openhouse with many idle connections, and after the server has closed them.

Starts the server binary on 127.0.0.1 with a fresh SQLite database and short timeouts, then
for each kind of idle client (one request then nothing: the idle timeout; connected and silent:
the header timeout) opens COUNT connections, and reads the server's VmRSS from
/proc/<pid>/status: before, with them open, and after the server has closed them all.

    bench/idle_connections.py [--binary target/release/openhouse] [--count 4000]

Bounded: at most 5,000 connections, only to 127.0.0.1, about a minute in all.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def fmt(kb):
    return f"{kb / 1024:.1f} MB"


def wait_listening(port, proc, seconds=60):
    end = time.time() + seconds
    while time.time() < end:
        if proc.poll() is not None:
            sys.exit(f"the server exited: {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("the server did not start listening")


def read_response(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise OSError("closed before an answer")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    while len(body) < length:
        body += s.recv(65536)


def open_connections(port, count, request):
    conns = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        if request:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: openhouse\r\n\r\n")
            read_response(s)
        conns.append(s)
    return conns


def closed_by_server(conns, seconds):
    """How many of conns the server has closed, waiting up to `seconds` for all of them."""
    end = time.time() + seconds
    open_ = list(conns)
    while open_ and time.time() < end:
        still = []
        for s in open_:
            s.setblocking(False)
            try:
                if s.recv(1) == b"":
                    continue  # closed by the server
            except BlockingIOError:
                still.append(s)
                continue
            except OSError:
                continue  # reset by the server
        open_ = still
        if open_:
            time.sleep(0.25)
    return len(conns) - len(open_)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--binary", default="target/release/openhouse")
    p.add_argument("--count", type=int, default=4000)
    p.add_argument("--idle-timeout", type=int, default=10)
    p.add_argument("--header-timeout", type=int, default=5)
    a = p.parse_args()
    count = max(1, min(a.count, 5000))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as d:
        proc = subprocess.Popen(
            [a.binary, "serve", "--listen", f"127.0.0.1:{port}",
             "--database-url", os.path.join(d, "idle.db"),
             "--idle-timeout", str(a.idle_timeout),
             "--header-timeout", str(a.header_timeout)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_listening(port, proc)
            time.sleep(1)
            # warm up: a few requests, so the "before" figure includes a served request
            for c in open_connections(port, 8, True):
                c.close()
            time.sleep(1)
            print(f"binary {a.binary}, {count} connections, idle timeout {a.idle_timeout} s, "
                  f"header timeout {a.header_timeout} s")
            print(f"{'phase':52} VmRSS      VmHWM")
            rss, hwm = rss_kb(proc.pid)
            print(f"{'before':52} {fmt(rss):10} {fmt(hwm)}")
            for label, request, timeout in (
                ("one request each, then idle", True, a.idle_timeout),
                ("connected, nothing sent", False, a.header_timeout),
            ):
                t = time.time()
                conns = open_connections(port, count, request)
                rss, hwm = rss_kb(proc.pid)
                print(f"{count} open: {label:42} {fmt(rss):10} {fmt(hwm)}"
                      f"   ({time.time() - t:.1f} s to open)")
                t = time.time()
                closed = closed_by_server(conns, timeout + 15)
                took = time.time() - t
                for c in conns:
                    c.close()
                time.sleep(2)
                rss, hwm = rss_kb(proc.pid)
                print(f"{'  after the server closed ' + str(closed) + ' of them':52} "
                      f"{fmt(rss):10} {fmt(hwm)}   ({took:.1f} s after opening)")
                for _ in range(3):
                    for c in open_connections(port, 1, True):
                        c.close()
                    time.sleep(1.5)
                rss, hwm = rss_kb(proc.pid)
                print(f"{'  then 3 requests, 1.5 s apart':52} {fmt(rss):10} {fmt(hwm)}")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
