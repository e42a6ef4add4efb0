"""`sitegen serve` as a user runs it (a real process, real sockets): names the file system
refuses, clients going away, half-open connections, where it listens, -q/-v and --open.
(Issue 21 item 9, issue 18's serve bullets; the figures are in tests/bench/serve_halfopen.py.)"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.sites import ROOT

LOOPBACK = "127.0.0.1"


@dataclass
class Serve:
    proc: subprocess.Popen[bytes]
    host: str
    port: int
    folder: Path

    @property
    def stdout(self) -> str:
        return (self.folder / "stdout.txt").read_text(errors="replace")

    @property
    def stderr(self) -> str:
        return (self.folder / "stderr.txt").read_text(errors="replace")

    def output_since(self, mark: tuple[int, int]) -> str:
        """What the server printed (stdout, then stderr) since `mark` (a `self.mark()`)."""
        return self.stdout[mark[0] :] + self.stderr[mark[1] :]

    def mark(self) -> tuple[int, int]:
        return len(self.stdout), len(self.stderr)

    def get(self, path: str, timeout: float = 30) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request("GET", path)  # sent as is, not normalised by a client library
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def free_port(host: str = LOOPBACK) -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def run_serve(folder: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """`python -m sitegen serve` in `folder` (this checkout's sitegen), output to files."""
    command = [sys.executable, "-m", "sitegen", "serve", "--content", "content", "--templates", "templates"]
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **(env or {})}
    with open(folder / "stdout.txt", "wb") as out, open(folder / "stderr.txt", "wb") as err:
        return subprocess.Popen(
            [*command, "--output", "site", *args],
            cwd=folder,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )


def wait_for(condition: object, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


def start(folder: Path, *args: str, host: str = LOOPBACK, env: dict[str, str] | None = None) -> Serve:
    """A server on the bundled content, up and answering `/`."""
    if not (folder / "content").exists():
        shutil.copytree(ROOT / "content", folder / "content")
        shutil.copytree(ROOT / "templates", folder / "templates")
    port = free_port(host)
    serve = Serve(run_serve(folder, "--host", host, "--port", str(port), *args, env=env), host, port, folder)

    def up() -> bool:
        assert serve.proc.poll() is None, f"serve ended: {serve.stdout}{serve.stderr}"
        try:
            return serve.get("/", timeout=5)[0] == 200
        except OSError:
            return False

    wait_for(up, "the server answers /", timeout=180)
    return serve


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    """One server, at the default verbosity, shared by the tests that do not restart it."""
    serve = start(tmp_path_factory.mktemp("serve"))
    try:
        yield serve
    finally:
        serve.stop()


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no Threads: line")


def reset(sock: socket.socket) -> None:
    """Close with RST, as a browser cancelling a request can."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


# --------------------------------------------------------------- requests and connections


@pytest.mark.parametrize(
    "path",
    [
        "/" + "a" * 300,  # one segment over NAME_MAX (255): ENAMETOOLONG
        "/papers/" + "b" * 5000 + "/index.html",
        "/" + "/".join(["c" * 250] * 20),  # the whole path over PATH_MAX (4096)
        "/%2e%2e/" + "d" * 300,
    ],
)
def test_a_name_the_file_system_refuses_is_a_missing_page(server: Serve, path: str) -> None:
    """Bug: ENAMETOOLONG escaped resolve_request: no response at all and a traceback."""
    mark = server.mark()
    status, body = server.get(path)
    assert status == 404 and b"Page not found" in body
    assert server.get("/")[0] == 200
    assert "Traceback" not in server.output_since(mark)


def test_clients_going_away_print_no_traceback(server: Serve) -> None:
    """Bug: each client that went away mid-request (a browser cancelling it) printed a
    BrokenPipe or ConnectionReset traceback. Here requests for the largest file are cut
    off with RST at every point: before the answer, during it, on the event stream."""
    mark = server.mark()
    request = f"GET /papers.json HTTP/1.1\r\nHost: {LOOPBACK}\r\n\r\n".encode()
    for i in range(30):
        sock = socket.create_connection((server.host, server.port), timeout=10)
        sock.sendall(request if i % 3 else request[:10])
        if i % 3 == 2:
            sock.recv(100)  # the answer has begun
        reset(sock)
    events = socket.create_connection((server.host, server.port), timeout=10)
    events.sendall(f"GET /__sitegen/events HTTP/1.1\r\nHost: {LOOPBACK}\r\n\r\n".encode())
    assert b"text/event-stream" in events.recv(1000)
    reset(events)
    assert server.get("/papers.json")[0] == 200  # answered after those
    time.sleep(1)  # time to print anything the cut connections would make it print
    output = server.output_since(mark)
    assert "Traceback" not in output and "Error" not in output, output


def test_half_open_connections_hold_no_thread_and_are_freed_when_closed(server: Serve) -> None:
    """Bug: a thread per connection: 1,000-4,000 half-open connections closing at once
    stalled other requests for seconds (tests/bench/serve_halfopen.py measures it). Now
    they hold no thread each, other requests are answered while they are open and after
    they all close at once, and their descriptors are freed."""
    pid = server.proc.pid
    mark = server.mark()
    before = open_fds(pid)
    sockets = []
    for i in range(1000):
        sock = socket.create_connection((server.host, server.port), timeout=30)
        if i % 2:
            sock.sendall(b"GET /index.ht")  # a partial request line
        sockets.append(sock)
    try:
        wait_for(lambda: open_fds(pid) >= before + 1000, "the server accepts 1,000 connections", timeout=60)
        assert threads(pid) < 50
        assert server.get("/")[0] == 200
    finally:
        for sock in sockets:
            sock.close()
    wait_for(lambda: open_fds(pid) < before + 10, "the server closes their sockets", timeout=60)
    assert server.get("/")[0] == 200
    assert "Traceback" not in server.output_since(mark)


def test_no_per_request_lines_by_default(server: Serve) -> None:
    server.get("/tags/")
    assert "GET /" not in server.stdout
    assert f"at http://{LOOPBACK}:{server.port}/" in server.stdout


# --------------------------------------------------------------- where it listens


def test_a_busy_port_is_one_line_naming_it_and_exit_2(tmp_path: Path) -> None:
    """Bug: a 23-line traceback and exit 1."""
    with socket.create_server((LOOPBACK, 0)) as busy:
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "sitegen", "serve", "--port", str(port), "--output", str(tmp_path / "site")],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and f"{LOOPBACK}:{port}" in lines[0] and "--port" in lines[0], done.stderr
    assert not (tmp_path / "site").exists()  # told before any work


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--host", "no-such-host.invalid"], "no-such-host.invalid"),
        (["--host", "203.0.113.7"], "203.0.113.7"),  # a documentation address, not this machine's
        (["--port", "70000"], "70000"),
    ],
)
def test_a_place_it_cannot_listen_is_one_line_and_exit_2(tmp_path: Path, args: list[str], named: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sitegen", "serve", *args, "--output", str(tmp_path / "site")],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and named in lines[0], done.stderr


def test_serves_on_ipv6_loopback(tmp_path: Path) -> None:
    """Bug: `--host ::1` ended in a traceback (the server only spoke IPv4)."""
    serve = start(tmp_path, host="::1")
    try:
        status, body = serve.get("/tags/")
        assert status == 200 and b"Quantization" in body
        # the page can be served a moment before the reader thread has the "serving" line
        wait_for(lambda: f"at http://[::1]:{serve.port}/" in serve.stdout, "the serving line names [::1]")
    finally:
        serve.stop()
    assert "Traceback" not in serve.stderr


# --------------------------------------------------------------- what it prints, --open


def edit_and_wait(serve: Serve, marker: str) -> Path:
    """Append `marker` to a paper's notes and wait until the rebuilt page is served."""
    page = sorted((serve.folder / "content" / "papers").glob("*.md"))[0]
    page.write_text(page.read_text() + f"\n{marker}\n")
    wait_for(lambda: marker.encode() in serve.get(f"/papers/{page.stem}/index.html")[1], "the edit is served")
    return page


def test_quiet_prints_errors_only(tmp_path: Path) -> None:
    """Bug: -q was accepted and ignored."""
    serve = start(tmp_path, "-q")
    try:
        edit_and_wait(serve, "A note saved under -q.")
        template = tmp_path / "templates" / "paper.html"
        template.write_text(template.read_text().replace("{% block content %}", "{% block content %}{% if %}", 1))
        wait_for(lambda: "paper.html" in serve.stderr, "the template error is printed")
    finally:
        serve.stop()
    assert serve.stdout == ""
    lines = serve.stderr.splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), serve.stderr


def test_verbose_prints_each_request_and_what_each_rebuild_did(tmp_path: Path) -> None:
    """Bug: -v was accepted and ignored."""
    serve = start(tmp_path, "-v")
    try:
        serve.get("/tags/")
        serve.get("/no/such/page.html")
        edit_and_wait(serve, "A first note, seen by the watcher or by its catch-up build.")
        mark = serve.mark()
        page = edit_and_wait(serve, "A note saved under -v.")  # the watcher runs now: it sees this one
    finally:
        serve.stop()
    out = serve.stdout
    assert "GET /tags/ 200" in out and "GET /no/such/page.html 404" in out
    rebuild = serve.output_since(mark)
    assert f"changed: {page.name}" in rebuild
    assert f"wrote papers/{page.stem}/index.html" in rebuild
    assert "Traceback" not in serve.stderr


def test_open_opens_the_browser_at_the_served_url(tmp_path: Path) -> None:
    """Bug: there was no --open. $BROWSER (honoured by Python's webbrowser) names a script
    that records the URL it is given."""
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> "{opened}"\n')
    browser.chmod(0o755)
    serve = start(tmp_path, "--open", env={"BROWSER": str(browser)})
    try:
        wait_for(opened.exists, "the browser is opened", timeout=30)
        time.sleep(0.5)  # a second opening would show now
        assert opened.read_text().splitlines() == [f"http://{LOOPBACK}:{serve.port}/"]
    finally:
        serve.stop()


# --------------------------------------------------------------- the HTTP layer (serve_http.py)


@pytest.mark.parametrize(
    ("buffer", "expected"),
    [
        (b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /b", (b"GET / HTTP/1.1\r\nHost: x\r\n", b"GET /b")),
        (b"\r\n\nGET / HTTP/1.0\nHost: x\n\nrest", (b"GET / HTTP/1.0\nHost: x\n", b"rest")),
        (b"GET / HTTP/1.1\r\nHost: x\r\n", None),  # not complete yet
        (b"GET /index.ht", None),
    ],
)
def test_split_head(buffer: bytes, expected: tuple[bytes, bytes] | None) -> None:
    from sitegen.serve_messages import split_head

    assert split_head(buffer) == expected


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"GET /\r\n", 400),  # HTTP/0.9
        (b"GET / HTTP/1.1 extra\r\n", 400),
        (b"GET / HTTP/2.0\r\n", 505),
        (b"GET / HTTP/1.1\r\nNo colon here\r\n", 400),
        (b"GET / HTTP/1.1\r\n Host: x\r\n", 400),  # obsolete line folding
    ],
)
def test_parse_head_refuses(head: bytes, status: int) -> None:
    from sitegen.serve_messages import HttpError, parse_head

    with pytest.raises(HttpError) as caught:
        parse_head(head)
    assert caught.value.status == status


def test_parse_head_and_keep_alive() -> None:
    from sitegen.serve_messages import parse_head

    request = parse_head(b"GET /a%20b?q=1 HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n")
    assert (request.method, request.path, request.headers["host"]) == ("GET", "/a%20b", "x")
    assert not request.keep_alive
    assert parse_head(b"GET / HTTP/1.1\r\n").keep_alive
    assert not parse_head(b"GET / HTTP/1.0\r\n").keep_alive
    assert parse_head(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n").keep_alive


@pytest.fixture()
def http_server(tmp_path: Path) -> Iterator[tuple[object, int]]:
    import threading

    from sitegen.serve_app import Broker, site_app
    from sitegen.serve_http import HttpServer

    (tmp_path / "index.html").write_text("<!doctype html><title>x</title><p>home</p>")
    (tmp_path / "404.html").write_text("<!doctype html><title>404</title><p>Page not found</p>")
    broker = Broker()
    server = HttpServer(LOOPBACK, 0, site_app(tmp_path, broker))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield broker, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def exchange(port: int, data: bytes) -> bytes:
    """Send raw bytes; read until the server closes the connection."""
    with socket.create_connection((LOOPBACK, port), timeout=10) as sock:
        sock.sendall(data)
        got = b""
        while chunk := sock.recv(65536):
            got += chunk
        return got


def test_pipelined_keep_alive_head_and_a_get_with_a_body(http_server: tuple[object, int]) -> None:
    _, port = http_server
    got = exchange(
        port,
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        b"HEAD /index.html HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    assert re.findall(rb"HTTP/1\.1 (\d+) ", got) == [b"200", b"200", b"404", b"200"]
    assert got.count(b"<p>home</p>") == 2  # HEAD has no body
    assert b"Page not found" in got


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi", b"405"),
        (b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", b"501"),
        (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", b"431"),
        (b"GARBAGE\r\n\r\n", b"400"),
    ],
)
def test_refused_requests_are_answered_and_closed(http_server: tuple[object, int], data: bytes, status: bytes) -> None:
    _, port = http_server
    got = exchange(port, data)
    assert got.startswith(b"HTTP/1.1 " + status) and b"Connection: close" in got


def test_a_page_closing_its_event_stream_unsubscribes_at_once(http_server: tuple[object, int]) -> None:
    broker, port = http_server
    sock = socket.create_connection((LOOPBACK, port), timeout=10)
    sock.sendall(b"GET /__sitegen/events HTTP/1.1\r\nHost: x\r\n\r\n")
    assert b": connected" in sock.recv(1000) or b": connected" in sock.recv(1000)
    wait_for(lambda: broker.clients == 1, "the page subscribes", timeout=10)  # type: ignore[attr-defined]
    reset(sock)
    wait_for(lambda: broker.clients == 0, "the page unsubscribes", timeout=5)  # type: ignore[attr-defined]
