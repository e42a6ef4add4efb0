"""Benchmark `sitegen serve` under half-open connections: are other requests still answered?

Usage:
    python tests/bench/serve_halfopen.py [--connections 4000] [--hold 2] [--after 8]
                                         [--interval-ms 10] [--repo PATH] [--work DIR] [--rst]

It copies the bundled content (content/) and templates/ of --repo (default: this checkout)
into a temporary folder, starts

    python -m sitegen serve --content content --templates templates --output site --port 0

there with PYTHONPATH=--repo (so the same script measures any checkout, e.g. main), waits for
its "serving ... at URL" line, and then runs three phases while a prober thread GETs `/`, a
paper page and the stylesheet in turn, a new connection per GET, every --interval-ms:

    baseline  1 s of probing with nothing else going on;
    opening   --connections sockets connect (non-blocking, all at once) and stay half-open:
              half send nothing, half a partial request line (`GET /index.ht`), then they are
              held for --hold seconds (they are made in a child process, so that
              making them does not slow the prober down by taking its GIL);
    closed    all of them are closed at once (FIN, or RST with --rst); probing goes on for
              --after seconds.

For each phase it prints how many probes ran, their median and maximum latency, how many took
over 100 ms and how many failed (no answer within 30 s, refused, reset), and at the end the
number of "Traceback" lines the server printed. Latency is from just before connect() to the
last byte of the body. Nothing is asserted: these are figures to read.

The soft limit on open files is raised to the hard limit first (each half-open connection
takes a descriptor here and one in the server). Only loopback is used; the server is stopped
with SIGINT (then SIGKILL) at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import multiprocessing
import os
import re
import resource
import selectors
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVING = re.compile(r"serving .* at (http://\S+)")
PROBE_TIMEOUT = 30.0
SLOW = 0.100
"""A probe slower than this counts as "slow" (the issue's bound: others answered within 100 ms)."""


@dataclass
class Probe:
    started: float
    seconds: float
    ok: bool


def raise_fd_limit(wanted: int) -> int:
    """Raise this process's soft limit on open files towards `wanted` (at most the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def start_server(repo: Path, work: Path) -> tuple[subprocess.Popen[bytes], str, Path]:
    shutil.copytree(repo / "content", work / "content")
    shutil.copytree(repo / "templates", work / "templates")
    log = work / "serve.log"
    env = {**os.environ, "PYTHONPATH": str(repo), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "sitegen", "serve", "--content", "content", "--templates", "templates"]
    command += ["--output", "site", "--port", "0"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        found = SERVING.search(log.read_text(errors="replace"))
        if found:
            return proc, found.group(1), log
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"the server did not start:\n{log.read_text(errors='replace')[-2000:]}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def get(host: str, port: int, path: str) -> bool:
    conn = http.client.HTTPConnection(host, port, timeout=PROBE_TIMEOUT)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status == 200
    except OSError:
        return False
    finally:
        conn.close()


class Prober(threading.Thread):
    """GETs the paths in turn every `interval` seconds, recording each one's latency."""

    def __init__(self, host: str, port: int, paths: Sequence[str], interval: float) -> None:
        super().__init__(daemon=True, name="prober")
        self.host, self.port, self.paths, self.interval = host, port, paths, interval
        self.probes: list[Probe] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        i = 0
        while not self.stopping.is_set():
            t0 = time.perf_counter()
            ok = get(self.host, self.port, self.paths[i % len(self.paths)])
            self.probes.append(Probe(t0, time.perf_counter() - t0, ok))
            i += 1
            self.stopping.wait(self.interval)


def open_half_open(host: str, port: int, count: int, wait: float = 20.0) -> tuple[list[socket.socket], float, int]:
    """`count` connections, opened at once and left half-open (half silent, half with a
    partial request line). Returns the sockets, the seconds taken and how many connected."""
    t0 = time.perf_counter()
    sockets: list[socket.socket] = []
    selector = selectors.DefaultSelector()
    for i in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.connect_ex((host, port))
        sockets.append(sock)
        selector.register(sock, selectors.EVENT_WRITE, i)
    connected = 0
    deadline = time.monotonic() + wait
    while connected < count and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=0.5):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            selector.unregister(sock)
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                connected += 1
                if key.data % 2:
                    with contextlib.suppress(OSError):
                        sock.send(b"GET /index.ht")
    selector.close()
    return sockets, time.perf_counter() - t0, connected


def close_all(sockets: list[socket.socket], reset: bool) -> float:
    t0 = time.perf_counter()
    for sock in sockets:
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    return time.perf_counter() - t0


def opener(conn: Connection, host: str, port: int, count: int, reset: bool) -> None:
    """The half-open connections' own process (so that opening and closing them does not
    take the prober's GIL): opens on the first message, closes on the second."""
    conn.recv()
    sockets, seconds, connected = open_half_open(host, port, count)
    conn.send((seconds, connected))
    conn.recv()
    conn.send(close_all(sockets, reset))


def describe(name: str, probes: list[Probe]) -> str:
    if not probes:
        return f"{name:9} no probes"
    times = [p.seconds * 1000 for p in probes]
    slow = sum(1 for p in probes if p.seconds > SLOW)
    failed = sum(1 for p in probes if not p.ok)
    return (
        f"{name:9} {len(probes):5} GETs  median {statistics.median(times):7.1f} ms  "
        f"max {max(times):8.1f} ms  over 100 ms: {slow:4}  failed: {failed}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=4000)
    parser.add_argument("--hold", type=float, default=2.0, help="seconds the connections stay open")
    parser.add_argument("--after", type=float, default=8.0, help="seconds of probing after they close")
    parser.add_argument("--interval-ms", type=float, default=10.0)
    parser.add_argument("--repo", type=Path, default=REPO, help="the checkout to run (default: this one)")
    parser.add_argument("--work", type=Path, default=None, help="working folder (default: a temporary one)")
    parser.add_argument("--rst", action="store_true", help="close with RST instead of FIN")
    args = parser.parse_args(argv)

    limit = raise_fd_limit(args.connections + 1000)
    work = Path(tempfile.mkdtemp(prefix="serve-halfopen-")) if args.work is None else args.work
    work.mkdir(parents=True, exist_ok=True)
    proc, url, log = start_server(args.repo.resolve(), work)
    try:
        host, port = url.split("//")[1].rstrip("/").rsplit(":", 1)
        paper = sorted((work / "content" / "papers").glob("*.md"))[0].stem
        paths = ["/", f"/papers/{paper}/index.html", "/static/style.css"]
        print(f"repo {args.repo.resolve()} serving at {url} (open-file limit here: {limit})", flush=True)
        prober = Prober(host, int(port), paths, args.interval_ms / 1000)
        prober.start()
        time.sleep(1.0)
        ours, theirs = multiprocessing.Pipe()
        child = multiprocessing.get_context("fork").Process(
            target=opener, args=(theirs, host, int(port), args.connections, args.rst), daemon=True
        )
        child.start()
        t_open = time.perf_counter()
        ours.send("open")
        open_seconds, connected = ours.recv()
        time.sleep(args.hold)
        t_close = time.perf_counter()
        ours.send("close")
        close_seconds = ours.recv()
        time.sleep(args.after)
        child.join(timeout=10)
        prober.stopping.set()
        prober.join(timeout=PROBE_TIMEOUT + 5)
        t_end = time.perf_counter()
    finally:
        stop_server(proc)
    probes = list(prober.probes)
    print(
        f"{args.connections} half-open connections: {connected} connected in {open_seconds:.2f} s, "
        f"held {args.hold:.0f} s, closed ({'RST' if args.rst else 'FIN'}) in {close_seconds * 1000:.0f} ms"
    )
    print(describe("baseline", [p for p in probes if p.started < t_open]))
    print(describe("opening", [p for p in probes if t_open <= p.started < t_close]))
    print(describe("closed", [p for p in probes if t_close <= p.started < t_end]))
    print(describe("all", probes))
    slow = [f"{p.started - t_open:+.2f} s ({p.seconds * 1000:.0f} ms)" for p in probes if p.seconds > SLOW]
    print(f"slow GETs, started at (from the opening): {', '.join(slow[:12]) or 'none'}")
    text = log.read_text(errors="replace")
    print(f"server output: {len(text.splitlines())} lines, {text.count('Traceback')} tracebacks ({log})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
