"""The development server's HTTP/1.1, on asyncio: one thread, any number of idle connections.

Why not `http.server` with a thread per connection: 4,000 half-open connections closing at
once woke 4,000 threads that fought for the GIL, and other requests waited up to 12 s (26 s
in the issue's runs). Here an idle or half-open connection is a suspended coroutine, and
closing it costs one callback. A bounded thread pool would not do: connections that never
send a request would hold every worker.

Only what a browser needs from a development server: GET and HEAD, keep-alive, and a
streamed response for server-sent events. A client going away (a cancelled request, a closed
tab) is normal, never an error. This module knows nothing of sites: the caller's `app` turns a
Request into a Response. It must not import the build.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

MAX_HEAD = 64 * 1024
"""Largest request head (request line and headers) accepted."""
MAX_BODY = 1024 * 1024
"""Largest request body read (and thrown away) on a GET; larger ones get 413."""
BACKLOG = 4096
"""Connections the kernel queues before we accept them (it caps this at net.core.somaxconn).
A full queue drops new connections' SYNs, and a client whose SYN was dropped retries only
after 1 s, then 3 s, 7 s: a burst of connections must wait in the queue instead."""


LINGER = 2.0
"""Seconds a connection closed by the server keeps reading (and dropping) what the client sends."""
ACCEPT_BATCH = 32
"""Connections accepted per turn of the event loop (see serve_forever)."""


class BindError(Exception):
    """The server cannot listen where it was asked to: a one-line message for the user."""


class HttpError(Exception):
    """A request the server refuses: answered with `status`, then the connection closes."""

    def __init__(self, status: int) -> None:
        super().__init__(HTTPStatus(status).phrase)
        self.status = status


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    """The request target as sent (path and query, not decoded)."""
    version: str
    """`HTTP/1.0` or `HTTP/1.1`."""
    headers: dict[str, str]
    """Header values by lower-case name (a repeated header keeps its last value)."""

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def keep_alive(self) -> bool:
        """Whether the client wants the connection kept open after the response."""
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    stream: Callable[[], AsyncIterator[bytes]] | None = field(default=None, repr=False)
    """A body sent piece by piece as the iterator yields (server-sent events); the
    connection closes when it ends. `body` is then ignored."""


App = Callable[[Request], Response]
Say = Callable[[str], None]


def parse_head(head: bytes) -> Request:
    """The request a head (request line and header lines, `\\n` or `\\r\\n` ended) holds.
    Raises HttpError for anything malformed (400) or an HTTP version not spoken (505)."""
    lines = head.decode("latin-1").split("\n")
    words = lines[0].rstrip("\r").split(" ")
    if len(words) != 3 or not words[0].isalpha() or not words[1]:
        raise HttpError(400)
    method, target, version = words
    if not version.startswith("HTTP/") or version[5:] not in ("1.0", "1.1"):
        raise HttpError(505 if version[:5] == "HTTP/" and version[5:6].isdigit() else 400)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        line = line.rstrip("\r")
        if not line:
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise HttpError(400)
        headers[name.lower()] = value.strip()
    return Request(method, target, version, headers)


def encode_head(status: int, headers: list[tuple[str, str]]) -> bytes:
    """The status line and headers of a response, ready to send."""
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def error_response(status: int) -> Response:
    headers = (("Allow", "GET, HEAD"),) if status == 405 else ()
    return Response(status, f"{status} {HTTPStatus(status).phrase}\n".encode(), headers=headers)


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (IPv4 or IPv6, whichever `host` names).
    Raises BindError with a one-line message when that cannot be done."""
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if not 0 <= port <= 65535:
        raise BindError(f"cannot serve on {where}: a port is a number from 0 to 65535 (0 picks a free one)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as err:
        raise BindError(f"cannot serve on {where}: unknown host {host!r} ({err}); try --host 127.0.0.1") from None
    family, _, _, _, address = infos[0]
    try:
        return socket.create_server(address, family=family, backlog=BACKLOG)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            hint = "another program (another sitegen serve?) uses it; pick another with --port (0 picks a free one)"
        elif err.errno in (errno.EACCES, errno.EPERM):
            hint = "ports below 1024 need privileges; pick another with --port"
        else:
            hint = "pick another address with --host (default 127.0.0.1)"
        raise BindError(f"cannot serve on {where}: {os.strerror(err.errno) if err.errno else err}; {hint}") from None


class HttpServer:
    """An HTTP/1.1 server for `app`, bound at construction (so a busy port is reported
    before any work starts), serving in its own thread with its own event loop.

    The method names are those of `socketserver` (serve_forever in a thread, shutdown from
    another, server_close), which the dev server used before."""

    def __init__(self, host: str, port: int, app: App, *, detail: Say | None = None, error: Say | None = None):
        self.socket = listen(host, port)
        self.server_address: tuple[Any, ...] = self.socket.getsockname()
        self.app = app
        self.detail = detail
        """Where per-request lines and client disconnects go (None: nowhere)."""
        self.error = error or (lambda _: None)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connections: set[_Connection] = set()
        self._stopped = threading.Event()
        self._ready = threading.Event()

    @property
    def connections(self) -> int:
        """Client connections open now (idle and half-open ones included)."""
        return len(self._connections)

    def connection_sockets(self) -> list[Any]:
        """The server's side of each open client connection (for inspection)."""
        return [c.transport.get_extra_info("socket") for c in list(self._connections) if c.transport]

    def serve_forever(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)  # this thread's: parts of asyncio look it up
        loop.set_exception_handler(self._loop_error)
        self._loop = loop
        try:
            # asyncio accepts at most `backlog` connections per turn of the loop and passes
            # the same number to listen(): a small batch, so that a burst of thousands of
            # connections is taken in turns with answering the requests already read, then
            # the kernel's queue set back to its full length.
            server = loop.run_until_complete(
                loop.create_server(lambda: _Connection(self), sock=self.socket, backlog=ACCEPT_BATCH)
            )
            self.socket.listen(BACKLOG)
            self._ready.set()
            loop.run_forever()
            server.close()
            for connection in list(self._connections):
                connection._close()
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()
            self._ready.set()
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop serve_forever (running in another thread) and wait until it has returned."""
        self._ready.wait()
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # closed meanwhile
                loop.call_soon_threadsafe(loop.stop)
        self._stopped.wait()

    def server_close(self) -> None:
        self.socket.close()

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> bool:
        """Run callback(*args) in the server's loop, from any thread; False when it is not running."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return False
        try:
            loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # the loop closed between the check and the call
            return False
        return True

    def _loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """asyncio's own problems (out of file descriptors in accept(), ...): one line, no traceback."""
        err = context.get("exception")
        self.error(f"error: server: {context.get('message', 'unexpected error')}" + (f": {err}" if err else ""))


class _Connection(asyncio.Protocol):
    """One client connection. A Protocol rather than asyncio's streams: a connection that
    sends nothing costs no task and no coroutine, only its transport (about a third of
    the CPU time per connection), which is what bounds the stall when thousands of
    connections open or close at once."""

    def __init__(self, server: HttpServer) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.pending: Request | None = None
        """A GET whose body is being read (and dropped) before it is answered."""
        self.body_left = 0
        self.stream: asyncio.Task[None] | None = None
        self.finished = False
        """The last response is sent: what the client still sends is dropped."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        # Whole responses go out in one write, but a large one still leaves in several
        # segments: without TCP_NODELAY, Nagle's algorithm can hold the last one back
        # for the client's delayed ACK (~40 ms). asyncio sets it only for sockets made
        # with proto IPPROTO_TCP, not for those accepted from socket.create_server's.
        with contextlib.suppress(OSError):  # already reset by the client
            transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server._connections.discard(self)
        if self.stream is not None:
            self.stream.cancel()
        if exc is not None and self.server.detail:
            self.server.detail(f"client {self.peer} went away: {type(exc).__name__}")

    def eof_received(self) -> bool:
        return False  # the client is done sending: a partial request will never be finished

    @property
    def peer(self) -> str:
        peer = self.transport.get_extra_info("peername") if self.transport else None
        return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) and len(peer) >= 2 else "?"

    def data_received(self, data: bytes) -> None:
        if self.finished:
            return
        self.buffer += data
        try:
            self._answer_complete_requests()
        except Exception as err:  # noqa: BLE001 - a bug must not print a traceback per request
            self.server.error(f"error: serving {self.peer}: {type(err).__name__}: {err}")
            self._close()

    def _answer_complete_requests(self) -> None:
        while self.transport is not None and not self.transport.is_closing() and self.stream is None:
            if self.finished:
                return
            if self.pending is not None:
                dropped = min(self.body_left, len(self.buffer))
                self.buffer, self.body_left = self.buffer[dropped:], self.body_left - dropped
                if self.body_left:
                    return
                request, self.pending = self.pending, None
                self._answer(request)
                continue
            started = time.perf_counter()
            try:
                found = split_head(self.buffer)
                if found is None:
                    return  # wait for more
                head, self.buffer = found
                request = parse_head(head)
                self.body_left = body_length(request)
            except HttpError as err:
                self._send(error_response(err.status), keep_alive=False, head_only=False)
                self._log("-", "-", err.status, started)
                return
            if self.body_left:
                self.pending = request
            else:
                self._answer(request)

    def _answer(self, request: Request) -> None:
        started = time.perf_counter()
        response = self.server.app(request)
        keep_alive = request.keep_alive and response.stream is None
        self._send(response, keep_alive=keep_alive, head_only=request.method == "HEAD")
        self._log(request.method, request.target, response.status, started, response.stream is not None)

    def _log(self, method: str, target: str, status: int, started: float, stream: bool = False) -> None:
        if self.server.detail:
            took = "event stream opened" if stream else f"{(time.perf_counter() - started) * 1000:.1f} ms"
            self.server.detail(f"{method} {target} {status} ({took})")

    def _send(self, response: Response, *, keep_alive: bool, head_only: bool) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        headers = [("Content-Type", response.content_type), ("Cache-Control", "no-cache"), *response.headers]
        if response.stream is not None:
            transport.write(encode_head(response.status, [*headers, ("Connection", "close")]))
            if head_only:
                self._finish()
            else:
                self.stream = asyncio.get_running_loop().create_task(self._stream(response.stream))
            return
        headers += [("Content-Length", str(len(response.body)))]
        headers += [("Connection", "keep-alive" if keep_alive else "close")]
        transport.write(encode_head(response.status, headers) + (b"" if head_only else response.body))
        if not keep_alive:
            self._finish()

    async def _stream(self, pieces: Callable[[], AsyncIterator[bytes]]) -> None:
        """Send a streamed body until it ends, the client goes away or the server stops."""
        try:
            async for piece in pieces():
                if self.transport is None or self.transport.is_closing():
                    return
                self.transport.write(piece)
        finally:
            self._close()

    def _finish(self) -> None:
        """Close after the last response without losing it: closing a socket that has
        unread data sends RST, and an RST can destroy the response before the client has
        read it (a refused request is often refused before it has all arrived). So: FIN
        first, drop what still comes, close when the client does or after LINGER seconds."""
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        self.finished = True
        if transport.can_write_eof():
            transport.write_eof()
            asyncio.get_running_loop().call_later(LINGER, transport.close)
        else:
            transport.close()

    def _close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def split_head(buffer: bytes) -> tuple[bytes, bytes] | None:
    """(the first request head in `buffer`, what follows it), or None when it is not
    complete yet. Blank lines before a request line are skipped (RFC 9112, 2.2); lines may
    end in \\n or \\r\\n. Raises HttpError(431) for a head over MAX_HEAD."""
    start = 0
    while buffer.startswith(b"\n", start) or buffer.startswith(b"\r\n", start):
        start += 1 if buffer[start] == 10 else 2
    ends = [(at, len(mark)) for mark in (b"\n\r\n", b"\n\n") if (at := buffer.find(mark, start)) >= 0]
    if not ends:
        if len(buffer) - start > MAX_HEAD:
            raise HttpError(431)
        return None
    at, size = min(ends)
    if at - start > MAX_HEAD:
        raise HttpError(431)
    return buffer[start : at + 1], buffer[at + size :]


def body_length(request: Request) -> int:
    """The length of a request's body, to be read and dropped (a GET's body means nothing);
    HttpError for what this server does not answer."""
    if request.method not in ("GET", "HEAD"):
        raise HttpError(405 if request.method.isupper() else 400)
    if "transfer-encoding" in request.headers:
        raise HttpError(501)
    length = request.headers.get("content-length", "0")
    if not length.isdigit():
        raise HttpError(400)
    if int(length) > MAX_BODY:
        raise HttpError(413)
    return int(length)
