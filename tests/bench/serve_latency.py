"""Benchmark `sitegen serve`: time from saving a paper's Markdown page to the new page being served.

Usage:
    python tests/bench/serve_latency.py [--sizes 1000,10000] [--edits 10] [--work /tmp/serve-bench]
                                        [--json out.json] [--seed S] [--poll-ms 5] [--no-settle]
                                        [--keep-alive] [--no-sse] [--edit-timeout S] [--startup-timeout S]

For each N it generates a synthetic content folder (tests/bench/gen.py, as tests/bench/run.py
does), runs `sitegen import` into an empty content/papers/, copies the checkout's templates/
beside it (as run.py does), removes any site/ and build cache, and starts

    python -m sitegen serve --content content --templates templates --output site
                            --host 127.0.0.1 --port P

in that folder (P a free loopback port), with PYTHONUNBUFFERED=1 so its log lines arrive as
they are printed. The server's first build is a cold, full one (import, render, Pagefind);
the benchmark waits (bounded) for its "serving ... at URL" line and a 200 for `/`.

Then, one warm-up edit (reported apart, not in the figures) and --edits measured edits, each on
a different page (a seeded random sample of content/papers/*.md): a line with a unique marker is
appended to the page's notes, t0 = time.perf_counter() right after the file is closed, and
`GET /papers/<slug>/index.html` (the page's site path, sitegen/site/urls.py: slug = the file's stem)
is polled over loopback every --poll-ms, a new connection per GET, until the body holds the
marker. That is the save-to-served latency. Also recorded per edit, from the side:

    reload    when the live-reload server-sent event (`event: reload` on /__sitegen/events)
              arrives on a connection held open for the whole run;
    detect    when the server's `changed: ...` log line arrives (watchfiles noticed the save);
    build     the incremental build's own time, from its `built ... in X s` log line;
    GET       one GET of the page just before the save (the resolution of the latency).

After each edit the benchmark waits (bounded) for the server's settling work (a full scan,
the cache saved, then the Pagefind refresh logged as "search index refreshed", SETTLE_DELAY
after the build) so the next save does not compete with it; --no-settle skips that wait
(edits then follow each other after --gap seconds).

Memory: "server MB" is VmHWM of the server process (/proc/<pid>/status, read just before it is
stopped); "children MB" the largest VmHWM seen when sampling its descendants (Pagefind) every
50 ms (a child shorter than that is missed); "maxrss MB" the kernel's ru_maxrss from os.wait4,
the largest single process among the server and the descendants it waited for.
"Startup" is the wall time from launching the server to the first 200; "initial build" the time
the server's first build reports.

Why a new connection per GET: before the server set TCP_NODELAY, a GET on a kept-alive
connection took about 40 ms (headers and body went out as two sends and Nagle's algorithm
held the body for the client's delayed ACK), which would have made the polling resolution
~45 ms. --keep-alive polls on one connection instead. Both GET times are measured once per N,
before the edits (printed when the server is up, and in the JSON).

Polling costs the server a request every few milliseconds (a thread per connection, under the
GIL the build also needs), so it slightly inflates the figures; raise --poll-ms to check.
The server is always stopped (SIGINT, then SIGTERM, then SIGKILL) and only loopback is used.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parents[1]
HOST = "127.0.0.1"
EVENTS = "/__sitegen/events"
SAMPLE_SECONDS = 0.05
SSE_TIMEOUT = 60.0
"""Seconds without a byte on the event stream before giving up on it (the server pings every 10 s)."""
STOP_WAIT = 10.0
"""Seconds to wait after each of SIGINT and SIGTERM before the next signal."""

sys.path.insert(0, str(BENCH))
import gen  # noqa: E402
from run import _children, machine, write_json  # noqa: E402 - the same /proc and machine facts as run.py

_SERVING = re.compile(r"^serving .* at (http://\S+)")
_BUILT = re.compile(r"^built \d+ papers.* in ([0-9.]+) s")
_REWRITTEN = re.compile(r": (\d+) of \d+ files rewritten")


class BenchError(RuntimeError):
    pass


# ---------------------------------------------------------------------------- /proc helpers


def _descendants(pid: int) -> list[int]:
    found, todo = [], _children(pid)
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(_children(child))
    return found


def _hwm_kb(pid: int) -> int:
    """VmHWM (peak resident set) of a live process, in kB; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _start_time(pid: int) -> str | None:
    """The process's start time (field 22 of /proc/<pid>/stat), to tell it from a reused pid."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------------------- the server


class ServerProcess:
    """`sitegen serve` as a child process: its log lines (timestamped), its memory, its end."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str], log_path: Path) -> None:
        self.command = command
        self.log_path = log_path
        self.lines: list[tuple[float, str]] = []
        self.started = time.perf_counter()
        self._log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
        )
        self.pid = self.proc.pid
        self.exit_code: int | None = None
        self.maxrss_kb: int | None = None
        self.children_hwm_kb = 0
        self.server_hwm_kb = 0
        self._seen: dict[int, str | None] = {}
        self._stop = threading.Event()
        self._reap_lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True, name="server-log")
        self._sampler = threading.Thread(target=self._sample, daemon=True, name="server-memory")
        self._reader.start()
        self._sampler.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.perf_counter(), line.rstrip("\n")))
            self._log.write(line)
            self._log.flush()

    def _sample(self) -> None:
        while not self._stop.is_set() and self.alive():
            self.server_hwm_kb = max(self.server_hwm_kb, _hwm_kb(self.pid))
            for child in _descendants(self.pid):
                if child not in self._seen:
                    self._seen[child] = _start_time(child)
                self.children_hwm_kb = max(self.children_hwm_kb, _hwm_kb(child))
            self._stop.wait(SAMPLE_SECONDS)

    def alive(self) -> bool:
        """Whether the server still runs; reaps it (keeping its rusage) when it has ended."""
        with self._reap_lock:
            if self.exit_code is not None:
                return False
            try:
                pid, status, usage = os.wait4(self.pid, os.WNOHANG)
            except ChildProcessError:
                return False
            if pid == 0:
                return True
            self._reaped(status, usage)
            return False

    def _reaped(self, status: int, usage: Any) -> None:
        self.exit_code = os.waitstatus_to_exitcode(status)
        self.proc.returncode = self.exit_code  # so Popen does not wait for it again
        self.maxrss_kb = int(usage.ru_maxrss)

    def wait_line(
        self, match: Callable[[str], bool], start: int = 0, timeout: float = 10.0
    ) -> tuple[int, float, str] | None:
        """The first log line from index `start` on that matches: (index, arrival time, text);
        None when the timeout passes or the server ends first."""
        deadline = time.perf_counter() + timeout
        index = start
        while True:
            while index < len(self.lines):
                at, text = self.lines[index]
                if match(text):
                    return index, at, text
                index += 1
            if time.perf_counter() > deadline:
                return None
            if not self.alive():
                self._reader.join(timeout=1.0)
                if index >= len(self.lines):
                    return None
                continue
            time.sleep(0.01)

    def tail(self, count: int = 8) -> str:
        return " | ".join(text for _, text in self.lines[-count:])

    def stop(self) -> None:
        """SIGINT (serve stops cleanly on KeyboardInterrupt), then SIGTERM, then SIGKILL;
        then any descendant still alive (e.g. a Pagefind run), by pid, checked against its start time."""
        if self.alive():
            self.server_hwm_kb = max(self.server_hwm_kb, _hwm_kb(self.pid))
            for child in _descendants(self.pid):
                self._seen.setdefault(child, _start_time(child))
        # A child inherits an ignored SIGINT (e.g. this script started with `&` from a script): skip it then.
        first = [] if signal.getsignal(signal.SIGINT) == signal.SIG_IGN else [signal.SIGINT]
        for sig in (*first, signal.SIGTERM, signal.SIGKILL):
            if not self.alive():
                break
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.perf_counter() + STOP_WAIT
            while self.alive() and time.perf_counter() < deadline:
                time.sleep(0.05)
        with self._reap_lock:
            if self.exit_code is None:  # still not reaped after SIGKILL's wait: SIGKILL cannot be ignored
                try:
                    _, status, usage = os.wait4(self.pid, 0)
                    self._reaped(status, usage)
                except ChildProcessError:
                    pass
        self._stop.set()
        self._sampler.join(timeout=2.0)
        for child, started in self._seen.items():
            if started is not None and _start_time(child) == started:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGTERM)
        self._reader.join(timeout=2.0)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()


class Http:
    """GETs over loopback: a new connection per request, or (keep_alive) one connection
    reused and reopened when the server drops it."""

    def __init__(self, port: int, timeout: float, keep_alive: bool = False) -> None:
        self.port = port
        self.timeout = timeout
        self.keep_alive = keep_alive
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str) -> tuple[int, bytes]:
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            try:
                self.conn.request("GET", path)
                response = self.conn.getresponse()
                body = response.read()
                if response.will_close or not self.keep_alive:
                    self.close()
                return response.status, body
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class EventListener(threading.Thread):
    """Holds /__sitegen/events open and timestamps every `reload` event."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True, name="sse")
        self.port = port
        self.reloads: list[float] = []
        self.connected = threading.Event()
        self.error: str | None = None
        self._stop_event = threading.Event()
        self._conn: http.client.HTTPConnection | None = None

    def run(self) -> None:
        try:
            self._conn = http.client.HTTPConnection(HOST, self.port, timeout=SSE_TIMEOUT)
            self._conn.request("GET", EVENTS)
            response = self._conn.getresponse()
            if response.status != 200:
                self.error = f"{EVENTS} answered {response.status}"
                return
            self.connected.set()
            while not self._stop_event.is_set():
                try:
                    line = response.readline()
                except TimeoutError:  # the socket is unusable after a timeout
                    self.error = f"no event or ping for {SSE_TIMEOUT:.0f} s"
                    break
                if not line:
                    break
                if line.strip() == b"event: reload":
                    self.reloads.append(time.perf_counter())
        except (OSError, http.client.HTTPException, ValueError) as err:
            if not self._stop_event.is_set():
                self.error = f"{type(err).__name__}: {err}"
        finally:
            self.connected.set()

    def first_after(self, t0: float) -> float | None:
        return next((t for t in self.reloads if t > t0), None)

    def stop(self) -> None:
        self._stop_event.set()
        conn = self._conn
        if conn is not None and conn.sock is not None:
            with contextlib.suppress(OSError):
                conn.sock.shutdown(socket.SHUT_RDWR)
        self.join(timeout=2.0)


# ---------------------------------------------------------------------------- one size


@dataclass
class Edit:
    page: str
    served_ms: float
    reload_ms: float | None = None
    detect_ms: float | None = None
    build_ms: float | None = None
    files: int | None = None
    """Files the incremental build rewrote."""
    builds: int = 0
    polls: int = 0
    """GETs until the marker was served."""
    idle_get_ms: float | None = None
    """Median time of a GET of the page just before the edit: the resolution of `served_ms`."""
    settled: bool | None = None


@dataclass
class SizeResult:
    n: int
    generated: dict[str, Any] = field(default_factory=dict)
    import_seconds: float | None = None
    startup_seconds: float | None = None
    initial_build_seconds: float | None = None
    get_fresh_ms: float | None = None
    """Median GET of a paper page on a new connection each, before the edits."""
    get_keep_alive_ms: float | None = None
    """The same over one kept-alive connection (see --keep-alive)."""
    warmup: Edit | None = None
    edits: list[Edit] = field(default_factory=list)
    server_hwm_mb: float | None = None
    children_hwm_mb: float | None = None
    maxrss_mb: float | None = None
    server_exit: int | None = None
    sse_error: str | None = None
    error: str | None = None
    log: str = ""

    def stat(self, attr: str, fn: Callable[[list[float]], float]) -> float | None:
        values = [getattr(e, attr) for e in self.edits if getattr(e, attr) is not None]
        return round(fn(values), 1) if values else None


def prepare(n: int, root: Path, seed: int, env: dict[str, str]) -> tuple[dict[str, Any], float]:
    """Content as run.py makes it: generated digests, `sitegen import`, a copy of the templates;
    no site and no build cache, so the server's first build is cold."""
    started = time.perf_counter()
    generated: dict[str, Any] = dict(gen.generate(n, root, seed))
    generated["seconds"] = round(time.perf_counter() - started, 2)
    shutil.rmtree(root / "content" / "papers", ignore_errors=True)
    shutil.rmtree(root / "templates", ignore_errors=True)
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.rmtree(root / "site", ignore_errors=True)
    for cache in root.glob(".sitegen-cache*"):
        if cache.is_dir():
            shutil.rmtree(cache)
        else:
            cache.unlink()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "sitegen", "import", "-q", "--content", "content"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=max(600.0, n * 0.1),
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: some digest unreadable, still imported
        raise BenchError(f"sitegen import failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return generated, seconds


def wait_until_up(server: ServerProcess, port: int, timeout: float) -> float:
    """Seconds from launch to the first 200 for `/`; BenchError when that takes over `timeout`."""
    found = server.wait_line(lambda s: bool(_SERVING.match(s)), 0, timeout)
    if found is None:
        state = f"exited with {server.exit_code}" if not server.alive() else f"not up after {timeout:.0f} s"
        raise BenchError(f"server {state}; log: {server.tail()}")
    client = Http(port, timeout=10.0)
    deadline = server.started + timeout
    try:
        while True:
            try:
                status, _ = client.get("/")
                if status == 200:
                    return time.perf_counter() - server.started
            except (OSError, http.client.HTTPException):
                pass
            if time.perf_counter() > deadline or not server.alive():
                raise BenchError(f"server printed its URL but / does not answer 200; log: {server.tail()}")
            time.sleep(0.1)
    finally:
        client.close()


def get_times(port: int, path: str, keep_alive: bool, count: int = 10) -> float:
    """Median milliseconds of `count` GETs of `path` while nothing else happens."""
    client = Http(port, timeout=30.0, keep_alive=keep_alive)
    times = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            client.get(path)
            times.append(time.perf_counter() - started)
    finally:
        client.close()
    return round(statistics.median(times) * 1000, 2)


def one_edit(
    server: ServerProcess,
    client: Http,
    events: EventListener | None,
    page: Path,
    number: int,
    args: argparse.Namespace,
) -> Edit:
    url = f"/papers/{page.stem}/index.html"
    marker = f"sgbench{time.time_ns()}e{number}"
    idle = []
    for _ in range(3):
        started = time.perf_counter()
        status, body = client.get(url)
        idle.append(time.perf_counter() - started)
        if status != 200:
            raise BenchError(f"GET {url} answered {status} before the edit")
    log_start = len(server.lines)
    with open(page, "a", encoding="utf-8") as handle:
        handle.write(f"\nServe latency marker {marker}.\n")
    t0 = time.perf_counter()
    deadline = t0 + args.edit_timeout
    wanted = marker.encode()
    poll = args.poll_ms / 1000
    polls = 0
    while True:
        status, body = client.get(url)
        polls += 1
        now = time.perf_counter()
        if status == 200 and wanted in body:
            break
        if now > deadline:
            raise BenchError(f"{page.name}: marker not served after {args.edit_timeout:.0f} s; log: {server.tail()}")
        if not server.alive():
            raise BenchError(f"server exited with {server.exit_code}; log: {server.tail()}")
        time.sleep(poll)
    edit = Edit(page=page.name, served_ms=round((now - t0) * 1000, 1), polls=polls)
    edit.idle_get_ms = round(statistics.median(idle) * 1000, 2)

    changed = server.wait_line(lambda s: s.startswith("changed:"), log_start, 5.0)
    if changed:
        edit.detect_ms = round((changed[1] - t0) * 1000, 1)
        built = server.wait_line(lambda s: bool(_BUILT.match(s)), changed[0], 10.0)
        if built:
            match = _BUILT.match(built[2])
            assert match is not None
            edit.build_ms = round(float(match.group(1)) * 1000, 1)
            rewritten = _REWRITTEN.search(built[2])
            edit.files = int(rewritten.group(1)) if rewritten else None
    if events is not None:
        reload_at = events.first_after(t0)
        if reload_at is None:  # it is published just before the files are served; allow a moment
            time.sleep(0.2)
            reload_at = events.first_after(t0)
        if reload_at is not None:
            edit.reload_ms = round((reload_at - t0) * 1000, 1)

    if args.no_settle:
        time.sleep(args.gap)
    else:
        refreshed = server.wait_line(lambda s: s.startswith("search index"), log_start, args.settle_timeout)
        edit.settled = refreshed is not None
        time.sleep(max(args.gap, 0.2))
    edit.builds = sum(1 for _, s in server.lines[log_start:] if _BUILT.match(s))
    return edit


def run_size(n: int, args: argparse.Namespace, env: dict[str, str]) -> SizeResult:
    result = SizeResult(n=n)
    root: Path = args.work / f"n{n}"
    root.mkdir(parents=True, exist_ok=True)
    result.generated, import_seconds = prepare(n, root, args.seed, env)
    result.import_seconds = round(import_seconds, 2)
    pages = sorted((root / "content" / "papers").glob("*.md"))
    count = args.edits + 1  # the warm-up first
    if len(pages) < count:
        raise BenchError(f"only {len(pages)} pages for {count} edits")
    chosen = random.Random(args.seed).sample(pages, count)
    print(f"N={n}: generated {result.generated}, imported {len(pages)} pages in {import_seconds:.1f} s", flush=True)

    port = free_port()
    command = [
        sys.executable, "-m", "sitegen", "serve", "--content", "content", "--templates", "templates",
        "--output", "site", "--host", HOST, "--port", str(port),
    ]  # fmt: skip
    startup_timeout = args.startup_timeout or max(120.0, n * 0.03)
    server = ServerProcess(command, root, env, root / "serve.log")
    events: EventListener | None = None
    client = Http(port, timeout=30.0, keep_alive=args.keep_alive)
    try:
        result.startup_seconds = round(wait_until_up(server, port, startup_timeout), 2)
        first = server.wait_line(lambda s: bool(_BUILT.match(s)), 0, 1.0)
        if first:
            match = _BUILT.match(first[2])
            assert match is not None
            result.initial_build_seconds = float(match.group(1))
        probe = f"/papers/{chosen[0].stem}/index.html"
        result.get_fresh_ms = get_times(port, probe, keep_alive=False)
        result.get_keep_alive_ms = get_times(port, probe, keep_alive=True)
        print(
            f"N={n}: server up on port {port} after {result.startup_seconds:.1f} s "
            f"(first build {result.initial_build_seconds} s); one GET of a paper page: "
            f"{result.get_fresh_ms} ms on a new connection, {result.get_keep_alive_ms} ms kept alive",
            flush=True,
        )
        if not args.no_sse:
            events = EventListener(port)
            events.start()
            events.connected.wait(10.0)
            result.sse_error = events.error
        time.sleep(args.settle_start)  # let the watcher thread set up its inotify watches
        for number, page in enumerate(chosen):
            edit = one_edit(server, client, events, page, number, args)
            label = "warm-up" if number == 0 else f"edit {number}/{args.edits}"
            extras = ", ".join(
                f"{name} {value:.0f} ms"
                for name, value in (("reload", edit.reload_ms), ("detect", edit.detect_ms), ("build", edit.build_ms))
                if value is not None
            )
            files = f", {edit.files} files rewritten" if edit.files is not None else ""
            files += "; search refresh not seen" if edit.settled is False else ""
            print(
                f"  {label:12} {edit.served_ms:8.1f} ms  ({extras}; {edit.polls} polls, {edit.builds} build(s){files})",
                flush=True,
            )
            if number == 0:
                result.warmup = edit
            else:
                result.edits.append(edit)
    except BenchError as err:
        result.error = str(err)
        print(f"N={n}: FAILED: {err}", flush=True)
    finally:
        client.close()
        if events is not None:
            events.stop()
            result.sse_error = result.sse_error or events.error
        server.stop()
        result.server_exit = server.exit_code
        result.server_hwm_mb = round(server.server_hwm_kb / 1024, 1) if server.server_hwm_kb else None
        result.children_hwm_mb = round(server.children_hwm_kb / 1024, 1) if server.children_hwm_kb else None
        result.maxrss_mb = round(server.maxrss_kb / 1024, 1) if server.maxrss_kb else None
        result.log = str(server.log_path)
    return result


# ---------------------------------------------------------------------------- reporting


def _fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(results: Sequence[SizeResult]) -> str:
    header = (
        "N", "edits", "median ms", "min ms", "max ms", "reload ms", "detect ms", "build ms",
        "GET ms", "startup s", "1st build s", "server MB", "children MB", "maxrss MB",
    )  # fmt: skip
    rows = [header]
    for r in results:
        rows.append(
            (
                str(r.n), str(len(r.edits)), _fmt(r.stat("served_ms", statistics.median)),
                _fmt(r.stat("served_ms", min)), _fmt(r.stat("served_ms", max)),
                _fmt(r.stat("reload_ms", statistics.median)), _fmt(r.stat("detect_ms", statistics.median)),
                _fmt(r.stat("build_ms", statistics.median)), _fmt(r.stat("idle_get_ms", statistics.median), 1),
                _fmt(r.startup_seconds, 1),
                _fmt(r.initial_build_seconds, 1), _fmt(r.server_hwm_mb), _fmt(r.children_hwm_mb),
                _fmt(r.maxrss_mb),
            )
        )  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for i, row in enumerate(rows):
        lines.append("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def summary(r: SizeResult) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for attr in ("served_ms", "reload_ms", "detect_ms", "build_ms", "idle_get_ms"):
        out[attr] = {
            "median": r.stat(attr, statistics.median),
            "min": r.stat(attr, min),
            "max": r.stat(attr, max),
        }
    return out


# ---------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated paper counts (default 1000,10000)")
    parser.add_argument("--edits", type=int, default=10, help="measured edits per size, after one warm-up (default 10)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/serve-bench"), help="scratch folder")
    parser.add_argument("--json", type=Path, help="write every edit and the summaries to this file")
    parser.add_argument("--seed", type=int, default=1, help="seed for the content and the pages edited")
    parser.add_argument("--poll-ms", type=float, default=5.0, help="interval between polls of the page (default 5)")
    parser.add_argument("--edit-timeout", type=float, default=120.0, help="seconds to wait for one edit to be served")
    parser.add_argument(
        "--startup-timeout", type=float, default=0.0, help="seconds to wait for the server (default max(120, N*0.03))"
    )
    parser.add_argument(
        "--settle-timeout", type=float, default=300.0, help="seconds to wait for the search refresh after an edit"
    )
    parser.add_argument(
        "--no-settle", action="store_true", help="do not wait for the search refresh between edits (see --gap)"
    )
    parser.add_argument("--gap", type=float, default=0.0, help="extra seconds to pause between edits")
    parser.add_argument(
        "--settle-start", type=float, default=1.0, help="seconds to pause after the server is up (default 1)"
    )
    parser.add_argument("--no-sse", action="store_true", help="do not listen for live-reload events")
    parser.add_argument(
        "--keep-alive", action="store_true", help="poll over one kept-alive connection (default: a new one per GET)"
    )
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "").replace("k", "000")) for s in args.sizes.split(",") if s.strip()]
    if args.edits < 1 or not sizes or min(sizes) < 1:
        parser.error("--edits and every size must be at least 1")
    args.work = args.work.resolve()
    env = dict(
        os.environ,
        PYTHONUNBUFFERED="1",
        PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    )
    info = machine()
    print(f"sitegen from {REPO}; {info['cpus']} CPUs, load average {info.get('load_average')}", flush=True)

    results: list[SizeResult] = []
    for n in sizes:
        try:
            results.append(run_size(n, args, env))
        except (BenchError, OSError, subprocess.SubprocessError) as err:
            print(f"N={n}: FAILED before serving: {err}", flush=True)
            results.append(SizeResult(n=n, error=str(err)))

    print()
    print(table(results))
    print(
        "\nms: save-to-served (median, min, max), reload event, watcher log line, incremental build and"
        "\n    one GET of the page while idle (medians);"
        "\nMB: VmHWM of the server, largest VmHWM sampled among its children, ru_maxrss (largest single process)."
    )
    for r in results:
        if r.error:
            print(f"N={r.n}: {r.error}")
        if r.sse_error:
            print(f"N={r.n}: live-reload events: {r.sse_error}")
    if args.json:
        payload = {
            "machine": info,
            "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "results": [{**asdict(r), "summary": summary(r)} for r in results],
        }
        write_json(args.json, payload)
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
